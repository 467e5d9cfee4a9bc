//! Settings, read once at cold start. Names and defaults: docs/triggers/post-authentication.md.

use trigger_core::{ConfigError, Env};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `TABLE_NAME`: required.
    pub table_name: String,
    /// `LOGIN_HISTORY_DAYS`: how long a login history item is kept; 0 writes no history.
    pub history_days: i64,
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?.to_owned(),
            history_days: env.number("LOGIN_HISTORY_DAYS", 90, 0..=3_650)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn defaults_and_bad_values() {
        let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
        assert_eq!(settings.history_days, 90);
        let off = Env::from_pairs([("TABLE_NAME", "t"), ("LOGIN_HISTORY_DAYS", "0")]);
        assert_eq!(Settings::from_env(&off).unwrap().history_days, 0);
        for bad in ["-1", "ninety", "4000"] {
            let env = Env::from_pairs([("TABLE_NAME", "t"), ("LOGIN_HISTORY_DAYS", bad)]);
            assert_eq!(Settings::from_env(&env).unwrap_err().variable(), "LOGIN_HISTORY_DAYS", "{bad}");
        }
        assert_eq!(Settings::from_env(&Env::default()).unwrap_err().variable(), "TABLE_NAME");
    }
}
