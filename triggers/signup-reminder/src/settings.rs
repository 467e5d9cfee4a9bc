//! Settings, read once at cold start. Names and defaults: docs/triggers/signup-reminder.md.

use trigger_core::{ConfigError, Env};

pub const DEFAULT_REMINDER_SUBJECT: &str = "Please confirm your sign-up";
pub const DEFAULT_EXPIRY_SUBJECT: &str = "Your unconfirmed sign-up was removed";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `TABLE_NAME`: idempotency records and reservations.
    pub table_name: String,
    /// `REMINDER_EMAIL_FROM` (required): the sender of both e-mails; an SES-verified identity.
    pub from: String,
    /// `REMINDER_EMAIL_SUBJECT`.
    pub reminder_subject: String,
    /// `EXPIRY_EMAIL_SUBJECT`.
    pub expiry_subject: String,
    /// `SIGNUP_URL` (optional): where both e-mails send the person (confirm, or sign up again).
    pub signup_url: Option<String>,
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?.to_owned(),
            from: sender(env, "REMINDER_EMAIL_FROM")?,
            reminder_subject: subject(env, "REMINDER_EMAIL_SUBJECT", DEFAULT_REMINDER_SUBJECT)?,
            expiry_subject: subject(env, "EXPIRY_EMAIL_SUBJECT", DEFAULT_EXPIRY_SUBJECT)?,
            signup_url: url(env, "SIGNUP_URL")?,
        })
    }
}

/// `no-reply@example.com` or `Example <no-reply@example.com>`: one line with an `@`.
fn sender(env: &Env, variable: &str) -> Result<String, ConfigError> {
    let value = env.required(variable)?;
    if !value.contains('@') || value.chars().any(char::is_control) {
        return Err(ConfigError::invalid(variable, value, "expected an e-mail address such as no-reply@example.com"));
    }
    Ok(value.to_owned())
}

/// A subject is one line (a line break would be a header injection), at most 200 characters.
fn subject(env: &Env, variable: &str, default: &str) -> Result<String, ConfigError> {
    let Some(value) = env.text(variable) else { return Ok(default.to_owned()) };
    if value.chars().any(char::is_control) || value.chars().count() > 200 {
        return Err(ConfigError::invalid(variable, value, "expected one line of at most 200 characters"));
    }
    Ok(value.to_owned())
}

/// An absolute http(s) URL without spaces or quotes (it goes into a link).
fn url(env: &Env, variable: &str) -> Result<Option<String>, ConfigError> {
    let Some(value) = env.text(variable) else { return Ok(None) };
    let scheme_ok = value.starts_with("https://") || value.starts_with("http://");
    let clean = !value.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>'));
    if !scheme_ok || !clean {
        return Err(ConfigError::invalid(
            variable,
            value,
            "expected an absolute URL such as https://example.com/signup",
        ));
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(extra: &[(&str, &str)]) -> Env {
        let mut pairs = vec![("TABLE_NAME", "t"), ("REMINDER_EMAIL_FROM", "no-reply@example.com")];
        pairs.extend_from_slice(extra);
        Env::from_pairs(pairs)
    }

    #[test]
    fn defaults_apply_when_only_the_required_values_are_set() {
        let settings = Settings::from_env(&env(&[])).unwrap();
        assert_eq!(settings.reminder_subject, DEFAULT_REMINDER_SUBJECT);
        assert_eq!(settings.expiry_subject, DEFAULT_EXPIRY_SUBJECT);
        assert_eq!(settings.signup_url, None);
    }

    #[test]
    fn missing_or_bad_values_fail_init_naming_the_variable() {
        let err = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap_err();
        assert_eq!(err.to_string(), "REMINDER_EMAIL_FROM is required but not set");
        let err = Settings::from_env(&Env::from_pairs([("REMINDER_EMAIL_FROM", "a@b.c")])).unwrap_err();
        assert_eq!(err.variable(), "TABLE_NAME");
        for (variable, bad) in [
            ("REMINDER_EMAIL_FROM", "no-reply"),
            ("REMINDER_EMAIL_SUBJECT", "Hi\r\nBcc: x@y.z"),
            ("EXPIRY_EMAIL_SUBJECT", &"x".repeat(201)),
            ("SIGNUP_URL", "example.com/signup"),
            ("SIGNUP_URL", "https://example.com/\"><script>"),
        ] {
            let err = Settings::from_env(&env(&[(variable, bad)])).unwrap_err();
            assert_eq!(err.variable(), variable, "{bad}");
        }
        let ok = Settings::from_env(&env(&[("SIGNUP_URL", "https://example.com/signup?x=1&y=2")])).unwrap();
        assert_eq!(ok.signup_url.as_deref(), Some("https://example.com/signup?x=1&y=2"));
    }
}
