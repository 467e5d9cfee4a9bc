//! The mailer port (SESv2 in production).

use async_trait::async_trait;

use super::PortError;

/// One e-mail. Values placed into `html` must already be HTML-escaped by the template that built
/// it (`trigger_core::html::escape`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
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
