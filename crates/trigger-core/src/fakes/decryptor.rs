use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::logging::Secret;
use crate::ports::{CodeDecryptor, DecryptError, PortErrorKind};

/// Decrypts the messages a test registered: each message text stands for a code encrypted for
/// one user pool. Anything else is refused, as a message under another key would be.
#[derive(Debug, Default)]
pub struct FakeDecryptor {
    messages: Mutex<HashMap<String, (String, String)>>,
    calls: Mutex<usize>,
    outage: Outage,
}

impl FakeDecryptor {
    /// `message` decrypts to `code` for `user_pool_id`.
    pub fn with_message(self, message: &str, user_pool_id: &str, code: &str) -> Self {
        lock(&self.messages).insert(message.to_owned(), (user_pool_id.to_owned(), code.to_owned()));
        self
    }

    /// How many decryptions were asked for.
    pub fn calls(&self) -> usize {
        *lock(&self.calls)
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }
}

#[async_trait]
impl CodeDecryptor for FakeDecryptor {
    async fn decrypt(&self, message: &Secret<String>, user_pool_id: &str) -> Result<Secret<String>, DecryptError> {
        *lock(&self.calls) += 1;
        self.outage.check("kms", "Decrypt").map_err(DecryptError::Port)?;
        let messages = lock(&self.messages);
        match messages.get(message.expose()) {
            Some((pool, code)) if pool == user_pool_id => Ok(Secret::new(code.clone())),
            Some(_) => Err(DecryptError::Refused("encrypted for another user pool".to_owned())),
            None if message.expose().is_empty() => Err(DecryptError::Malformed("empty".to_owned())),
            None => Err(DecryptError::Refused("no data key under the configured KMS key".to_owned())),
        }
    }
}
