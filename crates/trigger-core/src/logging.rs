//! Structured JSON logs that cannot leak what they must not.
//!
//! Two guards:
//! - [`Secret`] wraps passwords, codes and tokens: its `Debug` and `Display` print `[redacted]`,
//!   so `tracing::info!(?password)` or `%code` cannot show the value by accident.
//! - every log line passes through [`mask_sensitive`] before it is written: e-mail addresses and
//!   E.164 phone numbers anywhere in a line (a field, a message, an SDK error text) are masked.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

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

/// Characters allowed in the local part of an address (RFC 5322 atext plus the dot).
fn is_local_part_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.'
}

/// Masks every e-mail address (`jane.doe@example.com` → `j***@example.com`) and every E.164 phone
/// number (`+14155550123` → `+*********23`) in `text`. The domain stays: it is what an operator
/// needs to see a pattern, and it does not identify a person on its own.
pub fn mask_sensitive(text: &str) -> Cow<'_, str> {
    if !text.contains('@') && !text.contains('+') {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        if let Some((end, masked)) = email_at(&chars, i).or_else(|| phone_at(&chars, i)) {
            out.push_str(&masked);
            changed = true;
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    if changed { Cow::Owned(out) } else { Cow::Borrowed(text) }
}

/// An e-mail address starting at `start` (which must begin a local part): its end and masked form.
fn email_at(chars: &[char], start: usize) -> Option<(usize, String)> {
    let begins_word = start == 0 || !is_local_part_char(chars[start - 1]);
    if !begins_word || !is_local_part_char(chars[start]) || chars[start] == '.' {
        return None;
    }
    let at = (start..chars.len()).find(|&i| !is_local_part_char(chars[i]))?;
    if chars[at] != '@' {
        return None;
    }
    let domain_end = (at + 1..chars.len()).find(|&i| !is_domain_char(chars[i])).unwrap_or(chars.len());
    let domain: String = chars[at + 1..domain_end].iter().collect();
    let domain = domain.trim_end_matches('.');
    if !domain.contains('.') || domain.starts_with('.') {
        return None;
    }
    let end = at + 1 + domain.chars().count();
    Some((end, format!("{}***@{}", chars[start], domain)))
}

/// An E.164 number (`+` and 8 to 15 digits, not inside a longer run) starting at `start`.
fn phone_at(chars: &[char], start: usize) -> Option<(usize, String)> {
    if chars[start] != '+' || (start > 0 && chars[start - 1].is_ascii_alphanumeric()) {
        return None;
    }
    let digits_end = (start + 1..chars.len()).find(|&i| !chars[i].is_ascii_digit()).unwrap_or(chars.len());
    let digits = digits_end - start - 1;
    if !(8..=15).contains(&digits) {
        return None;
    }
    let last_two: String = chars[digits_end - 2..digits_end].iter().collect();
    Some((digits_end, format!("+{}{}", "*".repeat(digits - 2), last_two)))
}

/// A user name as it may appear in a log: masked when it is an e-mail address or a phone number.
pub fn mask_identifier(value: &str) -> String {
    mask_sensitive(value).into_owned()
}

/// Writes each formatted log line to stdout after masking it.
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
        let _ = io::stdout().lock().write_all(mask_sensitive(&text).as_bytes());
    }
}

impl<'a> MakeWriter<'a> for MaskingStdout {
    type Writer = MaskedLine;

    fn make_writer(&'a self) -> Self::Writer {
        MaskedLine { buffer: Vec::with_capacity(256) }
    }
}

/// Installs the JSON subscriber. The level comes from `AWS_LAMBDA_LOG_LEVEL` (set by Lambda's
/// logging controls), else `RUST_LOG`, else `info`. Safe to call more than once.
pub fn init(trigger: &'static str) {
    let filter = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .map(|level| level.to_ascii_lowercase())
        .and_then(|level| EnvFilter::try_new(level).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .with_writer(MaskingStdout)
        .try_init();
    if installed.is_ok() {
        tracing::debug!(trigger, "logging initialised");
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
