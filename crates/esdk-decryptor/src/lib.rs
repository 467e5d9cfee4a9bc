//! [`CodeDecryptor`] on the official AWS Encryption SDK for Rust (`aws-esdk`).
//!
//! - Keyring: AWS KMS, limited to the one key of `KMS_KEY_ARN` (never discovery): a message whose
//!   data keys are under any other key is refused without calling KMS for it.
//! - Commitment policy `RequireEncryptAllowDecrypt`: Cognito's messages are format v1 with the
//!   signed, non-committing suite 0x0378; the SDK's default policy refuses them. Committing v2
//!   messages (cognito-local's 0x0578) are decrypted too. Signatures are always verified.
//! - Encryption context: the message must carry `userpool-id` naming the event's pool. Cognito
//!   always puts it there; a message without it (another producer's, or a replay of a code
//!   encrypted for something else under the same key) is refused. Only a local stand-in that
//!   encrypts without a context (cognito-local) needs [`PoolContext::CheckedIfPresent`]
//!   (`KMS_REQUIRE_POOL_CONTEXT=false`).
//! - The KMS client comes from the trigger's shared SDK configuration (its timeouts and retries).
//!
//! Nothing here logs or returns the plaintext except as a [`Secret`]; errors name what failed.

mod classify;
#[cfg(feature = "testing")]
pub mod testing;

use async_trait::async_trait;
use aws_esdk::client as esdk;
use aws_esdk::material_providers::client as mpl;
use aws_esdk::material_providers::types::EsdkCommitmentPolicy;
use aws_esdk::material_providers::types::keyring::KeyringRef;
use aws_esdk::material_providers::types::material_providers_config::MaterialProvidersConfig;
use aws_esdk::types::aws_encryption_sdk_config::AwsEncryptionSdkConfig;
use aws_smithy_types::Blob;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use trigger_core::aws::Aws;
use trigger_core::logging::Secret;
use trigger_core::ports::{CodeDecryptor, DecryptError};
use trigger_core::runtime::InitError;

pub use classify::classify;

/// The encryption-context key naming the user pool a code was encrypted for.
pub const POOL_CONTEXT_KEY: &str = "userpool-id";

/// Why the decryptor could not be built (at cold start).
#[derive(Debug, thiserror::Error)]
#[error("Encryption SDK not set up: {0}")]
pub struct SetupError(String);

/// What the encryption context must say about the user pool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PoolContext {
    /// `userpool-id` present and naming the event's pool (Cognito's messages; the default).
    #[default]
    Required,
    /// Checked when present, a message without it accepted: for cognito-local only, whose
    /// Encryption SDK call passes no context (`KMS_REQUIRE_POOL_CONTEXT=false`).
    CheckedIfPresent,
}

impl PoolContext {
    /// From `KMS_REQUIRE_POOL_CONTEXT` (`SenderSettings::require_pool_context`).
    pub fn required(required: bool) -> Self {
        if required { Self::Required } else { Self::CheckedIfPresent }
    }
}

/// Decrypts with one KMS key.
#[derive(Debug)]
pub struct EsdkDecryptor {
    client: esdk::Client,
    keyring: KeyringRef,
    pool_context: PoolContext,
}

impl From<SetupError> for InitError {
    fn from(err: SetupError) -> Self {
        InitError::Other(err.to_string())
    }
}

impl EsdkDecryptor {
    /// The decryptor of a trigger's cold start: KMS through the trigger's shared SDK
    /// configuration (its timeouts and retries), the keyring for `key_arn`.
    pub async fn for_key(aws: &Aws, key_arn: &str, pool_context: PoolContext) -> Result<Self, SetupError> {
        Ok(Self::new(aws_sdk_kms::Client::new(aws.sdk_config()), key_arn).await?.with_pool_context(pool_context))
    }

    /// The same decryptor with another rule for the pool in the encryption context.
    pub fn with_pool_context(self, pool_context: PoolContext) -> Self {
        Self { pool_context, ..self }
    }

    /// Builds the SDK client and the keyring for `key_arn` (no network call).
    pub async fn new(kms: aws_sdk_kms::Client, key_arn: &str) -> Result<Self, SetupError> {
        let config = AwsEncryptionSdkConfig::builder()
            .commitment_policy(EsdkCommitmentPolicy::RequireEncryptAllowDecrypt)
            .build()
            .map_err(|e| SetupError(e.to_string()))?;
        let client = esdk::Client::from_conf(config).map_err(|e| SetupError(e.to_string()))?;
        let providers =
            mpl::Client::from_conf(MaterialProvidersConfig::builder().build().map_err(|e| SetupError(e.to_string()))?)
                .map_err(|e| SetupError(e.to_string()))?;
        let keyring = providers
            .create_aws_kms_keyring()
            .kms_key_id(key_arn)
            .kms_client(kms)
            .send()
            .await
            .map_err(|e| SetupError(e.to_string()))?;
        Ok(Self { client, keyring, pool_context: PoolContext::Required })
    }
}

/// The message bytes of a base64 `request.code`.
fn message_bytes(message: &str) -> Result<Vec<u8>, DecryptError> {
    let bytes = STANDARD.decode(message.trim()).map_err(|_| DecryptError::Malformed("not base64".to_owned()))?;
    // Format v1 starts with 0x01, v2 with 0x02.
    match bytes.first() {
        Some(1 | 2) => Ok(bytes),
        Some(_) => Err(DecryptError::Malformed("not an Encryption SDK message (unknown version byte)".to_owned())),
        None => Err(DecryptError::Malformed("empty".to_owned())),
    }
}

#[async_trait]
impl CodeDecryptor for EsdkDecryptor {
    async fn decrypt(&self, message: &Secret<String>, user_pool_id: &str) -> Result<Secret<String>, DecryptError> {
        let bytes = message_bytes(message.expose())?;
        let output = self
            .client
            .decrypt()
            .ciphertext(Blob::new(bytes))
            .keyring(self.keyring.clone())
            .send()
            .await
            .map_err(|err| classify(&err))?;
        let pool = output.encryption_context.as_ref().and_then(|context| context.get(POOL_CONTEXT_KEY));
        check_pool(pool.map(String::as_str), user_pool_id, self.pool_context)?;
        let plaintext =
            output.plaintext.ok_or_else(|| DecryptError::Refused("no plaintext in the answer".to_owned()))?;
        let code = String::from_utf8(plaintext.into_inner())
            .map_err(|_| DecryptError::Refused("the plaintext is not UTF-8".to_owned()))?;
        Ok(Secret::new(code))
    }
}

/// The encryption context's `userpool-id` (`pool`) against the event's pool.
fn check_pool(pool: Option<&str>, user_pool_id: &str, rule: PoolContext) -> Result<(), DecryptError> {
    match (pool, rule) {
        (Some(pool), _) if pool != user_pool_id => {
            Err(DecryptError::Refused("encrypted for another user pool".to_owned()))
        }
        (Some(_), _) | (None, PoolContext::CheckedIfPresent) => Ok(()),
        (None, PoolContext::Required) => {
            Err(DecryptError::Refused("no user pool in the encryption context".to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_in_the_context_is_required_unless_told_otherwise() {
        assert!(check_pool(Some("us-east-1_A"), "us-east-1_A", PoolContext::Required).is_ok());
        let refused = |result: Result<(), DecryptError>| matches!(result, Err(DecryptError::Refused(_)));
        assert!(refused(check_pool(Some("us-east-1_B"), "us-east-1_A", PoolContext::Required)));
        assert!(refused(check_pool(None, "us-east-1_A", PoolContext::Required)), "no context: refused");
        assert!(refused(check_pool(Some("us-east-1_B"), "us-east-1_A", PoolContext::CheckedIfPresent)));
        assert!(check_pool(None, "us-east-1_A", PoolContext::CheckedIfPresent).is_ok());
        assert_eq!(PoolContext::default(), PoolContext::required(true));
    }

    #[test]
    fn only_base64_messages_of_a_known_format_reach_the_sdk() {
        assert!(matches!(message_bytes("not base64!"), Err(DecryptError::Malformed(_))));
        assert!(matches!(message_bytes(""), Err(DecryptError::Malformed(_))));
        assert!(matches!(message_bytes(&STANDARD.encode([7, 1, 2])), Err(DecryptError::Malformed(_))));
        assert_eq!(message_bytes(&STANDARD.encode([1, 128])).unwrap(), [1, 128]);
        assert_eq!(message_bytes(&format!(" {}\n", STANDARD.encode([2, 5]))).unwrap(), [2, 5]);
    }
}
