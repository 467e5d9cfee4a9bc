//! The welcome e-mail: the catalogue's `welcome` message in the user's language, sent at most
//! once per user however often Cognito invokes the trigger. `trigger_core::idempotency::run_once`
//! claims a record before the send, marks it done after, and gives it back (kept as `FAILED`,
//! visible to an operator) when the send failed or ran out of time, so that Cognito's retry
//! finds it free and sends.

use std::collections::HashMap;

use message_catalogue::{Catalogue, MessageKind, RenderError, Slot, Values};
use trigger_core::idempotency::{self, Lease, Once};
use trigger_core::ports::{Email, Mailer, PortError, Store};
use trigger_core::runtime::invocation_deadline;

use crate::settings::Welcome;

/// The lease outlives any one invocation (Cognito gives a trigger 5 s); the record is kept far
/// beyond any retry of one confirmation.
pub const LEASE: Lease = Lease { lease_seconds: 10, keep_seconds: 30 * 24 * 3600 };
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

/// Who the welcome e-mail is for, as the confirmation event tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recipient<'a> {
    pub user_pool_id: &'a str,
    /// The user's `sub`: the idempotency record is per user, not per address.
    pub sub: &'a str,
    pub to: &'a str,
    pub user_name: &'a str,
    pub attributes: &'a HashMap<String, String>,
    pub client_metadata: &'a HashMap<String, String>,
}

impl Recipient<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }
}

/// The once-only record of `recipient`'s welcome e-mail.
pub fn key(recipient: &Recipient<'_>) -> trigger_core::ports::Key {
    idempotency::key(PURPOSE, &format!("{}#{}", recipient.user_pool_id, recipient.sub))
}

/// The welcome e-mail, in the user's language: the `locale` attribute, then
/// `clientMetadata.locale`, then the catalogue's default (the rule of every catalogue message).
/// The greeting names the user by `name`, else `given_name` (user-supplied: escaped in HTML).
pub fn compose(welcome: &Welcome, recipient: &Recipient<'_>) -> Result<Email, RenderError> {
    let catalogue: &Catalogue = &welcome.catalogue;
    let metadata_locale = recipient.client_metadata.get("locale").map(String::as_str);
    let locale = catalogue.locale_for([recipient.attribute("locale"), metadata_locale]);
    let values = Values {
        username: Some(Slot::Text(recipient.user_name.to_owned())),
        name: recipient.attribute("name").or_else(|| recipient.attribute("given_name")).map(str::to_owned),
        email: Some(recipient.to.to_owned()),
        ..Values::default()
    };
    let message = catalogue.render(locale, MessageKind::Welcome, &values)?;
    Ok(Email {
        from: welcome.from.clone(),
        to: recipient.to.to_owned(),
        subject: message.subject,
        text: message.text,
        html: Some(message.html),
        // Sent through SES, which sets its own (the idempotency record keeps it to one send).
        message_id: None,
    })
}

/// Sends `email` (the welcome e-mail to `recipient`), once.
pub async fn send_once(
    store: &dyn Store,
    mailer: &dyn Mailer,
    recipient: &Recipient<'_>,
    email: &Email,
    now: i64,
) -> Result<Outcome, PortError> {
    let send = async { mailer.send(email).await.map(|_| ()) };
    Ok(match idempotency::run_once(store, &key(recipient), LEASE, now, invocation_deadline(), send).await? {
        Once::Done => Outcome::Sent,
        Once::AlreadyDone => Outcome::AlreadySent,
        Once::InProgress => Outcome::InProgress,
    })
}
