//! [`Mailer`] on SESv2.

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use super::error::{build_error, port_error};
use crate::ports::{Email, Mailer, PortError, SentEmail};

const SERVICE: &str = "sesv2";

#[derive(Clone, Debug)]
pub struct SesMailer {
    client: Client,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client) -> Self {
        Self { client, configuration_set: None }
    }

    /// Sends every message with this SES configuration set (event destinations, suppression,
    /// dedicated IPs); `None` sends with the identity's defaults.
    pub fn with_configuration_set(mut self, name: Option<String>) -> Self {
        self.configuration_set = name;
        self
    }
}

fn utf8(text: &str) -> Result<Content, PortError> {
    Content::builder().data(text).charset("UTF-8").build().map_err(|e| build_error(SERVICE, "SendEmail", e))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<SentEmail, PortError> {
        let mut body = Body::builder().text(utf8(&email.text)?);
        if let Some(html) = &email.html {
            body = body.html(utf8(html)?);
        }
        let message = Message::builder().subject(utf8(&email.subject)?).body(body.build()).build();
        let output = self
            .client
            .send_email()
            .from_email_address(&email.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "SendEmail", e))?;
        Ok(SentEmail { message_id: output.message_id().unwrap_or_default().to_owned() })
    }
}
