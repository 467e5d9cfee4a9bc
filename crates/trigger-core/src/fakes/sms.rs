use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::ports::{PortError, PortErrorKind, SentSms, Sms, SmsSender};

/// Records every text message it is asked to send.
#[derive(Debug, Default)]
pub struct RecordingSms {
    sent: Mutex<Vec<Sms>>,
    outage: Outage,
}

impl RecordingSms {
    pub fn sent(&self) -> Vec<Sms> {
        lock(&self.sent).clone()
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }
}

#[async_trait]
impl SmsSender for RecordingSms {
    async fn send(&self, sms: &Sms) -> Result<SentSms, PortError> {
        self.outage.check("sns", "Publish")?;
        let mut sent = lock(&self.sent);
        sent.push(sms.clone());
        Ok(SentSms { message_id: format!("fake-sms-{}", sent.len()) })
    }
}
