//! The new pool's password policy (Cognito does not apply it to migrated passwords): a password
//! that verified but fails it moves the user in as `RESET_REQUIRED`, so the first thing they do is
//! choose a password that passes.

use trigger_core::{ConfigError, Env};

/// Cognito's special characters, plus the space (not leading or trailing).
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";
/// Cognito accepts passwords of at most 256 characters.
const MAX_LENGTH: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
}

/// Cognito's default policy.
impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            require_lowercase: true,
            require_uppercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }
}

impl PasswordPolicy {
    /// `PASSWORD_MIN_LENGTH` (6 to 99, as Cognito allows) and `PASSWORD_REQUIRE_LOWERCASE`,
    /// `_UPPERCASE`, `_NUMBERS`, `_SYMBOLS`: set them as the new pool's policy is.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let default = Self::default();
        Ok(Self {
            min_length: env.number("PASSWORD_MIN_LENGTH", default.min_length, 6..=99)?,
            require_lowercase: env.flag("PASSWORD_REQUIRE_LOWERCASE", true)?,
            require_uppercase: env.flag("PASSWORD_REQUIRE_UPPERCASE", true)?,
            require_numbers: env.flag("PASSWORD_REQUIRE_NUMBERS", true)?,
            require_symbols: env.flag("PASSWORD_REQUIRE_SYMBOLS", true)?,
        })
    }

    pub fn accepts(&self, password: &str) -> bool {
        let length = password.chars().count();
        let has = |test: fn(char) -> bool| password.chars().any(test);
        (self.min_length..=MAX_LENGTH).contains(&length)
            && password.trim() == password
            && (!self.require_lowercase || has(|c| c.is_ascii_lowercase()))
            && (!self.require_uppercase || has(|c| c.is_ascii_uppercase()))
            && (!self.require_numbers || has(|c| c.is_ascii_digit()))
            && (!self.require_symbols || has(|c| SYMBOLS.contains(c)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn cognitos_default_policy_wants_every_class_and_eight_characters() {
        let policy = PasswordPolicy::default();
        assert!(policy.accepts("Legacy-Passw0rd!"));
        assert!(policy.accepts("Aa1 aaaa"));
        for weak in [
            "Aa1!",
            "legacy-passw0rd!",
            "LEGACY-PASSW0RD!",
            "Legacy-Password!",
            "LegacyPassw0rd",
            " Aa1!aaaa",
            "Aa1!aaaa ",
        ] {
            assert!(!policy.accepts(weak), "{weak}");
        }
        assert!(!policy.accepts(&format!("Aa1!{}", "a".repeat(253))), "longer than Cognito allows");
    }

    #[test]
    fn each_class_and_the_length_are_settings() {
        let env = Env::from_pairs([
            ("PASSWORD_MIN_LENGTH", "12"),
            ("PASSWORD_REQUIRE_SYMBOLS", "false"),
            ("PASSWORD_REQUIRE_UPPERCASE", "no"),
        ]);
        let policy = PasswordPolicy::from_env(&env).unwrap();
        assert!(policy.accepts("lowercase123"));
        assert!(!policy.accepts("lowercase12"), "11 characters");
        assert!(!policy.accepts("lowercaseabc"), "no number");
        assert_eq!(
            PasswordPolicy::from_env(&Env::from_pairs([("PASSWORD_MIN_LENGTH", "100")])).unwrap_err().variable(),
            "PASSWORD_MIN_LENGTH"
        );
    }
}
