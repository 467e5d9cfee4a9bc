//! The welcome e-mail, sent at most once per user however often Cognito invokes the trigger:
//! `trigger_core::idempotency::run_once` claims a record before the send, marks it done after,
//! and gives it back (kept as `FAILED`, visible to an operator) when the send failed or ran out
//! of time, so that Cognito's retry finds it free and sends.

use trigger_core::idempotency::{self, Lease, Once};
use trigger_core::ports::{Email, Mailer, PortError, Store};
use trigger_core::runtime::invocation_deadline;

use crate::settings::Welcome;
use crate::template::Values;

/// The lease outlives any one invocation (Cognito gives a trigger 5 s); the record is kept far
/// beyond any retry of one confirmation.
pub const LEASE: Lease = Lease { lease_seconds: 10, keep_seconds: 30 * 24 * 3600 };
pub const SUBJECT: &str = "Welcome";
const PURPOSE: &str = "welcome";

/// What [`send_once`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// An earlier invocation sent it.
    AlreadySent,
    /// Another invocation is sending it now (it completes, or gives the claim back for a retry).
    InProgress,
}

/// Who the welcome e-mail is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient<'a> {
    pub user_pool_id: &'a str,
    /// The user's `sub`: the idempotency record is per user, not per address.
    pub sub: &'a str,
    pub to: &'a str,
    pub values: Values,
}

/// The once-only record of `recipient`'s welcome e-mail.
pub fn key(recipient: &Recipient<'_>) -> trigger_core::ports::Key {
    idempotency::key(PURPOSE, &format!("{}#{}", recipient.user_pool_id, recipient.sub))
}

/// Sends the welcome e-mail to `recipient`, once.
pub async fn send_once(
    store: &dyn Store,
    mailer: &dyn Mailer,
    welcome: &Welcome,
    recipient: &Recipient<'_>,
    now: i64,
) -> Result<Outcome, PortError> {
    let email = Email {
        from: welcome.from.clone(),
        to: recipient.to.to_owned(),
        subject: SUBJECT.to_owned(),
        text: welcome.template.text(&recipient.values),
        html: Some(welcome.template.html(&recipient.values)),
    };
    let send = async { mailer.send(&email).await.map(|_| ()) };
    Ok(match idempotency::run_once(store, &key(recipient), LEASE, now, invocation_deadline(), send).await? {
        Once::Done => Outcome::Sent,
        Once::AlreadyDone => Outcome::AlreadySent,
        Once::InProgress => Outcome::InProgress,
    })
}
