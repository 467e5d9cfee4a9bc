//! [`SmsSender`] on SNS `Publish` to a phone number (trigger-core feature `sns`).

use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::types::MessageAttributeValue;

use super::error::{build_error, port_error};
use crate::ports::{PortError, SentSms, Sms, SmsSender};

const SERVICE: &str = "sns";

/// How SNS sends: always `Transactional` (a code is time-critical, and SNS retries transactional
/// messages harder); the sender id and origination number when the account has them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmsOptions {
    /// `AWS.SNS.SMS.SenderID`: an alphanumeric sender id, where the destination country allows one.
    pub sender_id: Option<String>,
    /// `AWS.MM.SMS.OriginationNumber`: the number (E.164) or its ARN the message is sent from.
    pub origination_number: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SnsSms {
    client: Client,
    options: SmsOptions,
}

impl SnsSms {
    pub fn new(client: Client, options: SmsOptions) -> Self {
        Self { client, options }
    }
}

fn text_attribute(value: &str) -> Result<MessageAttributeValue, PortError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| build_error(SERVICE, "Publish", e))
}

#[async_trait]
impl SmsSender for SnsSms {
    async fn send(&self, sms: &Sms) -> Result<SentSms, PortError> {
        let mut publish = self
            .client
            .publish()
            .phone_number(&sms.to)
            .message(&sms.text)
            .message_attributes("AWS.SNS.SMS.SMSType", text_attribute("Transactional")?);
        if let Some(sender_id) = &self.options.sender_id {
            publish = publish.message_attributes("AWS.SNS.SMS.SenderID", text_attribute(sender_id)?);
        }
        if let Some(number) = &self.options.origination_number {
            publish = publish.message_attributes("AWS.MM.SMS.OriginationNumber", text_attribute(number)?);
        }
        let output = publish.send().await.map_err(|e| port_error(SERVICE, "Publish", e))?;
        Ok(SentSms { message_id: output.message_id().unwrap_or_default().to_owned() })
    }
}
