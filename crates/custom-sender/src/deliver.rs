//! The flow both senders run, around their one difference (the channel's send): decrypt the
//! code, then send at most once per delivery under the idempotency record of [`Outgoing::key`].
//!
//! Failure policy (asynchronous invocation: Cognito does not wait, Lambda retries a failed
//! invocation twice and then hands it to the function's failure destination):
//! - every failure is an invocation error, so that the retry and the destination see it — a code
//!   that was never sent cannot be "failed open";
//! - a failed send gives its claim back (`FAILED`), so the retry sends; a send that succeeded is
//!   never repeated while the record lives ([`DELIVERY_KEEP_SECONDS`]);
//! - the code and the plaintext reach neither a log line nor an error text.

use std::future::Future;

use trigger_core::TriggerError;
use trigger_core::idempotency::{self, Lease, Once};
use trigger_core::logging::Secret;
use trigger_core::metrics;
use trigger_core::ports::{Clock, CodeDecryptor, DecryptError, DirectoryUser, PortError, Store, UserLookup};
use trigger_core::runtime::invocation_deadline;

use crate::delivery::DELIVERY_KEEP_SECONDS;
use crate::plan::{Envelope, Outgoing, SenderError};

/// The claim outlives any invocation of a sender (its function timeout is at most 10 s, see
/// infra), so a live claim always belongs to a running invocation; Lambda's first asynchronous
/// retry comes a minute after a failure, when the lease is long over.
pub const DELIVERY_LEASE: Lease = Lease { lease_seconds: 30, keep_seconds: DELIVERY_KEEP_SECONDS };

/// The plaintext of `request.code` (absent for the account-takeover notice). A failure is
/// counted (`DecryptMalformed`, `DecryptRefused`, `DecryptUnavailable`) and is an error.
pub async fn decrypt_code(
    trigger: &str,
    decryptor: &dyn CodeDecryptor,
    code: Option<&Secret<String>>,
    user_pool_id: &str,
) -> Result<Option<Secret<String>>, TriggerError> {
    let Some(code) = code else { return Ok(None) };
    match decryptor.decrypt(code, user_pool_id).await {
        Ok(plaintext) => Ok(Some(plaintext)),
        Err(err) => {
            metrics::count(trigger, err.metric());
            Err(match err {
                DecryptError::Port(port) => TriggerError::Port(port),
                refused => TriggerError::BadEvent(format!("request.code: {refused}")),
            })
        }
    }
}

/// The user's directory entry (`AdminGetUser`), when [`Envelope::user_to_look_up`] asks for it:
/// the account-takeover notice names no address. `None` when nothing needs looking up, or when
/// the directory has no such user (planning then refuses: no recipient). A directory failure is
/// counted (`DirectoryFailed`) and is the invocation's error, so that Lambda's retry asks again.
pub async fn look_up_recipient(
    trigger: &str,
    directory: &dyn UserLookup,
    envelope: &Envelope<'_>,
) -> Result<Option<DirectoryUser>, TriggerError> {
    let Some(user_name) = envelope.user_to_look_up() else { return Ok(None) };
    match directory.lookup_user(envelope.user_pool_id, user_name).await {
        Ok(user) => Ok(user),
        Err(err) => {
            metrics::count(trigger, "DirectoryFailed");
            Err(TriggerError::Port(err))
        }
    }
}

/// Why nothing could be planned, as the invocation's error (counted as `NotSent`).
pub fn not_planned(trigger: &str, err: SenderError) -> TriggerError {
    metrics::count(trigger, "NotSent");
    TriggerError::BadEvent(err.to_string())
}

/// Sends `outgoing` through `send` once: claim, send, complete — or give the claim back when the
/// send failed or ran out of time, and fail the invocation so that Lambda retries it.
pub async fn send_once<F>(
    trigger: &str,
    store: &dyn Store,
    clock: &dyn Clock,
    outgoing: &Outgoing,
    send: F,
) -> Result<Once, TriggerError>
where
    F: Future<Output = Result<(), PortError>> + Send,
{
    let once =
        idempotency::run_once(store, &outgoing.key, DELIVERY_LEASE, clock.epoch_seconds(), invocation_deadline(), send)
            .await;
    match once {
        Ok(Once::Done) => {
            metrics::count(trigger, "Sent");
            tracing::info!(kind = %outgoing.message.kind, locale = %outgoing.message.locale, "message sent");
            Ok(Once::Done)
        }
        Ok(other) => {
            metrics::count(trigger, "Duplicate");
            tracing::info!(kind = %outgoing.message.kind, outcome = ?other, "repeated delivery: not sent again");
            Ok(other)
        }
        Err(err) => {
            metrics::count(trigger, "SendFailed");
            Err(TriggerError::Port(err))
        }
    }
}
