//! An e-mail sent at most once per key, under Step Functions' retries and re-runs
//! (`trigger_core::idempotency`: claim, send, complete; give the claim back if sending failed).

use trigger_core::TriggerError;
use trigger_core::idempotency::{self, Claim};
use trigger_core::metrics;
use trigger_core::ports::{Email, Key, Mailer, PortError, PortErrorKind, Store};

/// How long the records are kept: longer than any sensible reminder window, so that a re-run of
/// an old execution's step still finds them.
pub const KEEP_SECONDS: i64 = 90 * 24 * 3600;

/// Whether this call sent the message (`false`: an earlier call did).
pub async fn send_once(
    store: &dyn Store,
    mailer: &dyn Mailer,
    key: &Key,
    email: &Email,
    now: i64,
) -> Result<bool, TriggerError> {
    match idempotency::claim(store, key, now, KEEP_SECONDS).await? {
        Claim::AlreadyDone => return Ok(false),
        // Another attempt holds a live claim (or died holding it): fail so that Step Functions
        // retries after its interval, by which time the claim is completed or its lease is over.
        Claim::InProgress => {
            return Err(PortError::new(
                "dynamodb",
                "idempotency-claim",
                PortErrorKind::Unavailable,
                "another attempt holds the claim",
            )
            .into());
        }
        Claim::Claimed => {}
    }
    if let Err(err) = mailer.send(email).await {
        if let Err(abandon) = idempotency::abandon(store, key).await {
            tracing::warn!(error = %abandon, "could not give the claim back; a retry waits for its lease");
        }
        return Err(err.into());
    }
    // The message is out: a failure to record that must not fail the step (a retry would send
    // it again once the lease is over).
    if let Err(err) = idempotency::complete(store, key, now).await {
        metrics::count(crate::NAME, "IdempotencyCompleteFailed");
        tracing::warn!(error = %err, "sent, but could not mark the claim done");
    }
    Ok(true)
}
