//! The settings both senders read the same way.

use std::fmt;
use std::sync::Arc;

use message_catalogue::{Catalogue, catalogue_from_env};
use trigger_core::{ConfigError, Env};

use crate::key_arn::key_arn_from_env;

/// What every sender reads, whatever its channel.
#[derive(Clone)]
pub struct SenderSettings {
    /// `KMS_KEY_ARN` (required): the one key the keyring decrypts with (the pool's `KMSKeyID`).
    pub kms_key_arn: String,
    /// `TABLE_NAME` (required): the delivery records.
    pub table_name: String,
    /// `MESSAGE_TEMPLATES_DIR`, `DEFAULT_LOCALE`: the shared message catalogue.
    pub catalogue: Arc<Catalogue>,
    /// `KMS_REQUIRE_POOL_CONTEXT` (default true): a code's encryption context must name the
    /// event's user pool (`userpool-id`), as Cognito's always does. `false` is for cognito-local
    /// only, which encrypts without a context.
    pub require_pool_context: bool,
}

impl SenderSettings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            kms_key_arn: key_arn_from_env(env)?,
            table_name: env.required("TABLE_NAME")?.to_owned(),
            catalogue: Arc::new(catalogue_from_env(env)?),
            require_pool_context: env.flag("KMS_REQUIRE_POOL_CONTEXT", true)?,
        })
    }
}

impl fmt::Debug for SenderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderSettings")
            .field("kms_key_arn", &self.kms_key_arn)
            .field("table_name", &self.table_name)
            .field("catalogue", &self.catalogue)
            .field("require_pool_context", &self.require_pool_context)
            .finish()
    }
}
