//! Settings, read once at cold start. The code's length and validity are create's; the expiry
//! travels with the challenge. See docs/triggers/passwordless.md.

use trigger_core::lockout::NameRule;
use trigger_core::{ConfigError, Env};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `TABLE_NAME`: required (the issue row a right answer consumes).
    pub table_name: String,
    /// `USER_NAMES_CASE_SENSITIVE`: keys the rows as create-auth-challenge does.
    pub names: NameRule,
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { table_name: env.required("TABLE_NAME")?.to_owned(), names: NameRule::from_env(env)? })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_table_is_required_and_the_name_rule_validated() {
        assert_eq!(Settings::from_env(&Env::default()).unwrap_err().variable(), "TABLE_NAME");
        let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap();
        assert_eq!((settings.table_name.as_str(), settings.names), ("t", NameRule::CaseSensitive));
        let bad = Env::from_pairs([("TABLE_NAME", "t"), ("USER_NAMES_CASE_SENSITIVE", "x")]);
        assert_eq!(Settings::from_env(&bad).unwrap_err().variable(), "USER_NAMES_CASE_SENSITIVE");
    }
}
