//! Logs that cannot leak: every trigger binary of the workspace runs as Lambda runs it (under the
//! Runtime API emulator of `trigger_core::testing::runtime_api`), on events rich in personal
//! data, at the most verbose level the settings allow, with its AWS calls going to moto, to an
//! endpoint that refuses connections and to one that answers every call with an error. Nothing
//! the process writes to stdout or stderr may contain a planted value. Needs moto (`make test`
//! starts it) and the binaries built next to this test (`make test` builds them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use e2e::binaries::{binaries_dir, fixtures, lambda_command, trigger_binaries};
use serde_json::{Value, json};
use trigger_core::logging::mask_sensitive;
use trigger_core::testing::ReplayEndpoint;
use trigger_core::testing::runtime_api::{Answer, RuntimeApi};

/// The values planted in every event: none of them may appear in a log, whole or in part that
/// identifies (an address's local part, a number's leading digits).
struct Planted {
    email: String,
    email_url_encoded: String,
    email_non_ascii: String,
    phone: String,
    phone_uk: String,
    phones_written: Vec<String>,
    given_name: String,
    family_name: String,
    password: String,
    code: String,
    token: String,
    sub: String,
    /// `(what, text)`: what the scanner looks for.
    markers: Vec<(&'static str, String)>,
}

impl Planted {
    fn new() -> Self {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
        let nonce = format!("{:012x}", nanos % (1 << 48));
        // 555-0100…0199 and 020 7946 0xxx are the numbers reserved for fiction.
        let line = format!("01{:02}", nanos % 100);
        let uk = format!("0{:03}", nanos % 1000);
        let phones_written = vec![
            format!("+1 415 555 {line}"),
            format!("+1-415-555-{line}"),
            format!("+1 (415) 555-{line}"),
            format!("(415) 555-{line}"),
            format!("415.555.{line}"),
            format!("415-555-{line}"),
            format!("0044 20 7946 {uk}"),
            format!("+44 (0)20 7946 {uk}"),
            format!("+44 20 7946 {uk}"),
        ];
        let local = format!("leak.canary.{nonce}");
        let mut planted = Self {
            email: format!("{local}@example.com"),
            email_url_encoded: format!("{local}%40example.com"),
            email_non_ascii: format!("jörg.{nonce}@münchen.de"),
            phone: format!("+1415555{line}"),
            phone_uk: format!("+44207946{uk}"),
            phones_written,
            given_name: format!("Zebulon{nonce}"),
            family_name: format!("Quaxley{nonce}"),
            password: format!("Pw-{nonce}-Secret!"),
            code: format!("c0de{nonce}"),
            token: format!("eyJhbGciOiJub25lIn0.{nonce}.c2ln"),
            sub: format!("4a8b2c3d-1111-4222-8333-{nonce}"),
            markers: Vec::new(),
        };
        // The masked forms keep an address's first letter and domain and a number's last two
        // digits: the markers are what is left out.
        planted.markers = vec![
            ("e-mail local part", format!("eak.canary.{nonce}")),
            ("non-ASCII e-mail local part", format!("örg.{nonce}")),
            ("phone digits", format!("415555{line}")),
            ("phone digits", format!("7946{uk}")),
            ("given name", planted.given_name.clone()),
            ("family name", planted.family_name.clone()),
            ("password", planted.password.clone()),
            ("code", planted.code.clone()),
            ("token", planted.token.clone()),
        ];
        let written: Vec<_> = planted.phones_written.iter().map(|p| ("phone as written", p.clone())).collect();
        planted.markers.extend(written);
        planted.markers.push(("phone", planted.phone.clone()));
        planted.markers.push(("e-mail", planted.email.clone()));
        planted
    }

    fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// Everything at once, as free-form metadata (clientMetadata, validationData, extra fields).
    fn metadata(&self) -> Value {
        let mut all = json!({
            "password": self.password,
            "code": self.code,
            "id_token": self.token,
            "refresh_token": self.token,
            "contact": self.email,
            "callback": format!("https://app.example/cb?email={}&step=2", self.email_url_encoded),
            "alternate": self.email_non_ascii,
            "fullName": self.full_name(),
            "phoneUk": self.phone_uk,
        });
        for (n, phone) in self.phones_written.iter().enumerate() {
            all[format!("phone{n}")] = json!(phone);
        }
        all
    }

    /// The lines of `log` that hold a planted value, with what they hold.
    fn leaks(&self, log: &str) -> Vec<String> {
        log.lines()
            .flat_map(|line| {
                self.markers
                    .iter()
                    .filter(|(_, marker)| line.contains(marker.as_str()))
                    .map(move |(what, marker)| format!("{what} {marker:?} in: {line}"))
            })
            .collect()
    }
}

/// Plants the values into a fixture event: every attribute and field that carries them in the
/// Cognito contract, and free-form metadata wherever the event has room for it.
fn plant(event: &mut Value, planted: &Planted) {
    replace_fields(event, planted);
    let Some(top) = event.as_object_mut() else { return };
    // A federated user name (`google_1089…`) keeps its shape: the provider prefix is contract.
    if top.get("userName").and_then(Value::as_str).is_some_and(|name| !name.contains('_')) {
        top.insert("userName".into(), json!(planted.email));
    }
    // Top-level fields the types do not know are kept and written back (catch-all fields).
    top.insert("plantedExtras".into(), planted.metadata());
    let Some(request) = top.get_mut("request").and_then(Value::as_object_mut) else {
        // A Step Functions task (signup-reminder): its fields stand at the top.
        top.insert("email".into(), json!(planted.email));
        top.insert("phoneNumber".into(), json!(planted.phone));
        return;
    };
    for room in ["clientMetadata", "validationData"] {
        if request.contains_key(room) {
            request.insert(room.into(), planted.metadata());
        }
    }
    if let Some(attributes) = request.get_mut("userAttributes").and_then(Value::as_object_mut) {
        attributes.insert("email".into(), json!(planted.email));
        attributes.insert("phone_number".into(), json!(planted.phone));
        attributes.insert("name".into(), json!(planted.full_name()));
        attributes.insert("given_name".into(), json!(planted.given_name));
        attributes.insert("family_name".into(), json!(planted.family_name));
        attributes.insert("custom:recovery_email".into(), json!(planted.email_non_ascii));
    }
}

/// Every string field named like personal data or a secret, at any depth.
fn replace_fields(value: &mut Value, planted: &Planted) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                let with = match name.as_str() {
                    "email" => Some(planted.email.clone()),
                    "phone_number" | "phoneNumber" => Some(planted.phone.clone()),
                    "name" => Some(planted.full_name()),
                    "given_name" => Some(planted.given_name.clone()),
                    "family_name" => Some(planted.family_name.clone()),
                    "password" => Some(planted.password.clone()),
                    "code" | "codeParameter" => Some(planted.code.clone()),
                    // A new user each run: once-only side effects (the welcome e-mail) really run.
                    "sub" => Some(planted.sub.clone()),
                    _ => None,
                };
                match with {
                    Some(text) if field.is_string() => *field = Value::String(text),
                    _ => replace_fields(field, planted),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| replace_fields(item, planted)),
        _ => {}
    }
}

/// A user pool in moto holding the planted user (and the default group), so that the triggers'
/// directory calls succeed against moto and their success paths run too.
fn moto_pool(endpoint: &str, planted: &Planted) -> String {
    use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
    use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "log-leak"))
            .load()
            .await;
        let client = aws_sdk_cognitoidentityprovider::Client::new(&config);
        let pool = client.create_user_pool().pool_name(format!("log-leak-{}", planted.sub)).send().await.unwrap();
        let pool_id = pool.user_pool().and_then(|p| p.id()).unwrap().to_owned();
        client.create_group().user_pool_id(&pool_id).group_name("members").send().await.unwrap();
        let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build().unwrap();
        client
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(&planted.email)
            .user_attributes(attribute("email", &planted.email))
            .user_attributes(attribute("phone_number", &planted.phone))
            .user_attributes(attribute("name", &planted.full_name()))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        pool_id
    })
}

/// Settings that reach more code than the local defaults do: the reminder start, linking, the
/// default group.
const MORE_PATHS: &[(&str, &str)] = &[
    ("REMINDER_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:log-leak"),
    ("LINK_FEDERATED_USERS", "true"),
    ("LINK_TRUSTED_PROVIDERS", "Google,Facebook,SignInWithApple,LoginWithAmazon"),
    ("DEFAULT_GROUP", "members"),
];

/// Every dependency target named at trace: none of them may open.
const EVERY_DEPENDENCY_AT_TRACE: &str = "trace,lambda_runtime=trace,lambda_runtime_api_client=trace,\
    aws_smithy_runtime=trace,aws_smithy_runtime_api=trace,aws_smithy_http=trace,aws_smithy_http_client=trace,\
    aws_smithy_types=trace,aws_sdk_cognitoidentityprovider=trace,aws_sdk_dynamodb=trace,aws_sdk_sesv2=trace,\
    aws_sdk_sfn=trace,aws_config=trace,aws_sigv4=trace,aws_runtime=trace,hyper=trace,hyper_util=trace,\
    rustls=trace,h2=trace,tower=trace,tokio=trace";

/// One way of running every binary.
struct Setup {
    what: &'static str,
    endpoint: String,
    lambda_log_level: Option<&'static str>,
    rust_log: &'static str,
}

/// What one binary did under one setup.
struct Ran {
    binary: String,
    fixtures: Vec<String>,
    answers: Vec<Option<Answer>>,
    init_error: Option<Value>,
    output: String,
    took: Duration,
}

fn run(binary: &str, events: &[(String, Value)], setup: &Setup) -> Ran {
    let api = RuntimeApi::start().unwrap();
    let started = Instant::now();
    let mut command =
        lambda_command(&binaries_dir().unwrap(), binary, api.address(), &setup.endpoint, setup.rust_log).unwrap();
    command.envs(MORE_PATHS.iter().copied()).env("AWS_LAMBDA_LOG_STREAM_NAME", "log-leak");
    if let Some(level) = setup.lambda_log_level {
        command.env("AWS_LAMBDA_LOG_LEVEL", level);
    }
    let mut child = command.spawn().unwrap();
    // Drained while the process runs: a full pipe would block it.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let ids: Vec<String> = events.iter().map(|(_, event)| api.invoke(event.clone())).collect();
    let answers = ids.iter().map(|id| api.wait_for_answer(id, Duration::from_secs(20)).unwrap().answer).collect();
    let init_error = api.init_error();
    let _ = child.kill();
    let _ = child.wait();
    let output = format!("{}{}", stdout.join().unwrap(), stderr.join().unwrap());
    Ran {
        binary: binary.to_owned(),
        fixtures: events.iter().map(|(name, _)| name.clone()).collect(),
        answers,
        init_error,
        output,
        took: started.elapsed(),
    }
}

fn refused_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

/// An AWS endpoint whose every answer is a 400 `ValidationException` quoting the whole request,
/// as AWS validation messages quote the offending value: an error path whose text holds
/// everything the trigger sent.
fn echoing_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = echo(stream);
            });
        }
    });
    url
}

fn echo(mut stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let message = format!(
        "1 validation error detected: Value '{}' at 'input' failed to satisfy constraint",
        String::from_utf8_lossy(&body)
    );
    let answer = json!({ "__type": "ValidationException", "message": message }).to_string();
    write!(
        stream,
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-ErrorType: ValidationException\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    )
}

fn summary(answer: &Option<Answer>) -> String {
    match answer {
        Some(Answer::Response(_)) => "response".to_owned(),
        Some(Answer::Error(error)) => format!("error {}", error["errorType"].as_str().unwrap_or("?")),
        None => "no answer".to_owned(),
    }
}

#[test]
#[ignore = "needs moto and the built binaries: run with `make test`"]
fn no_planted_value_reaches_the_log_of_any_trigger_binary() {
    let started = Instant::now();
    let planted = Planted::new();
    let binaries = trigger_binaries().unwrap();
    assert!(binaries.len() >= 6, "found only {binaries:?} under triggers/");
    let moto = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:4566".to_owned());
    let pool_id = moto_pool(&moto, &planted);
    let events: Vec<(String, Vec<(String, Value)>)> = binaries
        .iter()
        .map(|binary| {
            let mut events = fixtures(binary).unwrap();
            assert!(
                !events.is_empty(),
                "no fixture tests/fixtures/events/{binary}.json or {binary}-*.json to run `{binary}` on"
            );
            for (_, event) in events.iter_mut() {
                plant(event, &planted);
                if let Some(pool) = event.get_mut("userPoolId") {
                    *pool = json!(pool_id);
                }
            }
            (binary.clone(), events)
        })
        .collect();

    let failing = ReplayEndpoint::start(Vec::new()).unwrap();
    let setups = [
        Setup { what: "moto", endpoint: moto, lambda_log_level: Some("TRACE"), rust_log: "trace" },
        Setup {
            what: "an endpoint that refuses connections",
            endpoint: refused_endpoint(),
            lambda_log_level: None,
            rust_log: EVERY_DEPENDENCY_AT_TRACE,
        },
        Setup {
            what: "an endpoint that answers every call with HTTP 500",
            endpoint: failing.url.clone(),
            lambda_log_level: Some("trace"),
            rust_log: "aws_smithy_runtime=trace",
        },
        Setup {
            what: "an endpoint whose errors quote the request",
            endpoint: echoing_endpoint(),
            lambda_log_level: Some("Debug"),
            rust_log: "trace",
        },
    ];

    let mut failures = Vec::new();
    for setup in &setups {
        let runs: Vec<Ran> = std::thread::scope(|scope| {
            let handles: Vec<_> =
                events.iter().map(|(binary, events)| scope.spawn(move || run(binary, events, setup))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for ran in runs {
            let outcomes: Vec<String> =
                ran.fixtures.iter().zip(&ran.answers).map(|(f, a)| format!("{f}: {}", summary(a))).collect();
            println!(
                "{} against {}: {} lines, {} bytes in {} ms; {}",
                ran.binary,
                setup.what,
                ran.output.lines().count(),
                ran.output.len(),
                ran.took.as_millis(),
                outcomes.join(", ")
            );
            let context = format!("`{}` against {}", ran.binary, setup.what);
            if std::env::var("SHOW").is_ok() {
                println!("{}", ran.output);
            }
            if let Some(error) = &ran.init_error {
                failures.push(format!("{context}: init failed: {error}\n{}", ran.output));
                continue;
            }
            if ran.answers.iter().any(Option::is_none) {
                failures.push(format!("{context}: not every event was answered ({outcomes:?})\n{}", ran.output));
            }
            // The run proves something only if the project's crates really logged below info.
            let debug_line =
                ran.output.lines().any(|l| l.contains(r#""level":"DEBUG""#) && l.contains("logging initialised"));
            if !debug_line {
                failures.push(format!(
                    "{context}: no `logging initialised` debug line: the level did not apply\n{}",
                    ran.output
                ));
            }
            failures.extend(planted.leaks(&ran.output).into_iter().map(|leak| format!("{context}: {leak}")));
        }
    }
    println!(
        "log-leak test: {} binaries × {} setups in {} ms",
        binaries.len(),
        setups.len(),
        started.elapsed().as_millis()
    );
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_scanner_finds_every_planted_value_and_masked_forms_are_no_leak() {
    let planted = Planted::new();
    let mut event = json!({
        "userName": "x", "request": { "userAttributes": {}, "clientMetadata": null, "password": "p" }, "response": {}
    });
    plant(&mut event, &planted);
    // What lambda_runtime writes at trace: the raw event. Every planted value is in it.
    let raw = format!(r#"{{"level":"TRACE","message":"raw JSON event received from Lambda","body":{event}}}"#);
    let found = planted.leaks(&raw);
    for (what, marker) in &planted.markers {
        assert!(found.iter().any(|leak| leak.contains(&format!("{marker:?}"))), "{what} {marker} not found in {raw}");
    }
    // The same line through the masking writer: personal data masked, secrets still there.
    let masked = mask_sensitive(&raw);
    let left = planted.leaks(&masked);
    for secret in [&planted.password, &planted.code, &planted.token, &planted.given_name] {
        assert!(left.iter().any(|leak| leak.contains(secret.as_str())), "{secret} not found in {masked}");
    }
    for personal in [&planted.email, &planted.phone, &planted.phones_written[3], &planted.email_non_ascii] {
        assert!(!masked.contains(personal.as_str()), "{personal} not masked in {masked}");
    }
    assert!(planted.leaks(r#"{"level":"INFO","message":"answered","user":"l***@example.com"}"#).is_empty());
}

#[test]
fn every_trigger_package_has_a_binary_and_fixtures() {
    let binaries = trigger_binaries().unwrap();
    for expected in ["pre-signup", "post-confirmation", "pre-token-generation", "signup-reminder"] {
        assert!(binaries.iter().any(|b| b == expected), "{expected} not in {binaries:?}");
    }
    for binary in &binaries {
        assert!(
            !fixtures(binary).unwrap().is_empty(),
            "no fixture tests/fixtures/events/{binary}.json or {binary}-*.json"
        );
    }
    assert!(Path::new(&binaries_dir().unwrap()).join("deps").is_dir(), "{}", binaries_dir().unwrap().display());
}
