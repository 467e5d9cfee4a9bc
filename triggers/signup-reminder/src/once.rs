//! An e-mail sent at most once per key, under Step Functions' retries and re-runs
//! (`trigger_core::idempotency::run_once`: claim, send, complete; give the claim back if sending
//! failed or ran out of time).

use trigger_core::TriggerError;
use trigger_core::idempotency::{self, Lease, Once};
use trigger_core::ports::{Email, Key, Mailer, PortError, PortErrorKind, Store};
use trigger_core::runtime::invocation_deadline;

/// The lease outlives one invocation (the function's timeout is at most 5 s); the records are
/// kept longer than any sensible reminder window, so that a re-run of an old execution's step
/// still finds them.
pub const LEASE: Lease = Lease { lease_seconds: 10, keep_seconds: 90 * 24 * 3600 };

/// Whether this call sent the message (`false`: an earlier call did).
pub async fn send_once(
    store: &dyn Store,
    mailer: &dyn Mailer,
    key: &Key,
    email: &Email,
    now: i64,
) -> Result<bool, TriggerError> {
    let send = async { mailer.send(email).await.map(|_| ()) };
    match idempotency::run_once(store, key, LEASE, now, invocation_deadline(), send).await? {
        Once::Done => Ok(true),
        Once::AlreadyDone => Ok(false),
        // Another attempt holds a live claim: fail so that Step Functions retries after its
        // interval (30 s, past the lease), by which time the claim is done or free again.
        Once::InProgress => Err(PortError::new(
            "dynamodb",
            "idempotency-claim",
            PortErrorKind::Unavailable,
            "another attempt holds the claim",
        )
        .into()),
    }
}
