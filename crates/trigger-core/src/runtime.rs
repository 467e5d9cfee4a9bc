//! The wiring every binary shares: logging, configuration, the SDK, and one invocation loop that
//! parses the event, enforces the time budget and turns errors into what Cognito shows.
//!
//! A trigger's `main.rs` is one call:
//! ```ignore
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     trigger_core::runtime::main(pre_signup::PreSignUp::init).await
//! }
//! ```

use std::future::Future;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::aws::{Aws, AwsSettings};
use crate::config::{ConfigError, Env};
use crate::error::TriggerError;
use crate::logging::{self, correlation};
use crate::{metrics, xray};

/// One trigger: its event type and its handler. Implementations hold their settings and ports.
#[async_trait]
pub trait Trigger: Send + Sync + 'static {
    /// The binary name (`pre-signup`, …); also the `trigger` field of its log lines.
    const NAME: &'static str;
    type Event: DeserializeOwned + Serialize + Send + std::fmt::Debug + 'static;

    /// Fills in the event's `response` and returns the event, or refuses with an error.
    async fn handle(&self, event: Self::Event) -> Result<Self::Event, TriggerError>;
}

/// Why a function could not start. Logged at init; Lambda then reports an init failure.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Other(String),
}

/// What every trigger gets at cold start.
pub struct Boot {
    pub env: Env,
    budget: Duration,
}

/// Answer this long before Cognito's 5 s limit: what is left covers the response's trip back.
const COGNITO_LIMIT_MS: u64 = 5_000;
const DEFAULT_BUDGET_MS: u64 = 4_500;
/// Kept free at the end of Lambda's own deadline (when that is shorter than the budget).
const DEADLINE_MARGIN: Duration = Duration::from_millis(150);

impl Boot {
    /// Reads the environment once. `TRIGGER_BUDGET_MS` (default 4500) bounds each invocation.
    pub fn from_env(env: Env) -> Result<Self, ConfigError> {
        let budget = env.millis("TRIGGER_BUDGET_MS", DEFAULT_BUDGET_MS, 100..=COGNITO_LIMIT_MS)?;
        Ok(Self { env, budget })
    }

    /// The shared SDK configuration, with the `SDK_*` timeout settings applied.
    pub async fn aws(&self) -> Result<Aws, ConfigError> {
        Ok(Aws::load(&AwsSettings::from_env(&self.env)?).await)
    }

    pub fn budget(&self) -> Duration {
        self.budget
    }
}

/// Kept free of the budget for the answer (see [`dependency_deadline`]).
const ANSWER_MARGIN: Duration = Duration::from_millis(300);

/// The whole of a trigger's `main`: logging, configuration, `init`, then the invocation loop.
/// Every trigger binary runs it on a current-thread runtime (`#[tokio::main(flavor =
/// "current_thread")]`): Lambda hands a sandbox one invocation at a time and a 128 MB function a
/// fraction of one vCPU, so worker threads only add their start-up and the hand-offs between
/// them (measured: about 1 ms less init and 0.7 ms less first call for pre-signup, docs/build.md).
/// CPU-bound work (user-migration's password hashes) goes to `spawn_blocking`.
pub async fn main<T, F, Fut>(init: F) -> ExitCode
where
    T: Trigger,
    F: FnOnce(Boot) -> Fut,
    Fut: Future<Output = Result<T, InitError>>,
{
    logging::init(T::NAME);
    if provisioned_concurrency(std::env::var_os("AWS_LAMBDA_INITIALIZATION_TYPE").as_deref()) {
        WARM.store(true, Ordering::Relaxed);
    }
    let boot = match Env::from_process().with_settings_file().and_then(Boot::from_env) {
        Ok(boot) => boot,
        Err(err) => return init_failed(T::NAME, &InitError::Config(err)),
    };
    let budget = boot.budget();
    let trigger = match init(boot).await {
        Ok(ready) => ready,
        Err(err) => return init_failed(T::NAME, &err),
    };
    tracing::info!(trigger = T::NAME, budget_ms = budget.as_millis() as u64, "ready");
    let trigger = &trigger;
    let served = lambda_runtime::run(service_fn(move |event| invoke(trigger, budget, event))).await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(trigger = T::NAME, error = %err, "runtime stopped");
            ExitCode::FAILURE
        }
    }
}

fn init_failed(trigger: &'static str, err: &InitError) -> ExitCode {
    tracing::error!(trigger, error = %err, "init failed");
    ExitCode::FAILURE
}

/// Set once the sandbox has served an invocation (or was started ahead of traffic by provisioned
/// concurrency): an invocation that finds it unset is a cold start.
static WARM: AtomicBool = AtomicBool::new(false);

/// `AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`: Lambda ran init before any request
/// arrived, so no invocation waited for it and none is a cold start (as Powertools counts).
fn provisioned_concurrency(initialization_type: Option<&std::ffi::OsStr>) -> bool {
    initialization_type.is_some_and(|kind| kind == "provisioned-concurrency")
}

/// One invocation: parse, run within the budget, and answer. Every line logged meanwhile carries
/// the request id, the trace id and the cold-start flag ([`correlation`]); the first invocation
/// of a sandbox counts `ColdStart`; in a sampled trace the SDK's calls become subsegments
/// ([`xray`]).
pub async fn invoke<T: Trigger>(trigger: &T, budget: Duration, event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let (payload, context) = event.into_parts();
    let budget = budget.min(remaining(context.deadline));
    let cold_start = !WARM.swap(true, Ordering::Relaxed);
    correlation::begin(&context.request_id, context.xray_trace_id.as_deref(), cold_start);
    xray::begin(context.xray_trace_id.as_deref());
    if cold_start {
        metrics::count(T::NAME, "ColdStart");
    }
    let started = Instant::now();
    let result = run_within(trigger, budget, payload).await;
    let duration_ms = started.elapsed().as_millis() as u64;
    let answer = match result {
        Ok(answer) => {
            tracing::info!(trigger = T::NAME, duration_ms, outcome = "ok", "answered");
            Ok(answer)
        }
        Err(err @ TriggerError::Denied(_)) => {
            // To Lambda a denial is a function error like any other: `Denied` lets an alarm tell
            // "the pool's policy refused a person" (expected) from "the trigger is broken"
            // (infra's error alarm is `Errors - Denied`).
            metrics::count(T::NAME, "Denied");
            tracing::info!(trigger = T::NAME, duration_ms, outcome = "denied", reason = err.user_message(), "denied");
            Err(diagnostic(&err))
        }
        Err(err) => {
            tracing::error!(trigger = T::NAME, duration_ms, outcome = err.kind(), error = %err, "failed");
            Err(diagnostic(&err))
        }
    };
    correlation::end();
    answer
}

tokio::task_local! {
    /// When the running invocation's budget ends (set by [`run_within`]).
    static DEADLINE: tokio::time::Instant;
}

/// When the current invocation must have answered. Code that has to clean up before the budget
/// runs out (give back a claim) reads it here instead of having it passed down every call.
/// Outside an invocation (a test calling a helper directly): the default budget from now.
pub fn invocation_deadline() -> tokio::time::Instant {
    DEADLINE
        .try_with(|deadline| *deadline)
        .unwrap_or_else(|_| tokio::time::Instant::now() + Duration::from_millis(DEFAULT_BUDGET_MS))
}

/// How long a trigger that fails open may wait for its dependencies: the invocation's deadline
/// less a margin for the answer itself, so that a slow store ends in the trigger's own failure
/// policy, never in the runtime's deadline error. At least 50 ms from now.
pub fn dependency_deadline() -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    let deadline = invocation_deadline().checked_sub(ANSWER_MARGIN).unwrap_or(now);
    deadline.max(now + Duration::from_millis(50))
}

/// Parses the payload, runs the handler within `budget` and serialises its answer.
pub async fn run_within<T: Trigger>(trigger: &T, budget: Duration, payload: Value) -> Result<Value, TriggerError> {
    let event: T::Event =
        serde_json::from_value(payload).map_err(|err| TriggerError::BadEvent(redact_quoted(&err.to_string())))?;
    let deadline = tokio::time::Instant::now() + budget;
    let answered = DEADLINE
        .scope(deadline, tokio::time::timeout_at(deadline, trigger.handle(event)))
        .await
        .map_err(|_| TriggerError::DeadlineExceeded { budget_ms: budget.as_millis() as u64 })??;
    serde_json::to_value(answered).map_err(|err| {
        TriggerError::BadEvent(format!("response did not serialise: {}", redact_quoted(&err.to_string())))
    })
}

/// What reaches Cognito: the error kind and the user-facing text, never the internal detail.
fn diagnostic(err: &TriggerError) -> Diagnostic {
    Diagnostic { error_type: err.kind().to_owned(), error_message: err.user_message().to_owned() }
}

/// Time left until Lambda's deadline (epoch milliseconds), less a margin. A missing or past
/// deadline (local tools) leaves the budget alone.
fn remaining(deadline_epoch_ms: u64) -> Duration {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let deadline = Duration::from_millis(deadline_epoch_ms);
    match deadline.checked_sub(now) {
        Some(left) if left > DEADLINE_MARGIN => left - DEADLINE_MARGIN,
        _ => Duration::MAX,
    }
}

/// serde's messages quote the offending value (`invalid type: string "hunter2"`, `unknown variant
/// `hunter2``); an event can carry passwords and codes, so quoted text is cut before the message
/// reaches a log. What follows serde's last `, expected` is its own text (field names, variants)
/// and stays readable; before it, a value may be quoted with `"` or with backticks.
fn redact_quoted(message: &str) -> String {
    let (head, tail) = message.rfind(", expected").map_or((message, ""), |at| message.split_at(at));
    let head = match (tail.is_empty(), head.find(['"', '`'])) {
        (false, Some(at)) => {
            let quote = &head[at..at + 1];
            format!("{}{quote}…{quote}", &head[..at])
        }
        _ => head.to_owned(),
    };
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in head.chars().chain(tail.chars()) {
        if c == '"' {
            if !inside {
                out.push_str("\"…");
            } else {
                out.push('"');
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_lose_the_values_they_quote() {
        assert_eq!(
            redact_quoted(r#"invalid type: string "hunter2", expected a boolean"#),
            r#"invalid type: string "…", expected a boolean"#
        );
        assert_eq!(redact_quoted("missing field `userPoolId`"), "missing field `userPoolId`");
        // Found by tests/hostile_input.rs: variants are quoted with backticks.
        assert_eq!(
            redact_quoted("unknown variant `hunter2`, expected `CONFIRMED` or `RESET_REQUIRED`"),
            "unknown variant `…`, expected `CONFIRMED` or `RESET_REQUIRED`"
        );
        assert_eq!(
            redact_quoted(r#"invalid type: string "a\"b", expected a map"#),
            r#"invalid type: string "…", expected a map"#
        );
    }

    #[test]
    fn budget_is_read_once_and_bounded_by_cognitos_limit() {
        assert_eq!(Boot::from_env(Env::default()).unwrap().budget(), Duration::from_millis(4_500));
        let err = Boot::from_env(Env::from_pairs([("TRIGGER_BUDGET_MS", "9000")])).err().unwrap();
        assert_eq!(err.variable(), "TRIGGER_BUDGET_MS");
    }

    #[tokio::test]
    async fn handlers_see_the_invocations_deadline() {
        struct Probe;
        #[async_trait]
        impl Trigger for Probe {
            const NAME: &'static str = "probe";
            type Event = Value;
            async fn handle(&self, _event: Value) -> Result<Value, TriggerError> {
                let left = invocation_deadline() - tokio::time::Instant::now();
                let for_dependencies = dependency_deadline() - tokio::time::Instant::now();
                Ok(serde_json::json!([left.as_millis() as u64, for_dependencies.as_millis() as u64]))
            }
        }
        let answer = run_within(&Probe, Duration::from_millis(1_000), Value::Null).await.unwrap();
        let (left, for_dependencies) = (answer[0].as_u64().unwrap(), answer[1].as_u64().unwrap());
        assert!((900..=1_000).contains(&left), "{left}");
        assert!((600..=700).contains(&for_dependencies), "{for_dependencies}");
    }

    #[test]
    fn a_past_or_missing_deadline_leaves_the_budget_alone() {
        assert_eq!(remaining(0), Duration::MAX);
        let in_one_second = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(1);
        assert!(remaining(in_one_second.as_millis() as u64) <= Duration::from_millis(850));
    }
}
