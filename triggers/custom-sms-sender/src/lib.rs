//! Custom SMS sender trigger. See `docs/triggers/custom-sms-sender.md`.
//!
//! Every `CustomSMSSender_*` source: the code decrypted with the AWS Encryption SDK (a KMS
//! keyring of the one key `KMS_KEY_ARN`), the SMS text from the shared catalogue in the user's
//! language, sent through SNS (transactional, `SMS_PROVIDER=sns`, the default) or Twilio
//! (`SMS_PROVIDER=twilio`) at most once per delivery, to numbers the pumping guard admits
//! (`guard`: allowed calling codes, a send limit per number). Invoked
//! asynchronously: every failure is an invocation error (Lambda retries twice, then the failure
//! destination), and a failed send leaves the delivery sendable by the retry
//! (`custom_sender::deliver`); a refusal for good (the guard's, or the provider's: a bad number) is
//! settled once and not retried.

pub mod guard;
pub mod settings;

use std::sync::Arc;

use async_trait::async_trait;
use custom_sender::{Envelope, decrypt_code, look_up_recipient, not_planned, plan, send_once};
use delivery_providers::twilio::TwilioSms;
use esdk_decryptor::{EsdkDecryptor, PoolContext};
use trigger_core::events::CustomSmsSenderEvent;
use trigger_core::ports::{Clock, CodeDecryptor, Sms, SmsSender, Store, SystemClock, UserLookup};
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError, metrics};

pub use settings::{Provider, Settings};

/// The binary name.
pub const NAME: &str = "custom-sms-sender";

/// What the trigger talks to.
#[derive(Clone)]
pub struct Ports {
    pub decryptor: Arc<dyn CodeDecryptor>,
    pub sms: Arc<dyn SmsSender>,
    /// `AdminGetUser`: the number of an account-takeover notice's user (the notice has none).
    pub directory: Arc<dyn UserLookup>,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
}

/// The custom SMS sender trigger.
pub struct CustomSmsSender {
    settings: Settings,
    ports: Ports,
}

impl CustomSmsSender {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: settings (every template validated), then the clients and the keyring; with
    /// Twilio, its credentials from Secrets Manager (no SNS client is built then).
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let aws = boot.aws().await?;
        let decryptor = EsdkDecryptor::for_key(
            &aws,
            &settings.sender.kms_key_arn,
            PoolContext::required(settings.sender.require_pool_context),
        )
        .await?;
        let sms: Arc<dyn SmsSender> = match &settings.provider {
            Provider::Sns(options) => Arc::new(aws.sms(options.clone())),
            Provider::Twilio(twilio) => Arc::new(TwilioSms::connect(twilio, Arc::new(aws.secrets())).await?),
        };
        let ports = Ports {
            decryptor: Arc::new(decryptor),
            sms,
            directory: Arc::new(aws.directory()),
            store: Arc::new(aws.store(settings.sender.table_name.clone())),
            clock: Arc::new(SystemClock),
        };
        Ok(Self::new(settings, ports))
    }
}

#[async_trait]
impl Trigger for CustomSmsSender {
    const NAME: &'static str = NAME;
    type Event = CustomSmsSenderEvent;

    async fn handle(&self, event: CustomSmsSenderEvent) -> Result<CustomSmsSenderEvent, TriggerError> {
        let ports = &self.ports;
        let envelope = Envelope::sms(&event);
        // Only a message that prints a code has one to decrypt (the notice's is null).
        let code = decrypt_code(NAME, &*ports.decryptor, envelope.code_to_decrypt(), &event.user_pool_id).await?;
        // The account-takeover notice names no address: the user's directory entry does.
        let profile = look_up_recipient(NAME, &*ports.directory, &envelope).await?;
        let code = code.as_ref().map(|c| c.expose().as_str());
        let outgoing = plan(&envelope, &self.settings.sender.catalogue, code, profile.as_ref())
            .map_err(|err| not_planned(NAME, err))?;
        if !settings::is_e164(&outgoing.to) {
            metrics::count(NAME, "NotSent");
            return Err(TriggerError::BadEvent("phone_number is not an E.164 number".to_owned()));
        }
        let sms = Sms { to: outgoing.to.clone(), text: outgoing.message.sms.clone() };
        let now = ports.clock.epoch_seconds();
        // Inside the claim: the guard counts only sends about to happen, and its refusal settles
        // the delivery as refused like a provider's.
        let send = async {
            self.settings.guard.admit(NAME, &*ports.store, now, &event.user_pool_id, &sms.to).await?;
            ports.sms.send(&sms).await.map(|_| ())
        };
        send_once(NAME, &*ports.store, &*ports.clock, &outgoing, send).await?;
        Ok(event)
    }
}
