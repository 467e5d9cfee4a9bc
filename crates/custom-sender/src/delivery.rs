//! Once-only delivery. Lambda invokes the senders asynchronously, retries a failed invocation
//! twice and may deliver one event more than once. One delivery is identified by (source, pool,
//! user, encrypted code): Cognito encrypts every code with a fresh data key, so the ciphertext
//! differs per message and is the same in every retry of it. The account-takeover notice has no
//! code (null): its `EVENT_ID` (one per risk event) stands in. The key is a hash, so the stored
//! record holds neither the user name nor the ciphertext.

use serde_json::Value;
use sha2::{Digest, Sha256};
use trigger_core::idempotency;
use trigger_core::ports::Key;

use crate::source::Channel;

/// How long a delivery record is kept: longer than Lambda's longest asynchronous retry window
/// (an event is retried for at most 6 hours), short enough that a genuine repeat of a message
/// without a code or event id a day later is sent.
pub const DELIVERY_KEEP_SECONDS: i64 = 24 * 60 * 60;

/// What tells one message of a (source, pool, user) from another.
#[derive(Clone, Copy, Debug)]
pub enum Identity<'a> {
    /// The encrypted `request.code`.
    Code(&'a str),
    /// A notice's `EVENT_ID` (the notice has no code): two notices of two risk events are two
    /// deliveries, however close together.
    Event(&'a str),
    /// Neither a code nor an event id: the whole request object, identical in every retry.
    Request(&'a Value),
}

/// The identity of one delivery, as hex. Every part is length-prefixed, so no two different
/// tuples hash alike; an event id is hashed with a marker part, so it never matches a code.
pub fn delivery_id(source: &str, user_pool_id: &str, user_name: &str, identity: Identity<'_>) -> String {
    let mut hash = Sha256::new();
    let request_text;
    let last: &[&str] = match identity {
        Identity::Code(code) => &[code],
        Identity::Event(event_id) => &["EVENT_ID", event_id],
        Identity::Request(request) => {
            request_text = canonical(request);
            &[&request_text]
        }
    };
    for part in [source, user_pool_id, user_name].iter().chain(last) {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `serde_json`'s map is ordered by key (no `preserve_order` feature), so the text of a value is
/// the same for the same content.
fn canonical(value: &Value) -> String {
    value.to_string()
}

/// The idempotency record of one delivery on `channel`
/// (`IDEMPOTENCY#custom-email-sender#<id>`, see `trigger_core::idempotency`).
pub fn delivery_key(channel: Channel, id: &str) -> Key {
    idempotency::key(channel.purpose(), id)
}

/// The `Message-ID` of the e-mail of delivery `key`, sent from `from`: `<id@from's domain>`,
/// the same in every retry of the delivery, so that a receiving system can drop a duplicate
/// should one slip through (a send that timed out after the server had taken the message).
pub fn message_id(key: &Key, from: &str) -> Option<String> {
    let id = key.pk.rsplit('#').next()?;
    trigger_core::ports::message_id(id, from)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn one_delivery_one_key_and_any_difference_another() {
        let request = json!({ "code": "AYADeB…", "userAttributes": { "email": "a@example.com" } });
        let code = Identity::Code("AYADeB…");
        let id = delivery_id("CustomEmailSender_SignUp", "pool", "jane", code);
        assert_eq!(id.len(), 64);
        assert_eq!(id, delivery_id("CustomEmailSender_SignUp", "pool", "jane", code));
        let others = [
            delivery_id("CustomEmailSender_ResendCode", "pool", "jane", code),
            delivery_id("CustomEmailSender_SignUp", "pool2", "jane", code),
            delivery_id("CustomEmailSender_SignUp", "pool", "jane2", code),
            delivery_id("CustomEmailSender_SignUp", "pool", "jane", Identity::Code("AYADeC…")),
            // Length prefixes: moving a character from one part to the next is another delivery.
            delivery_id("CustomEmailSender_SignUp", "poolj", "ane", code),
            delivery_id("CustomEmailSender_SignUp", "pool", "jane", Identity::Event("AYADeB…")),
            delivery_id("CustomEmailSender_SignUp", "pool", "jane", Identity::Request(&request)),
        ];
        for other in others {
            assert_ne!(other, id);
        }
        assert!(!id.contains("jane"), "the record holds no user name");
    }

    #[test]
    fn a_notice_is_keyed_by_its_event_id_or_else_its_request() {
        let notice = json!({ "userAttributes": { "email": "a@example.com" }, "clientMetadata": {} });
        let reordered: Value =
            serde_json::from_str(r#"{ "clientMetadata": {}, "userAttributes": { "email": "a@example.com" } }"#)
                .unwrap();
        let source = "CustomEmailSender_AccountTakeOverNotification";
        let id = delivery_id(source, "pool", "jane", Identity::Request(&notice));
        assert_eq!(id, delivery_id(source, "pool", "jane", Identity::Request(&reordered)), "same content, same key");
        let later = json!({ "userAttributes": { "email": "b@example.com" }, "clientMetadata": {} });
        assert_ne!(id, delivery_id(source, "pool", "jane", Identity::Request(&later)));
        let event = delivery_id(source, "pool", "jane", Identity::Event("8b2e-1"));
        assert_eq!(event, delivery_id(source, "pool", "jane", Identity::Event("8b2e-1")), "a retry");
        assert_ne!(event, delivery_id(source, "pool", "jane", Identity::Event("8b2e-2")), "another risk event");
        let key = delivery_key(Channel::Email, &id);
        assert_eq!(key.pk, format!("IDEMPOTENCY#custom-email-sender#{id}"));
        assert_eq!(key.sk, "CLAIM");
        assert_eq!(message_id(&key, "no-reply@mail.example.com"), Some(format!("<{id}@mail.example.com>")));
    }
}
