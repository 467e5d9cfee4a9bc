//! [`CodeDecryptor`] on the official AWS Encryption SDK for Rust (`aws-esdk`).
//!
//! - Keyring: AWS KMS, limited to the one key of `KMS_KEY_ARN` (never discovery): a message whose
//!   data keys are under any other key is refused without calling KMS for it.
//! - Commitment policy `RequireEncryptAllowDecrypt`: Cognito's messages are format v1 with the
//!   signed, non-committing suite 0x0378; the SDK's default policy refuses them. Committing v2
//!   messages (cognito-local's 0x0578) are decrypted too. Signatures are always verified.
//! - Encryption context: a message that carries `userpool-id` must name the event's pool.
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

/// Decrypts with one KMS key.
#[derive(Debug)]
pub struct EsdkDecryptor {
    client: esdk::Client,
    keyring: KeyringRef,
}

impl From<SetupError> for InitError {
    fn from(err: SetupError) -> Self {
        InitError::Other(err.to_string())
    }
}

impl EsdkDecryptor {
    /// The decryptor of a trigger's cold start: KMS through the trigger's shared SDK
    /// configuration (its timeouts and retries), the keyring for `key_arn`.
    pub async fn for_key(aws: &Aws, key_arn: &str) -> Result<Self, SetupError> {
        Self::new(aws_sdk_kms::Client::new(aws.sdk_config()), key_arn).await
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
        Ok(Self { client, keyring })
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
        if let Some(pool) = output.encryption_context.as_ref().and_then(|context| context.get(POOL_CONTEXT_KEY))
            && pool != user_pool_id
        {
            return Err(DecryptError::Refused("encrypted for another user pool".to_owned()));
        }
        let plaintext =
            output.plaintext.ok_or_else(|| DecryptError::Refused("no plaintext in the answer".to_owned()))?;
        let code = String::from_utf8(plaintext.into_inner())
            .map_err(|_| DecryptError::Refused("the plaintext is not UTF-8".to_owned()))?;
        Ok(Secret::new(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_base64_messages_of_a_known_format_reach_the_sdk() {
        assert!(matches!(message_bytes("not base64!"), Err(DecryptError::Malformed(_))));
        assert!(matches!(message_bytes(""), Err(DecryptError::Malformed(_))));
        assert!(matches!(message_bytes(&STANDARD.encode([7, 1, 2])), Err(DecryptError::Malformed(_))));
        assert_eq!(message_bytes(&STANDARD.encode([1, 128])).unwrap(), [1, 128]);
        assert_eq!(message_bytes(&format!(" {}\n", STANDARD.encode([2, 5]))).unwrap(), [2, 5]);
    }
}
