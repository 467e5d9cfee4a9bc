//! Settings, read once at cold start. Names and defaults: docs/triggers/signup-reminder.md.

use std::sync::Arc;

use message_catalogue::Catalogue;
use message_catalogue::settings::refuse_replaced;
use trigger_core::{ConfigError, Env};

/// Settings an earlier release read, and what replaced them (refused at cold start, so that an
/// operator's subject is never silently dropped).
pub const REPLACED: &[(&str, &str)] = &[
    (
        "REMINDER_EMAIL_SUBJECT",
        "the reminder's subject comes from the message catalogue, in the user's language: write \
         <locale>/sign-up-reminder.subject.txt in MESSAGE_TEMPLATES_DIR (docs/message-templates.md)",
    ),
    (
        "EXPIRY_EMAIL_SUBJECT",
        "the expiry notice's subject comes from the message catalogue, in the user's language: write \
         <locale>/sign-up-expired.subject.txt in MESSAGE_TEMPLATES_DIR (docs/message-templates.md)",
    ),
];

#[derive(Clone, Debug)]
pub struct Settings {
    /// `TABLE_NAME`: idempotency records and reservations.
    pub table_name: String,
    /// `REMINDER_EMAIL_FROM` (required): the sender of both e-mails; an SES-verified identity.
    pub from: String,
    /// `SIGNUP_URL` (optional): where both e-mails send the person (confirm, or sign up again).
    pub signup_url: Option<String>,
    /// The message catalogue (`MESSAGE_TEMPLATES_DIR`, `DEFAULT_LOCALE`): the `sign-up-reminder`
    /// and `sign-up-expired` kinds in the user's language.
    pub catalogue: Arc<Catalogue>,
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let table_name = env.required("TABLE_NAME")?.to_owned();
        let from = sender(env, "REMINDER_EMAIL_FROM")?;
        refuse_replaced(env, REPLACED)?;
        let signup_url = url(env, "SIGNUP_URL")?;
        let catalogue = Arc::new(message_catalogue::catalogue_from_env(env)?);
        Ok(Self { table_name, from, signup_url, catalogue })
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
        assert_eq!(settings.signup_url, None);
        assert_eq!(settings.catalogue.default_locale(), "en");
        let settings = Settings::from_env(&env(&[("DEFAULT_LOCALE", "de")])).unwrap();
        assert_eq!(settings.catalogue.default_locale(), "de");
    }

    #[test]
    fn missing_or_bad_values_fail_init_naming_the_variable() {
        let err = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap_err();
        assert_eq!(err.to_string(), "REMINDER_EMAIL_FROM is required but not set");
        let err = Settings::from_env(&Env::from_pairs([("REMINDER_EMAIL_FROM", "a@b.c")])).unwrap_err();
        assert_eq!(err.variable(), "TABLE_NAME");
        for (variable, bad) in [
            ("REMINDER_EMAIL_FROM", "no-reply"),
            ("SIGNUP_URL", "example.com/signup"),
            ("SIGNUP_URL", "https://example.com/\"><script>"),
            ("DEFAULT_LOCALE", "fr"),
            ("MESSAGE_TEMPLATES_DIR", "/nonexistent/templates"),
        ] {
            let err = Settings::from_env(&env(&[(variable, bad)])).unwrap_err();
            assert_eq!(err.variable(), variable, "{bad}");
        }
        let ok = Settings::from_env(&env(&[("SIGNUP_URL", "https://example.com/signup?x=1&y=2")])).unwrap();
        assert_eq!(ok.signup_url.as_deref(), Some("https://example.com/signup?x=1&y=2"));
    }

    #[test]
    fn the_retired_subject_settings_fail_init_saying_what_replaced_them() {
        for (variable, file) in [
            ("REMINDER_EMAIL_SUBJECT", "sign-up-reminder.subject.txt"),
            ("EXPIRY_EMAIL_SUBJECT", "sign-up-expired.subject.txt"),
        ] {
            let err = Settings::from_env(&env(&[(variable, "Please confirm")])).unwrap_err();
            assert_eq!(err.variable(), variable);
            let text = err.to_string();
            assert!(text.contains("no longer read") && text.contains(file), "{text}");
        }
    }
}
