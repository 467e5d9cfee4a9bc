//! Settings, read once at cold start. Names and defaults: docs/triggers/pre-authentication.md.

use trigger_core::lockout::NameRule;
use trigger_core::{ConfigError, Env};

use crate::policy::Policy;

/// What to do when the lockout record cannot be read or written in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnStoreFailure {
    /// Let the sign-in go on to the password check (the default; see the docs for why).
    Allow,
    /// Refuse the sign-in with a "try again" message.
    Deny,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub policy: Policy,
    /// `LOCKOUT_ON_STORE_FAILURE`: `allow` (default) or `deny`.
    pub on_store_failure: OnStoreFailure,
    /// `TABLE_NAME`: required.
    pub table_name: String,
    /// `USER_NAMES_CASE_SENSITIVE`: how a name the pool does not hold is counted.
    pub names: NameRule,
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let policy = Policy::from_env(env)?;
        let on_store_failure = env
            .choice("LOCKOUT_ON_STORE_FAILURE", &[("allow", OnStoreFailure::Allow), ("deny", OnStoreFailure::Deny)])?;
        Ok(Self {
            policy,
            on_store_failure,
            table_name: env.required("TABLE_NAME")?.to_owned(),
            names: NameRule::from_env(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
        assert_eq!(settings.policy, Policy::default());
        assert_eq!(settings.on_store_failure, OnStoreFailure::Allow);
        assert_eq!(settings.names, NameRule::CaseSensitive);
        let deny = Env::from_pairs([("TABLE_NAME", "t"), ("LOCKOUT_ON_STORE_FAILURE", " Deny ")]);
        assert_eq!(Settings::from_env(&deny).unwrap().on_store_failure, OnStoreFailure::Deny);
    }

    #[test]
    fn bad_values_fail_init_naming_the_variable() {
        for (variable, value) in [
            ("LOCKOUT_MAX_ATTEMPTS", "0"),
            ("LOCKOUT_MAX_ATTEMPTS", "five"),
            ("LOCKOUT_WINDOW_SECONDS", "-1"),
            ("LOCKOUT_BASE_SECONDS", "0"),
            ("LOCKOUT_MAX_SECONDS", "60"), // below the base of 300
            ("LOCKOUT_ON_STORE_FAILURE", "maybe"),
            ("USER_NAMES_CASE_SENSITIVE", "perhaps"),
        ] {
            let err = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t"), (variable, value)])).unwrap_err();
            assert_eq!(err.variable(), variable, "{variable}={value}");
        }
        assert_eq!(Settings::from_env(&Env::default()).unwrap_err().variable(), "TABLE_NAME");
    }
}
