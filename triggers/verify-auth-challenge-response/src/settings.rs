//! Settings, read once at cold start: none. The code's length and validity are create's; the
//! expiry travels with the challenge. See docs/triggers/passwordless.md.

use trigger_core::{ConfigError, Env};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settings {}

impl Settings {
    pub fn from_env(_env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {})
    }
}
