//! Structured JSON logs that cannot leak what they must not.
//!
//! Two guards:
//! - [`Secret`] wraps passwords, codes and tokens: its `Debug` and `Display` print `[redacted]`,
//!   so `tracing::info!(?password)` or `%code` cannot show the value by accident.
//! - every log line passes through [`mask_sensitive`] before it is written: e-mail addresses and
//!   phone numbers anywhere in a line (a field, a message, an SDK error text) are masked.
//!
//! And one limit: the level setting opens this project's crates only; the dependencies, which
//! log raw events and request bodies at debug and trace, never log below warn ([`LevelSetting`]).
//!
//! Each line written during an invocation starts with its correlation fields
//! (`function_request_id`, `cold_start`, `xray_trace_id`: [`correlation`]). With active tracing,
//! the subscriber also sends the AWS SDK's calls to X-Ray ([`crate::xray`]).

use std::fmt;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use tracing_subscriber::fmt::MakeWriter;

pub mod correlation;
mod level;
mod mask;

pub use level::{DEPENDENCY_CAP, LevelSetting};
pub use mask::mask_sensitive;

/// A value that must never be logged: a password, a verification code, a token.
///
/// Serialises as the plain value (it has to travel back to Cognito in the event), but `Debug` and
/// `Display` never show it. Read it with [`Secret::expose`], at the one place that needs it.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value itself. Call sites of this are the places to review for leaks.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A user name as it may appear in a log: masked when it is an e-mail address or a phone number.
pub fn mask_identifier(value: &str) -> String {
    mask_sensitive(value).into_owned()
}

/// Writes each formatted log line to stdout after masking it, with the invocation's correlation
/// fields put first.
#[derive(Clone, Copy, Debug, Default)]
pub struct MaskingStdout;

/// One log line being formatted; masked and written as a whole when dropped.
pub struct MaskedLine {
    buffer: Vec<u8>,
}

impl Write for MaskedLine {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for MaskedLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buffer);
        // A log line that cannot be written has nowhere to be reported; dropping it is all we can do.
        let _ = correlation::write_line(&mut io::stdout().lock(), &mask_sensitive(&text));
    }
}

impl<'a> MakeWriter<'a> for MaskingStdout {
    type Writer = MaskedLine;

    fn make_writer(&'a self) -> Self::Writer {
        MaskedLine { buffer: Vec::with_capacity(256) }
    }
}

/// Installs the JSON subscriber of binary `trigger` (its name: `pre-signup`). The level setting
/// ([`LevelSetting`]: `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else info) applies to this
/// project's crates (`trigger_core` and the binary's own crate, `pre_signup`); every dependency
/// is capped at [`DEPENDENCY_CAP`]. Safe to call more than once.
pub fn init(trigger: &'static str) {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let setting = LevelSetting::from_process();
    let lines = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_writer(MaskingStdout)
        .with_filter(setting.filter(trigger));
    // With active tracing, the AWS SDK's calls as X-Ray subsegments (`crate::xray`).
    let daemon_address = std::env::var("AWS_XRAY_DAEMON_ADDRESS").ok();
    let sdk_calls = crate::xray::layer(daemon_address.as_deref());
    let installed = tracing_subscriber::registry().with(lines).with(sdk_calls).try_init();
    if installed.is_ok() {
        tracing::debug!(trigger, level = setting.directives(), "logging initialised");
        let problems = [setting.warning().map(str::to_owned), crate::xray::daemon_problem(daemon_address.as_deref())];
        for warning in problems.into_iter().flatten() {
            tracing::warn!(trigger, "{warning}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_addresses_and_phone_numbers_wherever_they_stand() {
        assert_eq!(
            mask_sensitive(r#"{"email":"jane.doe+x@Example.co.uk","msg":"ok"}"#),
            r#"{"email":"j***@Example.co.uk","msg":"ok"}"#
        );
        assert_eq!(mask_sensitive("ListUsers email = \"a@b.com\" failed"), "ListUsers email = \"a***@b.com\" failed");
        assert_eq!(mask_sensitive("call +14155550123 now"), "call +*********23 now");
        assert_eq!(mask_sensitive("two: x@a.io, y@b.io."), "two: x***@a.io, y***@b.io.");
    }

    #[test]
    fn leaves_text_that_is_neither_alone() {
        for text in
            ["no at sign here", "a@b without a dot", "version 1+2", "count +1234567", "id abc+12345678901", "@handle"]
        {
            assert_eq!(mask_sensitive(text), text, "{text}");
        }
    }

    #[test]
    fn secrets_never_show_in_debug_or_display_but_travel_on_the_wire() {
        let password = Secret::new(String::from("hunter2"));
        assert_eq!(format!("{password:?} {password}"), "[redacted] [redacted]");
        assert_eq!(serde_json::to_string(&password).unwrap(), "\"hunter2\"");
        assert_eq!(password.expose(), "hunter2");
    }
}
