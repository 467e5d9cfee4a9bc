//! The SMS port (SNS `Publish` to a phone number in production).

use async_trait::async_trait;

use super::PortError;

/// One text message. `to` is an E.164 number (`+4915112345678`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sms {
    pub to: String,
    pub text: String,
}

/// What the SMS service said about a sent message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentSms {
    pub message_id: String,
}

#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends one message. Not idempotent by itself: callers that may run twice claim an
    /// idempotency record in the store first.
    async fn send(&self, sms: &Sms) -> Result<SentSms, PortError>;
}
