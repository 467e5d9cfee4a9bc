//! The welcome e-mail, sent at most once per user however often Cognito invokes the trigger:
//! an idempotency record is claimed before the send, marked done after it, and given back when
//! the send failed so that a retry can send.

use trigger_core::idempotency::{self, Claim};
use trigger_core::ports::{Email, Mailer, PortError, Store};

use crate::settings::Welcome;
use crate::template::Values;

/// The record is kept this long: far beyond any retry of one confirmation.
pub const KEEP_SECONDS: i64 = 30 * 24 * 3600;
pub const SUBJECT: &str = "Welcome";
const PURPOSE: &str = "welcome";

/// What [`send_once`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Another invocation sent it, or is sending it now.
    AlreadyHandled,
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

/// Sends the welcome e-mail to `recipient`, once.
pub async fn send_once(
    store: &dyn Store,
    mailer: &dyn Mailer,
    welcome: &Welcome,
    recipient: &Recipient<'_>,
    now: i64,
) -> Result<Outcome, PortError> {
    let key = idempotency::key(PURPOSE, &format!("{}#{}", recipient.user_pool_id, recipient.sub));
    match idempotency::claim(store, &key, now, KEEP_SECONDS).await? {
        Claim::Claimed => {}
        Claim::AlreadyDone | Claim::InProgress => return Ok(Outcome::AlreadyHandled),
    }
    let email = Email {
        from: welcome.from.clone(),
        to: recipient.to.to_owned(),
        subject: SUBJECT.to_owned(),
        text: welcome.template.text(&recipient.values),
        html: Some(welcome.template.html(&recipient.values)),
    };
    if let Err(err) = mailer.send(&email).await {
        // Give the claim back so that Cognito's retry (or the next invocation) can send.
        if let Err(abandon) = idempotency::abandon(store, &key).await {
            tracing::warn!(error = %abandon, "could not release the welcome e-mail claim; it frees itself after the lease");
        }
        return Err(err);
    }
    if let Err(err) = idempotency::complete(store, &key, now).await {
        // The e-mail went out: failing now would only make a retry send it again after the lease.
        tracing::warn!(error = %err, "welcome e-mail sent but its record could not be marked done");
    }
    Ok(Outcome::Sent)
}
