//! From an event, its decrypted code and (for a notice without an address) the user's directory
//! entry to what the sender sends: the message, to whom, and the key of the delivery. Plain
//! functions; the binaries decrypt and look up before and send after.

use message_catalogue::{Catalogue, Message, MessageKind, RenderError, Slot, Values};
use serde_json::Value;
use trigger_core::events::{CustomEmailSenderEvent, CustomSenderRequest, CustomSmsSenderEvent};
use trigger_core::logging::Secret;
use trigger_core::ports::{DirectoryUser, Key};

use crate::delivery::{Identity, delivery_id, delivery_key};
use crate::html::unescape;
use crate::notice::{event_id, notice};
use crate::source::{Channel, email_kind, sms_kind};

/// One message to send, once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub channel: Channel,
    /// The idempotency record that makes the send happen once (claim before, complete after,
    /// abandon on failure: `trigger_core::idempotency`).
    pub key: Key,
    /// The e-mail address or phone number (E.164): the event's attribute, or for a notice that
    /// carries none the user's directory entry.
    pub to: String,
    pub message: Message,
}

/// Why nothing can be sent. Every one is an invocation error for the binary, so that Lambda's
/// retries and the function's failure destination see it; none carries a code or an address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    #[error("unknown source {0}: this build does not know which message to send")]
    UnknownSource(String),
    #[error("the user has no {0} attribute: nowhere to send the message")]
    NoRecipient(&'static str),
    #[error("the {0} message needs a code and the event has none")]
    NoCode(MessageKind),
    #[error("message not rendered: {0}")]
    Render(#[from] RenderError),
}

/// One custom sender event, whichever channel: what planning reads.
pub struct Envelope<'a> {
    pub channel: Channel,
    pub source: &'a str,
    /// `None` for a source this build does not know.
    pub kind: Option<MessageKind>,
    pub user_pool_id: &'a str,
    pub user_name: &'a str,
    pub request: &'a CustomSenderRequest,
}

impl<'a> Envelope<'a> {
    pub fn email(event: &'a CustomEmailSenderEvent) -> Self {
        Self {
            channel: Channel::Email,
            source: event.trigger_source.as_str(),
            kind: email_kind(&event.trigger_source),
            user_pool_id: &event.user_pool_id,
            user_name: &event.user_name,
            request: &event.request,
        }
    }

    pub fn sms(event: &'a CustomSmsSenderEvent) -> Self {
        Self {
            channel: Channel::Sms,
            source: event.trigger_source.as_str(),
            kind: sms_kind(&event.trigger_source),
            user_pool_id: &event.user_pool_id,
            user_name: &event.user_name,
            request: &event.request,
        }
    }

    /// The attribute the channel sends to.
    pub fn recipient_attribute(&self) -> &'static str {
        match self.channel {
            Channel::Email => "email",
            Channel::Sms => "phone_number",
        }
    }

    /// The `request.code` to decrypt: only for a message that prints one. The notice has none to
    /// decrypt (Cognito sends null), and whatever a future one carries is never decrypted; an
    /// unknown source is refused before anything is decrypted.
    pub fn code_to_decrypt(&self) -> Option<&'a Secret<String>> {
        self.request.code.as_ref().filter(|_| self.kind.is_some_and(MessageKind::needs_code))
    }

    /// The user whose directory entry gives the recipient: only for a message without a code
    /// (the notice) whose event names no address. A code always goes to the address in the event
    /// (for an attribute update that is the new, unverified one: never the directory's).
    pub fn user_to_look_up(&self) -> Option<&'a str> {
        let notice = self.kind.is_some_and(|kind| !kind.needs_code());
        if !notice || self.request.attribute(self.recipient_attribute()).is_some() {
            return None;
        }
        Some(self.user_name).filter(|u| !u.trim().is_empty()).or_else(|| self.request.attribute("USER_NAME"))
    }
}

/// An attribute as non-blank text: the event's, else the directory entry's.
fn attribute<'a>(request: &'a CustomSenderRequest, profile: Option<&'a DirectoryUser>, name: &str) -> Option<&'a str> {
    request.attribute(name).or_else(|| profile.and_then(|user| user.attribute(name)).filter(|v| !v.trim().is_empty()))
}

/// What a sender's templates are filled with: the plaintext code (Cognito escapes temporary
/// passwords for HTML; decoded here, escaped again by the HTML body only), the user name, the
/// user's display name and address, and for the account-takeover notice what it reports. No
/// verification link: the senders receive none.
fn values(
    kind: MessageKind,
    envelope: &Envelope<'_>,
    profile: Option<&DirectoryUser>,
    to: &str,
    code: Option<&str>,
) -> Values {
    let request = envelope.request;
    let notice_kind = !kind.needs_code();
    Values {
        code: code.filter(|_| kind.needs_code()).map(|c| Slot::Text(unescape(c))),
        username: (!envelope.user_name.is_empty()).then(|| Slot::Text(envelope.user_name.to_owned())),
        link: None,
        name: attribute(request, profile, "given_name")
            .or_else(|| attribute(request, profile, "name"))
            .map(str::to_owned),
        email: match envelope.channel {
            Channel::Email => Some(to.to_owned()),
            Channel::Sms => attribute(request, profile, "email").map(str::to_owned),
        },
        notice: notice_kind.then(|| notice(request)),
    }
}

/// The message for one event. `code` is the decrypted `request.code`; `profile` the user's
/// directory entry when [`Envelope::user_to_look_up`] asked for it (its address, name and
/// locale stand in for what the notice does not carry).
pub fn plan(
    envelope: &Envelope<'_>,
    catalogue: &Catalogue,
    code: Option<&str>,
    profile: Option<&DirectoryUser>,
) -> Result<Outgoing, SenderError> {
    let request = envelope.request;
    let kind = envelope.kind.ok_or_else(|| SenderError::UnknownSource(envelope.source.to_owned()))?;
    if kind.needs_code() && code.is_none_or(str::is_empty) {
        return Err(SenderError::NoCode(kind));
    }
    let recipient = envelope.recipient_attribute();
    // A code goes to the event's address only; the directory stands in for a notice alone.
    let profile = profile.filter(|_| !kind.needs_code());
    let to = attribute(request, profile, recipient).ok_or(SenderError::NoRecipient(recipient))?.to_owned();
    let whole_request;
    let identity = match (request.code.as_ref().filter(|_| kind.needs_code()), event_id(request)) {
        (Some(encrypted), _) => Identity::Code(encrypted.expose()),
        // One notice per risk event: a retry carries the same EVENT_ID, another notice (another
        // sign-in, even the same day) another one.
        (None, Some(event)) => Identity::Event(event),
        (None, None) => {
            whole_request = serde_json::to_value(request).unwrap_or(Value::Null);
            Identity::Request(&whole_request)
        }
    };
    let id = delivery_id(envelope.source, envelope.user_pool_id, envelope.user_name, identity);
    let locale = catalogue
        .locale_for([attribute(request, profile, "locale"), request.client_metadata.get("locale").map(String::as_str)]);
    let message = catalogue.render(locale, kind, &values(kind, envelope, profile, &to, code))?;
    Ok(Outgoing { channel: envelope.channel, key: delivery_key(envelope.channel, &id), to, message })
}

/// The e-mail for a custom e-mail sender event, given the decrypted `code` and, for a notice
/// without an address, the user's directory entry.
pub fn plan_email(
    event: &CustomEmailSenderEvent,
    catalogue: &Catalogue,
    code: Option<&str>,
    profile: Option<&DirectoryUser>,
) -> Result<Outgoing, SenderError> {
    plan(&Envelope::email(event), catalogue, code, profile)
}

/// The SMS for a custom SMS sender event, given the decrypted `code` and, for a notice without
/// a number, the user's directory entry.
pub fn plan_sms(
    event: &CustomSmsSenderEvent,
    catalogue: &Catalogue,
    code: Option<&str>,
    profile: Option<&DirectoryUser>,
) -> Result<Outgoing, SenderError> {
    plan(&Envelope::sms(event), catalogue, code, profile)
}
