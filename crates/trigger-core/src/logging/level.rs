//! Which lines are written: the log-level setting applies to this project's crates only;
//! every dependency is capped at [`DEPENDENCY_CAP`], whatever the setting says.
//!
//! Why the cap: at debug and trace the dependencies log what must never reach a log —
//! `lambda_runtime` the raw event ("raw JSON event received from Lambda": attributes, a
//! migration password), the SDK's orchestrator and HTTP layers the request and response bodies
//! (the generated password of `AdminSetUserPassword`, every attribute written). Masking cannot
//! recognise a password. So nothing below the cap leaves a dependency, even when `RUST_LOG`
//! names the dependency's target (`RUST_LOG=aws_smithy_runtime=trace` does not open it).
//!
//! Why `warn` and not `info`: what the dependencies say at info is cold-start chatter (the
//! credentials provider chain, the runtime's worker span) that an operator never needs, and info
//! is where a dependency upgrade is most likely to start logging a value; their warnings and
//! errors (a failed poll of the Runtime API, a clock-skew warning) stay visible.

use tracing::Metadata;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::{FilterExt, FilterFn, Targets, filter_fn};
use tracing_subscriber::layer::Filter;

/// The most verbose level any dependency's line can have.
pub const DEPENDENCY_CAP: LevelFilter = LevelFilter::WARN;

/// Crates whose lines follow the setting, besides the binary's own (the trigger's crate).
const PROJECT_CRATES: &[&str] = &["trigger_core"];

/// Lambda's logging-control levels (`AWS_LAMBDA_LOG_LEVEL`). Lambda has FATAL, tracing has not:
/// FATAL keeps errors only.
const LAMBDA_LEVELS: &[(&str, LevelFilter)] = &[
    ("TRACE", LevelFilter::TRACE),
    ("DEBUG", LevelFilter::DEBUG),
    ("INFO", LevelFilter::INFO),
    ("WARN", LevelFilter::WARN),
    ("ERROR", LevelFilter::ERROR),
    ("FATAL", LevelFilter::ERROR),
];

/// The log-level setting, read once at cold start.
///
/// - `AWS_LAMBDA_LOG_LEVEL` (Lambda's logging controls) when set: one of TRACE, DEBUG, INFO,
///   WARN, ERROR, FATAL, any case. `RUST_LOG` is then ignored.
/// - else `RUST_LOG`: a tracing filter (`debug`, `info,pre_signup=trace`); unnamed crates of the
///   project log at info.
/// - else info.
///
/// An invalid value does not stop the function (logs are not worth an outage) and is not
/// dropped silently either: the project's crates log at info and the first line after
/// `logging initialised` is a warning naming the variable and the value ([`Self::warning`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelSetting {
    /// Directives for the project's crates: a level, `target=level`, comma-separated.
    directives: String,
    warning: Option<String>,
}

impl LevelSetting {
    /// From the process environment.
    pub fn from_process() -> Self {
        let read = |name| std::env::var(name).ok();
        Self::from_values(read("AWS_LAMBDA_LOG_LEVEL").as_deref(), read("RUST_LOG").as_deref())
    }

    /// From the values of `AWS_LAMBDA_LOG_LEVEL` and `RUST_LOG` (unset and blank are the same).
    pub fn from_values(lambda_log_level: Option<&str>, rust_log: Option<&str>) -> Self {
        let present = |value: Option<&str>| value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        if let Some(level) = present(lambda_log_level) {
            return match LAMBDA_LEVELS.iter().find(|(name, _)| name.eq_ignore_ascii_case(&level)) {
                Some((_, filter)) => Self::valid(filter.to_string()),
                None => Self::fallback(format!(
                    "AWS_LAMBDA_LOG_LEVEL={level:?} is not a log level (TRACE, DEBUG, INFO, WARN, ERROR or FATAL)"
                )),
            };
        }
        match present(rust_log) {
            Some(filter) => match rust_log_problem(&filter) {
                None => Self::valid(filter),
                Some(problem) => Self::fallback(format!("RUST_LOG={filter:?} is not a log filter: {problem}")),
            },
            None => Self::valid("info".to_owned()),
        }
    }

    fn valid(directives: String) -> Self {
        Self { directives, warning: None }
    }

    fn fallback(problem: String) -> Self {
        Self { directives: "info".to_owned(), warning: Some(format!("{problem}; logging at info")) }
    }

    /// Why the setting was not used as given, for a warning once logging is up.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// The directives in force for the project's crates (`trace`, `info,pre_signup=debug`).
    pub fn directives(&self) -> &str {
        &self.directives
    }

    /// The filter of a binary whose own crate is `trigger` (its name, `-` read as `_`): the
    /// setting, and at most [`DEPENDENCY_CAP`] outside the project's crates.
    ///
    /// The setting is a [`Targets`] filter (a default level, `target=level` directives), not an
    /// `EnvFilter`: `EnvFilter`'s span and field-value directives compile regular expressions,
    /// and linking `regex-automata` for them cost every binary about 146 KB of its arm64 zip
    /// (pre-signup's: 145,990 bytes). Such directives are refused with a warning.
    pub fn filter<S: tracing::Subscriber>(&self, trigger: &str) -> impl Filter<S> + Send + Sync + 'static {
        let setting = self.directives.parse::<Targets>().unwrap_or_default();
        let setting = match setting.default_level() {
            Some(_) => setting,
            None => setting.with_default(LevelFilter::INFO),
        };
        setting.and(capped_outside_project(trigger.replace('-', "_")))
    }
}

/// Lines of the project's crates pass; any other line only up to the cap. Decided from the
/// metadata alone, so tracing caches it per call site: a dependency's trace call sites are
/// switched off once, not checked at every call.
fn capped_outside_project(own_crate: String) -> FilterFn<impl Fn(&Metadata<'_>) -> bool> {
    filter_fn(move |metadata| {
        *metadata.level() <= DEPENDENCY_CAP
            || is_in_crate(metadata.target(), &own_crate)
            || PROJECT_CRATES.iter().any(|name| is_in_crate(metadata.target(), name))
    })
}

/// `pre_signup` and `pre_signup::policy` are in crate `pre_signup`; `pre_signup_extra` is not.
fn is_in_crate(target: &str, name: &str) -> bool {
    target.strip_prefix(name).is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// What is wrong with a `RUST_LOG` value, if anything. A bare word must be a level: tracing would
/// read `verbose` as "everything from a crate named verbose", which silently logs nothing. Span
/// and field directives (`[span]`, `{field=value}`) are not supported ([`LevelSetting::filter`]).
fn rust_log_problem(filter: &str) -> Option<String> {
    for directive in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        if directive.contains(['[', ']', '{', '}']) {
            return Some(format!(
                "{directive:?}: span and field directives are not supported, only level or target=level"
            ));
        }
        if !directive.contains('=') && directive.parse::<LevelFilter>().is_err() {
            return Some(format!("{directive:?} is neither a level nor target=level"));
        }
        if directive.starts_with('=') {
            return Some(format!("{directive:?} names no target"));
        }
    }
    filter.parse::<Targets>().err().map(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn lambdas_level_wins_any_case_and_fatal_means_errors() {
        for (value, directives) in [("TRACE", "trace"), ("debug", "debug"), (" Info ", "info"), ("FATAL", "error")] {
            let setting = LevelSetting::from_values(Some(value), Some("warn"));
            assert_eq!((setting.directives(), setting.warning()), (directives, None), "{value}");
        }
    }

    #[test]
    fn rust_log_applies_when_lambdas_level_is_unset_or_blank() {
        for lambda in [None, Some(""), Some("  ")] {
            assert_eq!(
                LevelSetting::from_values(lambda, Some("info,pre_signup=debug")).directives(),
                "info,pre_signup=debug"
            );
        }
        assert_eq!(LevelSetting::from_values(None, None).directives(), "info");
        assert_eq!(LevelSetting::from_values(None, Some(" ")), LevelSetting::from_values(None, None));
    }

    #[test]
    fn an_invalid_value_falls_back_to_info_with_a_warning_naming_the_variable() {
        let lambda = LevelSetting::from_values(Some("verbose"), Some("trace"));
        assert_eq!(lambda.directives(), "info");
        let warning = lambda.warning().unwrap();
        assert!(warning.starts_with("AWS_LAMBDA_LOG_LEVEL=\"verbose\" is not a log level"), "{warning}");
        assert!(warning.ends_with("logging at info"), "{warning}");
        for bad in
            ["verbose", "pre_signup=loud", "info,=debug", "info,pre_signup[answer]=debug", "[{outcome=ok}]=trace"]
        {
            let setting = LevelSetting::from_values(None, Some(bad));
            assert_eq!(setting.directives(), "info", "{bad}");
            assert!(setting.warning().unwrap().starts_with(&format!("RUST_LOG={bad:?}")), "{bad}: {setting:?}");
        }
    }

    #[test]
    fn crate_names_match_whole_path_segments() {
        assert!(is_in_crate("pre_signup", "pre_signup"));
        assert!(is_in_crate("pre_signup::policy", "pre_signup"));
        assert!(!is_in_crate("pre_signup_extra", "pre_signup"));
        assert!(!is_in_crate("trigger", "trigger_core"));
    }

    /// The levels and targets each check emits; `tracing` needs both as constants at the call site.
    macro_rules! emit_every_level {
        ($target:literal) => {
            tracing::trace!(target: $target, "trace");
            tracing::debug!(target: $target, "debug");
            tracing::info!(target: $target, "info");
            tracing::warn!(target: $target, "warn");
            tracing::error!(target: $target, "error");
        };
    }

    fn emit_everything() {
        emit_every_level!("trigger_core::runtime");
        emit_every_level!("pre_signup");
        emit_every_level!("pre_signup::policy");
        emit_every_level!("post_confirmation");
        emit_every_level!("pre_signup_extra");
        emit_every_level!("lambda_runtime::layers::api_response");
        emit_every_level!("aws_smithy_runtime::client::orchestrator");
        emit_every_level!("aws_sdk_cognitoidentityprovider::operation");
        emit_every_level!("hyper_util::client");
        emit_every_level!("rustls::client::hs");
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// `target level` of every line written for `pre-signup` under the setting.
    fn written(lambda: Option<&str>, rust_log: Option<&str>) -> Vec<String> {
        let captured = Captured::default();
        let sink = captured.clone();
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .without_time()
            .with_writer(move || sink.clone())
            .with_filter(LevelSetting::from_values(lambda, rust_log).filter("pre-signup"));
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), emit_everything);
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| {
                let words: Vec<&str> = line.split_whitespace().collect();
                format!("{} {}", words[1].trim_end_matches(':'), words[0].to_ascii_lowercase())
            })
            .collect()
    }

    fn lines(target: &str, levels: &[&str]) -> Vec<String> {
        levels.iter().map(|level| format!("{target} {level}")).collect()
    }

    const ALL: &[&str] = &["trace", "debug", "info", "warn", "error"];
    const CAPPED: &[&str] = &["warn", "error"];

    #[test]
    fn the_setting_opens_the_project_and_never_a_dependency() {
        let mut expected = [
            lines("trigger_core::runtime", ALL),
            lines("pre_signup", ALL),
            lines("pre_signup::policy", ALL),
            lines("post_confirmation", CAPPED),
            lines("pre_signup_extra", CAPPED),
            lines("lambda_runtime::layers::api_response", CAPPED),
            lines("aws_smithy_runtime::client::orchestrator", CAPPED),
            lines("aws_sdk_cognitoidentityprovider::operation", CAPPED),
            lines("hyper_util::client", CAPPED),
            lines("rustls::client::hs", CAPPED),
        ]
        .concat();
        expected.sort();
        let named = "trace,lambda_runtime=trace,aws_smithy_runtime=trace,aws_sdk_cognitoidentityprovider=trace,hyper_util=trace,rustls=trace";
        for (lambda, rust_log) in [(Some("TRACE"), Some("trace")), (None, Some("trace")), (None, Some(named))] {
            let mut got = written(lambda, rust_log);
            got.sort();
            assert_eq!(got, expected, "{lambda:?} {rust_log:?}");
        }
    }

    #[test]
    fn below_the_cap_the_setting_closes_dependencies_too() {
        let got = written(Some("ERROR"), None);
        assert!(got.iter().all(|line| line.ends_with(" error")), "{got:?}");
        assert_eq!(got.len(), 10);
        let info = written(None, Some("info,pre_signup=debug"));
        assert!(
            info.contains(&"pre_signup debug".to_owned()) && !info.contains(&"trigger_core::runtime debug".to_owned())
        );
        assert!(info.contains(&"trigger_core::runtime info".to_owned()), "{info:?}");
    }
}
