//! Settings, read once at cold start. Names and defaults: docs/triggers/custom-sms-sender.md.

use custom_sender::SenderSettings;
use delivery_providers::twilio::TwilioSettings;
use trigger_core::aws::SmsOptions;
use trigger_core::{ConfigError, Env};

use crate::guard::Guard;

#[derive(Clone, Debug)]
pub struct Settings {
    /// `SMS_PROVIDER` and the chosen provider's settings.
    pub provider: Provider,
    /// `SMS_ALLOWED_COUNTRY_CODES`, `SMS_DENIED_PREFIXES`, `SMS_MAX_PER_NUMBER`,
    /// `SMS_NUMBER_WINDOW_SECONDS`: the pumping guard, whatever the provider.
    pub guard: Guard,
    /// `KMS_KEY_ARN`, `TABLE_NAME`, the catalogue: what every sender reads.
    pub sender: SenderSettings,
}

/// Who delivers the texts: `SMS_PROVIDER=sns` (default) or `twilio`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provider {
    /// `SMS_SENDER_ID`, `SMS_ORIGINATION_NUMBER`: how SNS sends (both optional).
    Sns(SmsOptions),
    /// `TWILIO_CREDENTIALS_SECRET`, `TWILIO_FROM` | `TWILIO_MESSAGING_SERVICE_SID`,
    /// `TWILIO_API_URL`, `PROVIDER_*_TIMEOUT_MS`.
    Twilio(TwilioSettings),
}

#[derive(Clone, Copy)]
enum ProviderName {
    Sns,
    Twilio,
}

/// SNS's settings: named with another provider they would be ignored, so they fail init instead.
const SNS_ONLY: [&str; 2] = ["SMS_SENDER_ID", "SMS_ORIGINATION_NUMBER"];

/// An E.164 number: `+`, then 8 to 15 digits.
pub fn is_e164(text: &str) -> bool {
    text.strip_prefix('+')
        .is_some_and(|digits| (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()))
}

/// SNS's rule for an alphanumeric sender id: 1 to 11 letters, digits or hyphens, at least one letter.
fn is_sender_id(text: &str) -> bool {
    (1..=11).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && text.chars().any(|c| c.is_ascii_alphabetic())
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let provider =
            match env.choice("SMS_PROVIDER", &[("sns", ProviderName::Sns), ("twilio", ProviderName::Twilio)])? {
                ProviderName::Sns => Provider::Sns(sns_options(env)?),
                ProviderName::Twilio => {
                    if let Some(variable) = SNS_ONLY.into_iter().find(|variable| env.text(variable).is_some()) {
                        return Err(ConfigError::invalid(variable, "(set)", "applies to SMS_PROVIDER=sns only"));
                    }
                    Provider::Twilio(TwilioSettings::from_env(env)?)
                }
            };
        Ok(Self { provider, guard: Guard::from_env(env)?, sender: SenderSettings::from_env(env)? })
    }
}

fn sns_options(env: &Env) -> Result<SmsOptions, ConfigError> {
    let sender_id = match env.text("SMS_SENDER_ID") {
        Some(id) if !is_sender_id(id) => {
            return Err(ConfigError::invalid(
                "SMS_SENDER_ID",
                id,
                "expected 1 to 11 letters, digits or hyphens with at least one letter",
            ));
        }
        id => id.map(str::to_owned),
    };
    let origination_number = match env.text("SMS_ORIGINATION_NUMBER") {
        Some(number) if !(is_e164(number) || number.starts_with("arn:")) => {
            return Err(ConfigError::invalid(
                "SMS_ORIGINATION_NUMBER",
                number,
                "expected an E.164 number such as +14155550100, or the ARN of a phone number or pool",
            ));
        }
        number => number.map(str::to_owned),
    };
    Ok(SmsOptions { sender_id, origination_number })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn env(extra: &[(&str, &str)]) -> Env {
        let mut pairs = vec![("KMS_KEY_ARN", KEY), ("TABLE_NAME", "t")];
        pairs.extend_from_slice(extra);
        Env::from_pairs(pairs)
    }

    #[test]
    fn reads_every_setting_and_defaults_the_rest() {
        let settings =
            Settings::from_env(&env(&[("SMS_SENDER_ID", "Acme-1"), ("SMS_ORIGINATION_NUMBER", "+14155550100")]))
                .unwrap();
        let Provider::Sns(sns) = settings.provider else { panic!("SNS is the default") };
        assert_eq!(sns.sender_id.as_deref(), Some("Acme-1"));
        assert_eq!(sns.origination_number.as_deref(), Some("+14155550100"));
        assert_eq!(Settings::from_env(&env(&[])).unwrap().provider, Provider::Sns(SmsOptions::default()));
    }

    #[test]
    fn bad_or_missing_values_fail_init_naming_the_variable() {
        for (variable, value) in [
            ("SMS_SENDER_ID", "TwelveLetter"),
            ("SMS_SENDER_ID", "12345"),
            ("SMS_SENDER_ID", "Acme Inc"),
            ("SMS_ORIGINATION_NUMBER", "4155550100"),
            ("KMS_KEY_ARN", "alias/cognito"),
            ("DEFAULT_LOCALE", "fr"),
            ("SMS_PROVIDER", "pinpoint"),
            ("SMS_ALLOWED_COUNTRY_CODES", "DE"),
            ("SMS_MAX_PER_NUMBER", "x"),
        ] {
            assert_eq!(Settings::from_env(&env(&[(variable, value)])).unwrap_err().variable(), variable, "{value}");
        }
        for missing in ["KMS_KEY_ARN", "TABLE_NAME"] {
            assert_eq!(Settings::from_env(&env(&[(missing, "")])).unwrap_err().variable(), missing);
        }
        assert!(is_e164("+4915112345678") && !is_e164("+49 151") && !is_e164("+1234567"));
    }

    #[test]
    fn twilio_is_chosen_by_setting_with_its_own_settings_and_without_snss() {
        let twilio =
            [("SMS_PROVIDER", "twilio"), ("TWILIO_CREDENTIALS_SECRET", "twilio"), ("TWILIO_FROM", "+14155550100")];
        let settings = Settings::from_env(&env(&twilio)).unwrap();
        let Provider::Twilio(twilio_settings) = &settings.provider else { panic!("{:?}", settings.provider) };
        assert_eq!(twilio_settings.credentials_secret, "twilio");
        for (variable, extra) in [
            ("TWILIO_CREDENTIALS_SECRET", vec![("SMS_PROVIDER", "twilio"), ("TWILIO_FROM", "Acme")]),
            ("TWILIO_FROM", vec![("SMS_PROVIDER", "twilio"), ("TWILIO_CREDENTIALS_SECRET", "t")]),
            ("SMS_SENDER_ID", [twilio.to_vec(), vec![("SMS_SENDER_ID", "Acme")]].concat()),
        ] {
            assert_eq!(Settings::from_env(&env(&extra)).unwrap_err().variable(), variable, "{extra:?}");
        }
    }
}
