//! Settings, read once at cold start. Names and defaults: docs/triggers/custom-sms-sender.md.

use custom_sender::SenderSettings;
use trigger_core::aws::SmsOptions;
use trigger_core::{ConfigError, Env};

#[derive(Clone, Debug)]
pub struct Settings {
    /// `SMS_SENDER_ID`, `SMS_ORIGINATION_NUMBER`: how SNS sends (both optional).
    pub sms: SmsOptions,
    /// `KMS_KEY_ARN`, `TABLE_NAME`, the catalogue: what every sender reads.
    pub sender: SenderSettings,
}

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
        Ok(Self { sms: SmsOptions { sender_id, origination_number }, sender: SenderSettings::from_env(env)? })
    }
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
        assert_eq!(settings.sms.sender_id.as_deref(), Some("Acme-1"));
        assert_eq!(settings.sms.origination_number.as_deref(), Some("+14155550100"));
        assert_eq!(Settings::from_env(&env(&[])).unwrap().sms, SmsOptions::default());
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
        ] {
            assert_eq!(Settings::from_env(&env(&[(variable, value)])).unwrap_err().variable(), variable, "{value}");
        }
        for missing in ["KMS_KEY_ARN", "TABLE_NAME"] {
            assert_eq!(Settings::from_env(&env(&[(missing, "")])).unwrap_err().variable(), missing);
        }
        assert!(is_e164("+4915112345678") && !is_e164("+49 151") && !is_e164("+1234567"));
    }
}
