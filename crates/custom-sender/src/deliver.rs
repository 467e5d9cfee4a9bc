//! The flow both senders run, around their one difference (the channel's send): decrypt the
//! code, then send at most once per delivery under the idempotency record of [`Outgoing::key`].
//!
//! Failure policy (asynchronous invocation: Cognito does not wait, Lambda retries a failed
//! invocation twice and then hands it to the function's failure destination):
//! - every transient failure is an invocation error, so that the retry and the destination see it
//!   — a code that was never sent cannot be "failed open": throttling, a 5xx, a connection that
//!   failed or timed out, and credentials the provider refused (`Unauthorized`, after one re-read
//!   of the secret: the recipient was not refused, a fixed secret lets the retry send);
//! - a failed send gives its claim back (`FAILED`), so the retry sends; a send that succeeded is
//!   never repeated while the record lives ([`DELIVERY_KEEP_SECONDS`]);
//! - a permanent refusal (`Rejected`: a recipient the provider refuses, an SMTP 5xx reply, an
//!   HTTP 4xx other than 401/403/429) settles the record as `REFUSED`, is counted (`SendRefused`)
//!   and logged with its class, and the invocation succeeds: the same message would be refused
//!   again, so neither Lambda's retries nor a duplicate delivery of the event sends it again;
//! - the code and the plaintext reach neither a log line nor an error text.

use std::future::Future;

use trigger_core::TriggerError;
use trigger_core::idempotency::{self, Lease, Settled};
use trigger_core::logging::Secret;
use trigger_core::metrics;
use trigger_core::ports::{
    Clock, CodeDecryptor, DecryptError, DirectoryUser, PortError, PortErrorKind, Store, UserLookup,
};
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
/// send failed or ran out of time, and fail the invocation so that Lambda retries it; or, when the
/// provider refused the message for good, settle the delivery as refused and succeed.
pub async fn send_once<F>(
    trigger: &str,
    store: &dyn Store,
    clock: &dyn Clock,
    outgoing: &Outgoing,
    send: F,
) -> Result<Settled, TriggerError>
where
    F: Future<Output = Result<(), PortError>> + Send,
{
    let now = clock.epoch_seconds();
    let settled = idempotency::run_once_or_refuse(
        store,
        &outgoing.key,
        DELIVERY_LEASE,
        now,
        invocation_deadline(),
        send,
        is_permanent_refusal,
    )
    .await;
    let kind = &outgoing.message.kind;
    match settled {
        Ok(Settled::Done) => {
            metrics::count(trigger, "Sent");
            tracing::info!(kind = %kind, locale = %outgoing.message.locale, "message sent");
            Ok(Settled::Done)
        }
        Ok(Settled::Refused(err)) => {
            metrics::count(trigger, "SendRefused");
            tracing::warn!(
                kind = %kind, class = %err.kind, provider = err.service, step = err.operation, detail = %err.detail,
                "message refused by the provider for good: not sent, never retried"
            );
            Ok(Settled::Refused(err))
        }
        Ok(other) => {
            metrics::count(trigger, "Duplicate");
            tracing::info!(kind = %kind, outcome = ?other, "repeated delivery: not sent again");
            Ok(other)
        }
        Err(err) => {
            metrics::count(trigger, "SendFailed");
            if err.kind == PortErrorKind::Unauthorized {
                metrics::count(trigger, "SendUnauthorized");
            }
            tracing::warn!(kind = %kind, class = %err.kind, provider = err.service, "send failed: the retry sends");
            Err(TriggerError::Port(err))
        }
    }
}

/// A failure that sending again cannot mend: the provider refused this message (`Rejected`).
/// Credentials it refused (`Unauthorized`) are not: the secret can be fixed or rotated.
pub fn is_permanent_refusal(err: &PortError) -> bool {
    err.kind == PortErrorKind::Rejected
}
