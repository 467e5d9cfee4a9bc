use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::ports::{Email, Mailer, PortError, PortErrorKind, SentEmail};

/// Records every message it is asked to send.
#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<Email>>,
    outage: Outage,
}

impl RecordingMailer {
    pub fn sent(&self) -> Vec<Email> {
        lock(&self.sent).clone()
    }

    /// How many messages were sent (without copying them: benches check it after every call).
    pub fn count(&self) -> usize {
        lock(&self.sent).len()
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, email: &Email) -> Result<SentEmail, PortError> {
        self.outage.check("sesv2", "SendEmail")?;
        let mut sent = lock(&self.sent);
        sent.push(email.clone());
        Ok(SentEmail { message_id: format!("fake-{}", sent.len()) })
    }
}
