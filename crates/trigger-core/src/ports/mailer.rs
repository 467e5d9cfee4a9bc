//! The mailer port (SESv2 in production).

use async_trait::async_trait;

use super::PortError;

/// One e-mail. Values placed into `html` must already be HTML-escaped by the template that built
/// it (`trigger_core::html::escape`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Email {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// The `Message-ID` to send with (`<id@domain>`, see [`message_id`]): the same in every
    /// retry of one delivery, so that a receiving system can drop a duplicate. `None`: the
    /// provider makes one up. SES replaces any `Message-ID` with its own, so its adapter sends
    /// none (docs/triggers/custom-email-sender.md).
    pub message_id: Option<String>,
}

/// A `Message-ID` (RFC 5322 `msg-id`) for delivery `id` (the hex of an idempotency key) sent
/// from `from`: `<id@domain-of-from>`. Derived, not random, so that every retry of a delivery
/// carries the same one. `None` when `id` is not plain `[0-9A-Za-z-]` text or `from` has no domain.
pub fn message_id(id: &str, from: &str) -> Option<String> {
    let domain = from.rsplit_once('@').map(|(_, domain)| domain.trim_end_matches('>'))?;
    let plain = |text: &str, extra: &[char]| {
        !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
    };
    (plain(id, &['-']) && plain(domain, &['-', '.'])).then(|| format!("<{id}@{domain}>"))
}

/// What the mail service said about a sent message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentEmail {
    pub message_id: String,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one message. Not idempotent by itself: callers that may run twice claim an
    /// idempotency record in the store first.
    async fn send(&self, email: &Email) -> Result<SentEmail, PortError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_id_is_the_delivery_id_at_the_senders_domain_and_nothing_else() {
        assert_eq!(message_id("9f86d081", "no-reply@mail.example.com").as_deref(), Some("<9f86d081@mail.example.com>"));
        assert_eq!(message_id("9f86d081", "no-reply@mail.example.com"), message_id("9f86d081", "x@mail.example.com"));
        for (id, from) in [
            ("", "a@example.com"),
            ("9f8 6", "a@example.com"),
            ("9f86>", "a@example.com"),
            ("9f86", "no-domain"),
            ("9f86", "a@exa mple.com"),
            ("9f86", "a@"),
        ] {
            assert_eq!(message_id(id, from), None, "{id:?} {from:?}");
        }
    }
}
