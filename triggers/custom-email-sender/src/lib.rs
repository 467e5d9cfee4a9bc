//! Custom e-mail sender trigger. See `docs/triggers/custom-email-sender.md`.
//!
//! Every `CustomEmailSender_*` source: the code decrypted with the AWS Encryption SDK (a KMS
//! keyring of the one key `KMS_KEY_ARN`), the message from the shared catalogue in the user's
//! language, sent at most once per delivery through the provider `EMAIL_PROVIDER` names: SESv2
//! (default), the operator's SMTP server, or SendGrid. Invoked asynchronously: every transient
//! failure is an invocation error (Lambda retries twice, then the failure destination), and a
//! failed send leaves the delivery sendable by the retry; a message the provider refuses for good
//! is recorded as refused and never sent again (`custom_sender::deliver`).

pub mod settings;

use std::sync::Arc;

use async_trait::async_trait;
use custom_sender::{Envelope, decrypt_code, look_up_recipient, message_id, not_planned, plan, send_once};
use delivery_providers::sendgrid::SendGridMailer;
use delivery_providers::smtp::SmtpMailer;
use esdk_decryptor::{EsdkDecryptor, PoolContext};
use trigger_core::aws::Aws;
use trigger_core::events::CustomEmailSenderEvent;
use trigger_core::ports::{Clock, CodeDecryptor, Email, Mailer, Store, SystemClock, UserLookup};
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError};

pub use settings::{EmailProvider, Settings};

/// The binary name.
pub const NAME: &str = "custom-email-sender";

/// What the trigger talks to.
#[derive(Clone)]
pub struct Ports {
    pub decryptor: Arc<dyn CodeDecryptor>,
    pub mailer: Arc<dyn Mailer>,
    /// `AdminGetUser`: the address of an account-takeover notice's user (the notice has none).
    pub directory: Arc<dyn UserLookup>,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
}

/// The custom e-mail sender trigger.
pub struct CustomEmailSender {
    settings: Settings,
    ports: Ports,
}

impl CustomEmailSender {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: settings (every template validated), then the clients and the keyring.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let aws = boot.aws().await?;
        let decryptor = EsdkDecryptor::for_key(
            &aws,
            &settings.sender.kms_key_arn,
            PoolContext::required(settings.sender.require_pool_context),
        )
        .await?;
        let ports = Ports {
            decryptor: Arc::new(decryptor),
            mailer: mailer(&aws, &settings.provider).await?,
            directory: Arc::new(aws.directory()),
            store: Arc::new(aws.store(settings.sender.table_name.clone())),
            clock: Arc::new(SystemClock),
        };
        Ok(Self::new(settings, ports))
    }
}

/// The provider's mailer. Its credentials (SMTP, SendGrid) are read from Secrets Manager now,
/// once: a secret that cannot be read or parsed fails init naming its setting.
pub async fn mailer(aws: &Aws, provider: &EmailProvider) -> Result<Arc<dyn Mailer>, InitError> {
    Ok(match provider {
        EmailProvider::Ses { configuration_set } => {
            Arc::new(aws.mailer().with_configuration_set(configuration_set.clone()))
        }
        EmailProvider::Smtp(smtp) => Arc::new(SmtpMailer::new(smtp.clone(), Arc::new(aws.secrets())).await?),
        EmailProvider::SendGrid(sendgrid) => {
            Arc::new(SendGridMailer::connect(sendgrid, Arc::new(aws.secrets())).await?)
        }
    })
}

#[async_trait]
impl Trigger for CustomEmailSender {
    const NAME: &'static str = NAME;
    type Event = CustomEmailSenderEvent;

    async fn handle(&self, event: CustomEmailSenderEvent) -> Result<CustomEmailSenderEvent, TriggerError> {
        let ports = &self.ports;
        let envelope = Envelope::email(&event);
        // Only a message that prints a code has one to decrypt (the notice's is null).
        let code = decrypt_code(NAME, &*ports.decryptor, envelope.code_to_decrypt(), &event.user_pool_id).await?;
        // The account-takeover notice names no address: the user's directory entry does.
        let profile = look_up_recipient(NAME, &*ports.directory, &envelope).await?;
        let code = code.as_ref().map(|c| c.expose().as_str());
        let outgoing = plan(&envelope, &self.settings.sender.catalogue, code, profile.as_ref())
            .map_err(|err| not_planned(NAME, err))?;
        let email = Email {
            from: self.settings.from.clone(),
            to: outgoing.to.clone(),
            subject: outgoing.message.subject.clone(),
            text: outgoing.message.text.clone(),
            html: Some(outgoing.message.html.clone()),
            message_id: message_id(&outgoing.key, &self.settings.from),
        };
        let send = async { ports.mailer.send(&email).await.map(|_| ()) };
        send_once(NAME, &*ports.store, &*ports.clock, &outgoing, send).await?;
        Ok(event)
    }
}
