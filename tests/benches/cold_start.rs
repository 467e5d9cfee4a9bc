//! `make bench`: cold start and warm latency of every trigger binary, as Lambda runs them — the
//! process started under the Runtime API emulator (`trigger_core::testing::runtime_api`) with the
//! local settings, its AWS calls going to the private moto `make bench` started — and, in the
//! same run, interleaved start by start, the Node.js 20 twin of pre-signup (`tests/node-twin`: the
//! same two calls with the AWS SDK v3) on the same moto. Both are also started against an endpoint
//! that answers at once (`FaultProxy` with a canned reply armed for each of the two calls), which
//! leaves moto's latency out of the ratio and counts the calls each makes per invocation; then every
//! binary's calls per invocation are counted through a `FaultProxy` in front of moto. Prints
//! Markdown rows for scripts/bench-report.py.
//!
//! Per start: the event is queued before the process starts, so **init** is process start → the
//! first `GET /invocation/next` (what Lambda reports as Init Duration) and **first response** is
//! process start → the answer to that event (what the user waits for on a cold start); then
//! `WARM` more events one after another give the **warm** latency (delivered → answered). Each
//! event names a new user, so every call takes the trigger's common path, not a retry's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use e2e::binaries::{binaries_dir, fixtures, lambda_command, trigger_binaries, workspace};
use serde_json::{Value, json};
use trigger_core::testing::fault_proxy::{Fault, FaultProxy};
use trigger_core::testing::runtime_api::{Answer, Invocation, RuntimeApi};

/// Cold starts per subject (`COLD_STARTS`, default 15) and warm calls after each (`WARM_CALLS`, 20).
fn starts() -> usize {
    std::env::var("COLD_STARTS").ok().and_then(|v| v.parse().ok()).unwrap_or(15)
}
fn warm_calls() -> usize {
    std::env::var("WARM_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(20)
}

/// Where the binaries to start are: those of cargo profile `COLD_START_PROFILE` (make bench: the
/// release builds for this machine, the profile Lambda runs), beside this bench's own profile in
/// the same target directory; without it, this bench's own profile's.
fn started_binaries_dir() -> PathBuf {
    let own = binaries_dir().unwrap();
    match std::env::var("COLD_START_PROFILE") {
        Ok(profile) => {
            let dir = if profile == "dev" { "debug" } else { profile.as_str() };
            own.parent().expect("target/<profile> has a parent").join(dir)
        }
        Err(_) => own,
    }
}

const ANSWER_WITHIN: Duration = Duration::from_secs(20);
/// A pause between two starts, for moto to finish what the last subject left it.
const SETTLE: Duration = Duration::from_millis(100);
/// The targets of issue 13.
const INIT_TARGET_MS: f64 = 10.0;
const RATIO_TARGET: f64 = 15.0;
/// The binary the Node.js twin does the work of.
const TWIN_OF: &str = "pre-signup";
/// pre-signup making exactly the twin's calls, the side of the ratio: the local settings also
/// publish a `UserSignedUp` event (three calls, not two: pre-signup's row of AWS calls shows them).
const TWIN_PAIR: &str = "pre-signup, the twin's two calls (e-mail only, no events)";
/// The same with the SDK's default roots of trust (the system's store, read and parsed at init
/// and for the first call's connector) instead of the compiled-in Amazon roots: what those save.
const TWIN_PAIR_SYSTEM_ROOTS: &str = "pre-signup, the twin's two calls, `TLS_TRUST_STORE=system`";
/// The twin itself, on the same moto.
const TWIN: &str = "pre-signup (Node.js twin)";
/// The pair again against the endpoint that answers at once: each binary's own time, and its calls.
const CANNED: &str = ", against an endpoint that answers at once";

/// The fixture as the twin handles it: an e-mail address only.
fn as_the_twin(event: &Value) -> Value {
    let mut event = event.clone();
    if let Some(attributes) = event.pointer_mut("/request/userAttributes").and_then(Value::as_object_mut) {
        attributes.remove("phone_number");
    }
    event
}

/// Which fixture a binary is measured on: its common path (the first fixture otherwise).
fn fixture_of(binary: &str) -> Option<&'static str> {
    match binary {
        "pre-token-generation" => Some("pre-token-generation-v2.json"),
        "signup-reminder" => Some("signup-reminder-remind.json"),
        _ => None,
    }
}

/// What is started: a trigger binary, or the Node.js twin.
struct Subject {
    name: String,
    fixture: String,
    event: Value,
    command: Box<dyn Fn(&str) -> Command>,
    starts: Vec<Start>,
    /// The calls the endpoint that answers at once received from this subject (none for moto's
    /// subjects), and the invocations they were made in.
    calls: BTreeMap<String, usize>,
    invocations: usize,
}

/// One cold start and the warm calls after it.
struct Start {
    init: Duration,
    first_response: Duration,
    warm: Vec<Duration>,
    answers: Vec<String>,
    peak_rss_kib: Option<u64>,
}

fn nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos()
}

/// The fixture with this run's pool and a user nobody has used: a new user name, `sub` and
/// address, so every call takes the common path (a new sign-up, a first confirmation, …).
fn personalised(event: &Value, pool_id: &str, n: usize) -> Value {
    let mut event = event.clone();
    let id = format!("{:012x}", (nanos() + n as u128) % (1 << 48));
    if event.get("userPoolId").is_some() {
        event["userPoolId"] = json!(pool_id);
    }
    if event.get("userName").is_some() {
        event["userName"] = json!(format!("cold-{id}"));
    }
    if let Some(attributes) = event.pointer_mut("/request/userAttributes").and_then(Value::as_object_mut) {
        if attributes.contains_key("email") {
            attributes.insert("email".into(), json!(format!("cold-{id}@example.com")));
        }
        if attributes.contains_key("sub") {
            attributes.insert("sub".into(), json!(format!("c01d0000-0000-4000-8000-{id}")));
        }
    }
    event
}

/// A user pool in moto for the events to name (pre-signup and signup-reminder call Cognito about
/// it).
fn moto_pool(endpoint: &str) -> String {
    use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "bench"))
            .load()
            .await;
        let client = aws_sdk_cognitoidentityprovider::Client::new(&config);
        let pool = client.create_user_pool().pool_name(format!("cold-start-{}", nanos())).send().await.unwrap();
        pool.user_pool().and_then(|p| p.id()).unwrap().to_owned()
    })
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> Option<JoinHandle<()>> {
    pipe.map(|mut pipe| {
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = pipe.read_to_end(&mut sink);
        })
    })
}

/// `VmHWM` of a running process: its peak resident set so far.
fn peak_rss_kib(child: &Child) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn outcome(invocation: &Invocation) -> String {
    match &invocation.answer {
        Some(Answer::Response(_)) => "response".to_owned(),
        Some(Answer::Error(error)) => {
            format!("error: {}", error["errorMessage"].as_str().unwrap_or("?").chars().take(80).collect::<String>())
        }
        None => "no answer".to_owned(),
    }
}

fn measure(subject: &Subject, pool_id: &str, warm: usize) -> Start {
    let api = RuntimeApi::start().unwrap();
    let first = api.invoke(personalised(&subject.event, pool_id, 0));
    let mut command = (subject.command)(api.address());
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().unwrap_or_else(|e| panic!("{}: cannot start: {e}", subject.name));
    let pipes = [drain(child.stdout.take()), drain(child.stderr.take())];
    let answered = api.wait_for_answer(&first, ANSWER_WITHIN).unwrap();
    if let Some(error) = api.init_error() {
        panic!("{}: init failed: {error}", subject.name);
    }
    let (Some(delivered), Some(answered_at)) = (answered.delivered_at, answered.answered_at) else {
        panic!("{}: no answer within {ANSWER_WITHIN:?}", subject.name);
    };
    let mut start = Start {
        init: delivered.saturating_duration_since(started),
        first_response: answered_at.saturating_duration_since(started),
        warm: Vec::with_capacity(warm),
        answers: vec![outcome(&answered)],
        peak_rss_kib: None,
    };
    for n in 1..=warm {
        let id = api.invoke(personalised(&subject.event, pool_id, n));
        let invocation = api.wait_for_answer(&id, ANSWER_WITHIN).unwrap();
        if let (Some(delivered), Some(answered)) = (invocation.delivered_at, invocation.answered_at) {
            start.warm.push(answered.saturating_duration_since(delivered));
        }
        start.answers.push(outcome(&invocation));
    }
    start.peak_rss_kib = peak_rss_kib(&child);
    let _ = child.kill();
    let _ = child.wait();
    for pipe in pipes.into_iter().flatten() {
        let _ = pipe.join();
    }
    start
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// The `p`-quantile (nearest rank) of `values`, in milliseconds.
fn quantile(values: &[Duration], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return f64::NAN;
    }
    millis(sorted[((sorted.len() - 1) as f64 * p).round() as usize])
}

struct Summary {
    init_p50: f64,
    init_p99: f64,
    first_p50: f64,
    first_p99: f64,
    warm_p50: f64,
    warm_p99: f64,
    rss_mib: f64,
    answers: String,
}

fn summary(subject: &Subject) -> Summary {
    let init: Vec<Duration> = subject.starts.iter().map(|s| s.init).collect();
    let first: Vec<Duration> = subject.starts.iter().map(|s| s.first_response).collect();
    let warm: Vec<Duration> = subject.starts.iter().flat_map(|s| s.warm.iter().copied()).collect();
    let mut rss: Vec<u64> = subject.starts.iter().filter_map(|s| s.peak_rss_kib).collect();
    rss.sort_unstable();
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for answer in subject.starts.iter().flat_map(|s| s.answers.iter()) {
        match kinds.iter_mut().find(|(kind, _)| kind == answer) {
            Some((_, count)) => *count += 1,
            None => kinds.push((answer.clone(), 1)),
        }
    }
    Summary {
        init_p50: quantile(&init, 0.5),
        init_p99: quantile(&init, 0.99),
        first_p50: quantile(&first, 0.5),
        first_p99: quantile(&first, 0.99),
        warm_p50: quantile(&warm, 0.5),
        warm_p99: quantile(&warm, 0.99),
        rss_mib: rss.get(rss.len() / 2).map_or(f64::NAN, |kib| *kib as f64 / 1024.0),
        answers: kinds.iter().map(|(kind, count)| format!("{count}× {kind}")).collect::<Vec<_>>().join(", "),
    }
}

fn node() -> Option<(PathBuf, String)> {
    let path = std::env::var_os("PATH")?;
    let node = std::env::split_paths(&path).map(|dir| dir.join("node")).find(|p| p.is_file())?;
    let version = Command::new(&node).arg("--version").output().ok()?;
    Some((node, String::from_utf8_lossy(&version.stdout).trim().to_owned()))
}

fn rust_subject(dir: &Path, binary: &str, endpoint: &str) -> Option<Subject> {
    if !dir.join(binary).is_file() {
        println!("| cold start, {binary} | not built in this profile: not measured | |");
        return None;
    }
    let all = fixtures(binary).unwrap();
    let (fixture, event) = match fixture_of(binary) {
        Some(name) => all.into_iter().find(|(file, _)| file == name),
        None => all.into_iter().next(),
    }?;
    let (dir, name, endpoint) = (dir.to_path_buf(), binary.to_owned(), endpoint.to_owned());
    Some(Subject {
        name: binary.to_owned(),
        fixture,
        event,
        command: Box::new(move |api| lambda_command(&dir, &name, api, &endpoint, "info").unwrap()),
        starts: Vec::new(),
        calls: BTreeMap::new(),
        invocations: 0,
    })
}

/// pre-signup on the twin's event without `EVENT_BUS_NAME` and `LEGACY_USERS_TABLE` (features the
/// twin does not have: an event, and a GetItem per user name and address on the migration's legacy
/// table): the same PutItem and ListUsers; `trust_store` is its `TLS_TRUST_STORE` (the default
/// when `None`).
fn twin_pair_subject(dir: &Path, endpoint: &str, name: &str, trust_store: Option<&'static str>) -> Option<Subject> {
    let mut subject = rust_subject(dir, TWIN_OF, endpoint)?;
    let (dir, endpoint) = (dir.to_path_buf(), endpoint.to_owned());
    subject.name = name.to_owned();
    subject.fixture = format!("{} without phone_number", subject.fixture);
    subject.event = as_the_twin(&subject.event);
    subject.command = Box::new(move |api| {
        let mut command = lambda_command(&dir, TWIN_OF, api, &endpoint, "info").unwrap();
        command.env_remove("EVENT_BUS_NAME");
        command.env_remove("LEGACY_USERS_TABLE");
        if let Some(trust_store) = trust_store {
            command.env("TLS_TRUST_STORE", trust_store);
        }
        command
    });
    Some(subject)
}

/// The Node.js twin, its AWS calls going to `endpoint`; `name` as the rows show it.
fn twin_subject(node: &Path, endpoint: &str, name: &str) -> Option<Subject> {
    let twin = workspace().join("tests/node-twin");
    if !twin.join("node_modules").is_dir() {
        println!(
            "| cold start, Node.js twin | tests/node-twin/node_modules missing (make bench installs it): not measured | |"
        );
        return None;
    }
    let (fixture, event) = fixtures(TWIN_OF).unwrap().into_iter().next()?;
    let (node, endpoint, table) = (node.to_path_buf(), endpoint.to_owned(), std::env::var("TABLE_NAME").ok()?);
    Some(Subject {
        name: name.to_owned(),
        fixture: format!("{fixture} without phone_number"),
        event: as_the_twin(&event),
        command: Box::new(move |api| {
            let mut command = Command::new(&node);
            command
                .arg(twin.join("runtime.mjs"))
                .env_clear()
                .env("AWS_LAMBDA_RUNTIME_API", api)
                .env("AWS_ENDPOINT_URL", &endpoint)
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .env("AWS_REGION", "us-east-1")
                .env("TABLE_NAME", &table)
                .env("NODE_ENV", "production");
            command
        }),
        starts: Vec::new(),
        calls: BTreeMap::new(),
        invocations: 0,
    })
}

fn main() {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL: the moto make bench started");
    let (starts, warm) = (starts(), warm_calls());
    let dir = started_binaries_dir();
    let pool_id = moto_pool(&endpoint);
    let binaries = trigger_binaries().unwrap();
    let mut subjects: Vec<Subject> =
        binaries.iter().filter_map(|binary| rust_subject(&dir, binary, &endpoint)).collect();
    let node = node();
    let canned = canned_endpoint();
    if let Some(twin) = node.as_ref().and_then(|(path, _)| twin_subject(path, &endpoint, TWIN)) {
        subjects.extend(twin_pair_subject(&dir, &endpoint, TWIN_PAIR, None));
        subjects.extend(twin_pair_subject(&dir, &endpoint, TWIN_PAIR_SYSTEM_ROOTS, Some("system")));
        subjects.push(twin);
        let (pair, twin) = (format!("{TWIN_PAIR}{CANNED}"), format!("{TWIN}{CANNED}"));
        subjects.extend(twin_pair_subject(&dir, canned.url(), &pair, None));
        subjects.extend(node.as_ref().and_then(|(path, _)| twin_subject(path, canned.url(), &twin)));
    }
    // Interleaved: one start of each subject per round, so that a change in the machine's load
    // weighs on every subject alike, and each round begins one subject later, so that no subject
    // always follows the same one (moto, one Python process, is slower for a moment after a busy
    // subject). The first round warms the page cache and is not kept.
    let count = subjects.len();
    for round in 0..=starts {
        for turn in 0..count {
            let subject = &mut subjects[(turn + round) % count];
            let before = canned.calls();
            let start = measure(subject, &pool_id, if round == 0 { 0 } else { warm });
            for (operation, made) in calls_since(&canned, &before) {
                *subject.calls.entry(operation).or_default() += made;
            }
            subject.invocations += start.answers.len();
            if round > 0 {
                subject.starts.push(start);
            }
            std::thread::sleep(SETTLE);
        }
    }
    let summaries: Vec<(&Subject, Summary)> = subjects.iter().map(|s| (s, summary(s))).collect();
    for (subject, s) in &summaries {
        let target =
            if subject.name.contains("Node.js") { String::new() } else { format!(" (target ≤ {INIT_TARGET_MS} ms)") };
        println!(
            "| cold start, {} (`{}`; {starts} starts, {warm} warm calls each) | init p50 {:.1} ms · p99 {:.1} ms{target}; peak RSS {:.1} MiB; answers: {} | first response p50 {:.1} ms · p99 {:.1} ms; warm p50 {:.2} ms · p99 {:.2} ms |",
            subject.name,
            subject.fixture,
            s.init_p50,
            s.init_p99,
            s.rss_mib,
            s.answers,
            s.first_p50,
            s.first_p99,
            s.warm_p50,
            s.warm_p99
        );
    }
    for (subject, _) in summaries.iter().filter(|(subject, _)| !subject.calls.is_empty()) {
        calls_row(subject, "counted by the endpoint that answers at once");
    }
    if let Some((_, version)) = node.as_ref() {
        ratio_row(
            &summaries,
            TWIN_PAIR,
            TWIN,
            &format!(
                "{TWIN_OF} against its Node.js {version} twin (the same two calls, same event, same moto, interleaved)"
            ),
        );
        ratio_row(
            &summaries,
            &format!("{TWIN_PAIR}{CANNED}"),
            &format!("{TWIN}{CANNED}"),
            &format!(
                "{TWIN_OF} against its Node.js {version} twin{CANNED} (the same two calls, same event, interleaved)"
            ),
        );
    }
    count_calls(&dir, &binaries, &endpoint, &pool_id);
}

/// Invocations per binary in the count of AWS calls (the first one a cold start).
const COUNTED_INVOCATIONS: usize = 5;

/// The AWS calls each trigger binary makes per invocation on its common path, counted by a
/// `FaultProxy` (no fault armed) in front of moto: one cold start and `COUNTED_INVOCATIONS - 1`
/// warm calls each, apart from the timed starts, so that the proxy's hop is in no figure.
fn count_calls(dir: &Path, binaries: &[String], endpoint: &str, pool_id: &str) {
    let proxy = FaultProxy::start(endpoint).unwrap();
    for binary in binaries {
        let Some(mut subject) = rust_subject(dir, binary, proxy.url()) else { continue };
        let before = proxy.calls();
        let start = measure(&subject, pool_id, COUNTED_INVOCATIONS - 1);
        proxy.settle(ANSWER_WITHIN);
        subject.calls = calls_since(&proxy, &before);
        subject.invocations = start.answers.len();
        subject.starts.push(start);
        let answers = summary(&subject).answers;
        calls_row(&subject, &format!("through a counting proxy in front of moto; answers: {answers}"));
    }
}

/// The calls `proxy` received since `before` (an earlier [`FaultProxy::calls`]), by operation.
fn calls_since(proxy: &FaultProxy, before: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    proxy
        .calls()
        .into_iter()
        .map(|(operation, total)| {
            let made = total - before.get(&operation).copied().unwrap_or(0);
            (operation, made)
        })
        .filter(|(_, made)| *made > 0)
        .collect()
}

/// The row of `subject`'s AWS calls per invocation, by operation (none: "no AWS call").
fn calls_row(subject: &Subject, how: &str) {
    let per_invocation: Vec<String> = subject
        .calls
        .iter()
        .map(|(target, count)| {
            // `DynamoDB_20120810.PutItem` → `PutItem`; a REST call keeps its method and path.
            let operation = match target.strip_suffix(" HTTP/1.1") {
                Some(request_line) => request_line,
                None => target.rsplit('.').next().unwrap_or(target),
            };
            format!("{operation} {:.2}", *count as f64 / subject.invocations.max(1) as f64)
        })
        .collect();
    let calls = if per_invocation.is_empty() { "no AWS call".to_owned() } else { per_invocation.join(" · ") };
    println!(
        "| AWS calls per invocation, {} (`{}`) | {calls} | {} invocations, {how} |",
        subject.name, subject.fixture, subject.invocations
    );
}

/// An endpoint that answers pre-signup's two calls at once, as DynamoDB and Cognito answer a new
/// address; any other call goes to an upstream where nothing listens, and fails.
fn canned_endpoint() -> FaultProxy {
    let proxy = FaultProxy::start("127.0.0.1:1").unwrap();
    proxy.fail_always("DynamoDB_20120810.PutItem", Fault::Reply(200, "{}"));
    proxy.fail_always("AWSCognitoIdentityProviderService.ListUsers", Fault::Reply(200, r#"{"Users":[]}"#));
    proxy
}

/// The row comparing subject `rust` with subject `twin`: first response, init, warm, peak RSS.
fn ratio_row(summaries: &[(&Subject, Summary)], rust: &str, twin: &str, label: &str) {
    let find = |name: &str| summaries.iter().find(|(subject, _)| subject.name == name).map(|(_, s)| s);
    if let (Some(rust), Some(twin)) = (find(rust), find(twin)) {
        // A ratio over failed invocations would compare different work: say so instead (the
        // canned endpoint fails any call but the twin's two, so a new call shows up here).
        if let Some(failed) = [rust, twin].into_iter().find(|summary| summary.answers.contains("× error:")) {
            println!("| cold start, {label} | not compared: an invocation failed | answers: {} |", failed.answers);
            return;
        }
        println!(
            "| cold start, {label} | first response {:.1}× faster (target ≥ {RATIO_TARGET}×); init {:.1}×; warm {:.1}×; peak RSS {:.1}× smaller | Node.js: first response p50 {:.1} ms, init p50 {:.1} ms; Rust: {:.1} ms, {:.1} ms |",
            twin.first_p50 / rust.first_p50,
            twin.init_p50 / rust.init_p50,
            twin.warm_p50 / rust.warm_p50,
            twin.rss_mib / rust.rss_mib,
            twin.first_p50,
            twin.init_p50,
            rust.first_p50,
            rust.init_p50
        );
    }
}
