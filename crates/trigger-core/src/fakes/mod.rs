//! In-memory fakes of every port, for unit tests. They follow the same
//! contract as the AWS adapters: `crates/trigger-core/tests/store_contract.rs` runs one suite
//! against both the fake store and DynamoDB (moto), so the fake cannot drift.

mod clock;
mod decryptor;
mod directory;
mod events;
mod legacy_users;
mod mailer;
mod old_pool;
mod scheduler;
mod secrets;
mod sms;
mod store;

pub use clock::FixedClock;
pub use decryptor::FakeDecryptor;
pub use directory::FakeDirectory;
pub use events::RecordingBus;
pub use legacy_users::InMemoryLegacyUsers;
pub use mailer::RecordingMailer;
pub use old_pool::{FakeOldPool, OldPoolUser};
pub use scheduler::{RecordingScheduler, StartedExecution};
pub use secrets::FakeSecrets;
pub use sms::RecordingSms;
pub use store::{InMemoryStore, Interleaving};

use std::sync::{Mutex, MutexGuard};

use crate::ports::{PortError, PortErrorKind};

/// Locks a fake's state; a test that panicked while holding it has failed already.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A switch that makes every call of a fake fail, to test failure policies.
#[derive(Debug, Default)]
struct Outage(Mutex<Option<PortErrorKind>>);

impl Outage {
    fn set(&self, kind: Option<PortErrorKind>) {
        *lock(&self.0) = kind;
    }

    fn check(&self, service: &'static str, operation: &'static str) -> Result<(), PortError> {
        match *lock(&self.0) {
            Some(kind) => Err(PortError::new(service, operation, kind, "injected outage")),
            None => Ok(()),
        }
    }
}
