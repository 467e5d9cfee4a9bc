use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use super::{Outage, lock};
use crate::logging::Secret;
use crate::ports::{PortError, PortErrorKind, SecretSource};

/// Secrets held in memory, by id; counts its reads (a rotation test checks there is one more).
#[derive(Debug, Default)]
pub struct FakeSecrets {
    values: Mutex<HashMap<String, String>>,
    reads: AtomicUsize,
    outage: Outage,
}

impl FakeSecrets {
    /// Stores (or rotates) secret `id`.
    pub fn put(&self, id: &str, value: &str) {
        lock(&self.values).insert(id.to_owned(), value.to_owned());
    }

    /// How many times a secret was read.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }
}

#[async_trait]
impl SecretSource for FakeSecrets {
    async fn secret_string(&self, id: &str) -> Result<Secret<String>, PortError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.outage.check("secretsmanager", "GetSecretValue")?;
        match lock(&self.values).get(id) {
            Some(value) => Ok(Secret::new(value.clone())),
            None => Err(PortError::new(
                "secretsmanager",
                "GetSecretValue",
                PortErrorKind::Rejected,
                "ResourceNotFoundException: Secrets Manager can't find the specified secret.",
            )),
        }
    }
}
