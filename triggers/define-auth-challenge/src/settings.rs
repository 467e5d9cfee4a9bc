//! Settings, read once at cold start. Names and defaults: docs/triggers/passwordless.md.

use trigger_core::{ConfigError, Env};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `SIGN_IN_CODE_MAX_ANSWERS` (default 3, at most 3): wrong answers a sign-in may give before
    /// it fails. Each answer to a code is one round of the session.
    pub max_answers: usize,
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { max_answers: env.number("SIGN_IN_CODE_MAX_ANSWERS", 3, 1..=3)? })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn three_answers_by_default_and_never_more() {
        assert_eq!(Settings::from_env(&Env::default()).unwrap().max_answers, 3);
        let one = Env::from_pairs([("SIGN_IN_CODE_MAX_ANSWERS", "1")]);
        assert_eq!(Settings::from_env(&one).unwrap().max_answers, 1);
        for bad in ["0", "4", "three"] {
            let err = Settings::from_env(&Env::from_pairs([("SIGN_IN_CODE_MAX_ANSWERS", bad)])).unwrap_err();
            assert_eq!(err.variable(), "SIGN_IN_CODE_MAX_ANSWERS", "{bad}");
        }
    }
}
