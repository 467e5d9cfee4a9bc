//! Settings, read once at cold start. Names and defaults: docs/triggers/passwordless.md.

use std::fmt;
use std::sync::Arc;

use message_catalogue::Catalogue;
use trigger_core::lockout::NameRule;
use trigger_core::lockout::policy::Policy;
use trigger_core::{ConfigError, Env};

const DAY: i64 = 86_400;

#[derive(Clone)]
pub struct Settings {
    /// `TABLE_NAME`: required (the issue row and the send counter).
    pub table_name: String,
    /// `SIGN_IN_CODE_FROM`: required, the verified SES identity the code is sent from.
    pub from: String,
    /// `SIGN_IN_CODE_LENGTH` (default 6, 4–10 digits).
    pub code_length: usize,
    /// `SIGN_IN_CODE_TTL_SECONDS` (default 300, 60–3600): how long a code is valid.
    pub code_ttl_seconds: i64,
    /// The send limit per user name, on the send counter: `SIGN_IN_CODE_MAX_SENDS` (default 5,
    /// 1–100) codes per `SIGN_IN_CODE_SEND_WINDOW_SECONDS` (default 900, 60–86400), then no
    /// code for `SIGN_IN_CODE_LOCK_SECONDS` (default 900, 60–86400), doubling on repeats up to
    /// `SIGN_IN_CODE_MAX_LOCK_SECONDS` (default 3600, at least the lock).
    pub sends: Policy,
    /// `SIGN_IN_CODE_REQUIRE_VERIFIED_EMAIL` (default true): send only to an address with
    /// `email_verified = true`; other users walk the steps and get nothing, like unknown ones.
    pub require_verified_email: bool,
    /// `MESSAGE_TEMPLATES_DIR`, `DEFAULT_LOCALE`: as custom-message (the sign-in-code message).
    pub catalogue: Arc<Catalogue>,
    /// `USER_NAMES_CASE_SENSITIVE`: how the rows of a name the pool does not hold are keyed.
    pub names: NameRule,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("table_name", &self.table_name)
            .field("code_length", &self.code_length)
            .field("code_ttl_seconds", &self.code_ttl_seconds)
            .field("sends", &self.sends)
            .field("require_verified_email", &self.require_verified_email)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let sends = Policy {
            max_attempts: env.number("SIGN_IN_CODE_MAX_SENDS", 5, 1..=100)?,
            window_seconds: env.number("SIGN_IN_CODE_SEND_WINDOW_SECONDS", 900, 60..=DAY)?,
            base_seconds: env.number("SIGN_IN_CODE_LOCK_SECONDS", 900, 60..=DAY)?,
            max_seconds: env.number("SIGN_IN_CODE_MAX_LOCK_SECONDS", 3_600, 60..=31 * DAY)?,
        }
        .checked("SIGN_IN_CODE_MAX_LOCK_SECONDS", "SIGN_IN_CODE_LOCK_SECONDS")?;
        Ok(Self {
            table_name: env.required("TABLE_NAME")?.to_owned(),
            from: env.required_address("SIGN_IN_CODE_FROM")?.to_owned(),
            code_length: env.number("SIGN_IN_CODE_LENGTH", 6, 4..=10)?,
            code_ttl_seconds: env.number("SIGN_IN_CODE_TTL_SECONDS", 300, 60..=3_600)?,
            sends,
            require_verified_email: env.flag("SIGN_IN_CODE_REQUIRE_VERIFIED_EMAIL", true)?,
            catalogue: Arc::new(message_catalogue::catalogue_from_env(env)?),
            names: NameRule::from_env(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const REQUIRED: [(&str, &str); 2] = [("TABLE_NAME", "t"), ("SIGN_IN_CODE_FROM", "no-reply@example.com")];

    fn with(pairs: &[(&'static str, &'static str)]) -> Env {
        Env::from_pairs(REQUIRED.iter().chain(pairs).copied())
    }

    #[test]
    fn defaults_match_the_documentation() {
        let settings = Settings::from_env(&with(&[])).unwrap();
        assert_eq!((settings.code_length, settings.code_ttl_seconds), (6, 300));
        assert_eq!(
            settings.sends,
            Policy { max_attempts: 5, window_seconds: 900, base_seconds: 900, max_seconds: 3600 }
        );
        assert!(settings.require_verified_email);
        assert_eq!(settings.catalogue.default_locale(), "en");
        assert_eq!(settings.from, "no-reply@example.com");
    }

    #[test]
    fn bad_values_fail_init_naming_the_variable() {
        for (variable, value) in [
            ("SIGN_IN_CODE_LENGTH", "3"),
            ("SIGN_IN_CODE_LENGTH", "11"),
            ("SIGN_IN_CODE_TTL_SECONDS", "30"),
            ("SIGN_IN_CODE_MAX_SENDS", "0"),
            ("SIGN_IN_CODE_SEND_WINDOW_SECONDS", "x"),
            ("SIGN_IN_CODE_LOCK_SECONDS", "10"),
            ("SIGN_IN_CODE_MAX_LOCK_SECONDS", "600"), // below the lock of 900
            ("SIGN_IN_CODE_REQUIRE_VERIFIED_EMAIL", "perhaps"),
            ("SIGN_IN_CODE_FROM", "Sign-in <no-reply@example.com>"),
            ("SIGN_IN_CODE_FROM", "nobody"),
            ("DEFAULT_LOCALE", "fr"),
        ] {
            let err = Settings::from_env(&with(&[(variable, value)])).unwrap_err();
            assert_eq!(err.variable(), variable, "{variable}={value}");
        }
        assert_eq!(Settings::from_env(&Env::default()).unwrap_err().variable(), "TABLE_NAME");
        let no_from = Env::from_pairs([("TABLE_NAME", "t")]);
        assert_eq!(Settings::from_env(&no_from).unwrap_err().variable(), "SIGN_IN_CODE_FROM");
    }
}
