//! From an event and its decrypted code to what the sender sends: the message, to whom, and the
//! key of the delivery. Plain functions; the binaries decrypt before and send after.

use std::collections::HashMap;

use message_catalogue::{Catalogue, Message, MessageKind, RenderError, Slot, Values};
use serde_json::Value;
use trigger_core::events::{CustomEmailSenderEvent, CustomSenderRequest, CustomSmsSenderEvent};
use trigger_core::ports::Key;

use crate::delivery::{delivery_id, delivery_key};
use crate::html::unescape;
use crate::source::{Channel, email_kind, sms_kind};

/// One message to send, once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub channel: Channel,
    /// The idempotency record that makes the send happen once (claim before, complete after,
    /// abandon on failure: `trigger_core::idempotency`).
    pub key: Key,
    /// The e-mail address or phone number (E.164) from the user's attributes.
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

/// The user's attribute as non-blank text.
fn attribute<'a>(attributes: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    attributes.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
}

/// What a sender's templates are filled with: the plaintext code (Cognito escapes temporary
/// passwords for HTML; decoded here, escaped again by the HTML body only), the user name, the
/// user's display name and address. No link: the senders receive none.
fn values(kind: MessageKind, user_name: &str, request: &CustomSenderRequest, code: Option<&str>) -> Values {
    let attributes = &request.user_attributes;
    Values {
        code: code.filter(|_| kind.needs_code()).map(|c| Slot::Text(unescape(c))),
        username: (!user_name.is_empty()).then(|| Slot::Text(user_name.to_owned())),
        link: None,
        name: attribute(attributes, "given_name").or_else(|| attribute(attributes, "name")).map(str::to_owned),
        email: attribute(attributes, "email").map(str::to_owned),
    }
}

struct Envelope<'a> {
    channel: Channel,
    source: &'a str,
    user_pool_id: &'a str,
    user_name: &'a str,
    request: &'a CustomSenderRequest,
}

fn plan(
    envelope: &Envelope<'_>,
    kind: Option<MessageKind>,
    recipient: &'static str,
    catalogue: &Catalogue,
    code: Option<&str>,
) -> Result<Outgoing, SenderError> {
    let request = envelope.request;
    let kind = kind.ok_or_else(|| SenderError::UnknownSource(envelope.source.to_owned()))?;
    if kind.needs_code() && code.is_none_or(str::is_empty) {
        return Err(SenderError::NoCode(kind));
    }
    let to = attribute(&request.user_attributes, recipient).ok_or(SenderError::NoRecipient(recipient))?.to_owned();
    let encrypted = request.code.as_ref().map(|c| c.expose().as_str());
    let whole_request = serde_json::to_value(request).unwrap_or(Value::Null);
    let id = delivery_id(envelope.source, envelope.user_pool_id, envelope.user_name, encrypted, &whole_request);
    let locale = catalogue.locale_for([
        attribute(&request.user_attributes, "locale"),
        request.client_metadata.get("locale").map(String::as_str),
    ]);
    let message = catalogue.render(locale, kind, &values(kind, envelope.user_name, request, code))?;
    Ok(Outgoing { channel: envelope.channel, key: delivery_key(envelope.channel, &id), to, message })
}

/// The e-mail for a custom e-mail sender event, given the decrypted `code`.
pub fn plan_email(
    event: &CustomEmailSenderEvent,
    catalogue: &Catalogue,
    code: Option<&str>,
) -> Result<Outgoing, SenderError> {
    let envelope = Envelope {
        channel: Channel::Email,
        source: event.trigger_source.as_str(),
        user_pool_id: &event.user_pool_id,
        user_name: &event.user_name,
        request: &event.request,
    };
    plan(&envelope, email_kind(&event.trigger_source), "email", catalogue, code)
}

/// The SMS for a custom SMS sender event, given the decrypted `code`.
pub fn plan_sms(
    event: &CustomSmsSenderEvent,
    catalogue: &Catalogue,
    code: Option<&str>,
) -> Result<Outgoing, SenderError> {
    let envelope = Envelope {
        channel: Channel::Sms,
        source: event.trigger_source.as_str(),
        user_pool_id: &event.user_pool_id,
        user_name: &event.user_name,
        request: &event.request,
    };
    plan(&envelope, sms_kind(&event.trigger_source), "phone_number", catalogue, code)
}
