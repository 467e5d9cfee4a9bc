//! Settings, read once at cold start. Names and defaults: docs/triggers/custom-email-sender.md.

use custom_sender::SenderSettings;
use delivery_providers::sendgrid::SendGridSettings;
use delivery_providers::smtp::SmtpSettings;
use trigger_core::{ConfigError, Env};

#[derive(Clone, Debug)]
pub struct Settings {
    /// `EMAIL_FROM` (required): the address every message is sent from (a verified SES identity,
    /// an address the SMTP server or the SendGrid account may send as).
    pub from: String,
    /// `EMAIL_PROVIDER` and its own settings.
    pub provider: EmailProvider,
    /// `KMS_KEY_ARN`, `TABLE_NAME`, the catalogue: what every sender reads.
    pub sender: SenderSettings,
}

/// Who delivers the messages (`EMAIL_PROVIDER`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmailProvider {
    /// `ses` (default): SESv2 `SendEmail`; `EMAIL_CONFIGURATION_SET` (none by default).
    Ses { configuration_set: Option<String> },
    /// `smtp`: the operator's SMTP server (`SMTP_*`).
    Smtp(SmtpSettings),
    /// `sendgrid`: SendGrid's v3 Mail Send API (`SENDGRID_*`).
    SendGrid(SendGridSettings),
}

#[derive(Clone, Copy)]
enum ProviderName {
    Ses,
    Smtp,
    SendGrid,
}

impl EmailProvider {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let name = env.choice(
            "EMAIL_PROVIDER",
            &[("ses", ProviderName::Ses), ("smtp", ProviderName::Smtp), ("sendgrid", ProviderName::SendGrid)],
        )?;
        let configuration_set = env.text("EMAIL_CONFIGURATION_SET").map(str::to_owned);
        if let (Some(set), ProviderName::Smtp | ProviderName::SendGrid) = (&configuration_set, name) {
            // Silently ignoring it would hide that the events it names no longer come.
            return Err(ConfigError::invalid("EMAIL_CONFIGURATION_SET", set, "applies to EMAIL_PROVIDER=ses only"));
        }
        Ok(match name {
            ProviderName::Ses => Self::Ses { configuration_set },
            ProviderName::Smtp => Self::Smtp(SmtpSettings::from_env(env)?),
            ProviderName::SendGrid => Self::SendGrid(SendGridSettings::from_env(env)?),
        })
    }
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            from: env.required_address("EMAIL_FROM")?.to_owned(),
            provider: EmailProvider::from_env(env)?,
            sender: SenderSettings::from_env(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn env(extra: &[(&str, &str)]) -> Env {
        let mut pairs = vec![("EMAIL_FROM", "no-reply@example.com"), ("KMS_KEY_ARN", KEY), ("TABLE_NAME", "t")];
        pairs.extend_from_slice(extra);
        Env::from_pairs(pairs)
    }

    #[test]
    fn reads_every_setting_and_defaults_the_rest() {
        let settings = Settings::from_env(&env(&[("EMAIL_CONFIGURATION_SET", "transactional")])).unwrap();
        assert_eq!(settings.from, "no-reply@example.com");
        assert_eq!(settings.provider, EmailProvider::Ses { configuration_set: Some("transactional".into()) });
        assert_eq!((settings.sender.kms_key_arn.as_str(), settings.sender.table_name.as_str()), (KEY, "t"));
        assert_eq!(settings.sender.catalogue.default_locale(), "en");
        assert_eq!(Settings::from_env(&env(&[])).unwrap().provider, EmailProvider::Ses { configuration_set: None });
    }

    #[test]
    fn the_provider_is_chosen_by_name_with_its_own_settings() {
        let smtp = Settings::from_env(&env(&[
            ("EMAIL_PROVIDER", "smtp"),
            ("SMTP_HOST", "smtp.example.com"),
            ("SMTP_CREDENTIALS_SECRET", "cognito/smtp"),
        ]))
        .unwrap();
        let EmailProvider::Smtp(smtp) = smtp.provider else { panic!("{:?}", smtp.provider) };
        assert_eq!(
            (smtp.host.as_str(), smtp.port, smtp.credentials_secret.as_deref()),
            ("smtp.example.com", 587, Some("cognito/smtp"))
        );
        let sendgrid = Settings::from_env(&env(&[
            ("EMAIL_PROVIDER", "sendgrid"),
            ("SENDGRID_API_KEY_SECRET", "cognito/sendgrid"),
        ]))
        .unwrap();
        let EmailProvider::SendGrid(sendgrid) = sendgrid.provider else { panic!("{:?}", sendgrid.provider) };
        assert_eq!(sendgrid.api_key_secret, "cognito/sendgrid");
        for (pairs, variable) in [
            (&[("EMAIL_PROVIDER", "mailgun")][..], "EMAIL_PROVIDER"),
            (&[("EMAIL_PROVIDER", "smtp")][..], "SMTP_HOST"),
            (
                &[("EMAIL_PROVIDER", "smtp"), ("SMTP_HOST", "smtp.example.com"), ("SMTP_SECURITY", "none")][..],
                "SMTP_SECURITY",
            ),
            (&[("EMAIL_PROVIDER", "sendgrid")][..], "SENDGRID_API_KEY_SECRET"),
            (
                &[("EMAIL_PROVIDER", "smtp"), ("SMTP_HOST", "h.example.com"), ("EMAIL_CONFIGURATION_SET", "x")][..],
                "EMAIL_CONFIGURATION_SET",
            ),
        ] {
            assert_eq!(Settings::from_env(&env(pairs)).unwrap_err().variable(), variable, "{pairs:?}");
        }
    }

    #[test]
    fn bad_or_missing_values_fail_init_naming_the_variable() {
        for (variable, value) in [
            ("EMAIL_FROM", "Jane <no-reply@example.com>"),
            ("KMS_KEY_ARN", "alias/cognito"),
            ("KMS_KEY_ARN", "arn:aws:kms:us-east-1:111122223333:alias/cognito"),
            ("KMS_KEY_ARN", "arn:aws:kms:us-east-1:1111:key/abc"),
            ("DEFAULT_LOCALE", "fr"),
            ("MESSAGE_TEMPLATES_DIR", "/nonexistent"),
        ] {
            let err = Settings::from_env(&env(&[(variable, value)])).unwrap_err();
            assert_eq!(err.variable(), variable, "{value}");
        }
        for missing in ["EMAIL_FROM", "KMS_KEY_ARN", "TABLE_NAME"] {
            let err = Settings::from_env(&env(&[(missing, "")])).unwrap_err();
            assert_eq!(err.variable(), missing);
        }
    }
}
