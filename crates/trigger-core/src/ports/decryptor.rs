//! The code decryptor port: the custom senders' `request.code`, an AWS Encryption SDK message
//! that Cognito encrypted under the pool's KMS key (`crates/esdk-decryptor` in production).

use async_trait::async_trait;

use super::PortError;
use crate::logging::Secret;

/// Why a code was not decrypted. No variant carries the code, the plaintext or the message: the
/// detail names what failed, for logs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// Not an Encryption SDK message (not base64, or bytes the SDK cannot parse).
    #[error("the code is not an Encryption SDK message: {0}")]
    Malformed(String),
    /// A well-formed message refused: no data key under the configured KMS key, an
    /// authentication tag that does not verify (a changed header, body or encryption context),
    /// or an encryption context naming another user pool. A retry cannot change the answer.
    #[error("the code was refused: {0}")]
    Refused(String),
    /// KMS failed or could not be reached: a retry may succeed.
    #[error(transparent)]
    Port(#[from] PortError),
}

impl DecryptError {
    /// The metric a failure is counted under.
    pub fn metric(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "DecryptMalformed",
            Self::Refused(_) => "DecryptRefused",
            Self::Port(_) => "DecryptUnavailable",
        }
    }
}

#[async_trait]
pub trait CodeDecryptor: Send + Sync {
    /// Decrypts `message` (base64, as in the event) for the user pool `user_pool_id`: a message
    /// whose encryption context names another pool is [`DecryptError::Refused`].
    async fn decrypt(&self, message: &Secret<String>, user_pool_id: &str) -> Result<Secret<String>, DecryptError>;
}
