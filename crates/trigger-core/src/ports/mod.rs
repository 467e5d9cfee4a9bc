//! The ports: small traits for what the triggers need from the outside world. Trigger logic
//! takes them as `&dyn Port`; `crate::aws` implements them on the AWS SDK, `crate::fakes` in
//! memory for unit tests. Expected outcomes (a lost condition, "already exists", "not found") are
//! typed `Ok` values; `Err` is a [`PortError`], a failure after the adapter's retries.

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
pub(crate) mod store;

pub use clock::{Clock, SystemClock};
pub use decryptor::{CodeDecryptor, DecryptError};
pub use directory::{
    CreateOutcome, DeleteOutcome, DirectoryUser, LinkOutcome, ProviderUser, SearchableAttribute, UserDirectory,
    UserLookup, UserPage, UserStatus, linked_identities,
};
pub use events::{BusEvent, EventPublisher, PutOutcome};
pub use legacy_users::{LegacyUser, LegacyUsers};
pub use mailer::{Email, Mailer, SentEmail, message_id};
pub use old_pool::{OldPoolMfa, OldPoolSignIn, OldPoolUserMfa, OldUserPool};
pub use scheduler::{NoScheduler, Scheduler, StartOutcome, execution_name_is_valid};
pub use secrets::{ParseSecret, RotatingSecret, SecretSource, json_object, text_field};
pub use sms::{SentSms, Sms, SmsSender};
pub use store::{
    AttrValue, CompareOp, Condition, EXPIRES_AT, Item, Key, PK, SK, Store, Update, UpdateOutcome, WriteOutcome,
};

use std::fmt;

/// What went wrong with a call, in the terms a failure policy needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortErrorKind {
    /// No answer within the attempt or operation timeout.
    Timeout,
    /// The service throttled us (after retries).
    Throttled,
    /// The service could not be reached or failed (5xx, connection, dispatch).
    Unavailable,
    /// The service refused the request (4xx we did not expect): a bug or a misconfiguration.
    /// From a delivery provider: a permanent refusal of the message (a bad recipient, an SMTP
    /// 5xx reply, an HTTP 4xx other than 401/403/429) that sending again would not change.
    Rejected,
    /// A delivery provider refused our credentials (SMTP 535, HTTP 401/403): the secret may have
    /// been rotated (see [`RotatingSecret`]). Transient: the recipient was not refused.
    Unauthorized,
}

impl fmt::Display for PortErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timeout",
            Self::Throttled => "throttled",
            Self::Unavailable => "unavailable",
            Self::Rejected => "rejected",
            Self::Unauthorized => "unauthorized",
        })
    }
}

/// A call through a port that failed. The detail is for logs only.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{service} {operation} failed ({kind}): {detail}")]
pub struct PortError {
    pub service: &'static str,
    pub operation: &'static str,
    pub kind: PortErrorKind,
    pub detail: String,
}

impl PortError {
    pub fn new(service: &'static str, operation: &'static str, kind: PortErrorKind, detail: impl Into<String>) -> Self {
        Self { service, operation, kind, detail: detail.into() }
    }

    /// True when trying again later may succeed (the basis of fail-open/fail-closed policies).
    pub fn is_transient(&self) -> bool {
        !matches!(self.kind, PortErrorKind::Rejected)
    }
}
