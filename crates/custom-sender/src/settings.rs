//! The settings both senders read the same way.

use message_catalogue::Catalogue;
use trigger_core::{ConfigError, Env};

/// `MESSAGE_TEMPLATES_DIR` and `DEFAULT_LOCALE`, validated; a bad one names its variable.
pub fn catalogue_from_env(env: &Env) -> Result<Catalogue, ConfigError> {
    message_catalogue::catalogue_from(|name| env.text(name))
        .map_err(|err| ConfigError::invalid(err.variable, &err.value, err.reason))
}
