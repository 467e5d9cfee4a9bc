//! Settings, read once at cold start. Names and defaults: docs/triggers/custom-email-sender.md.

use custom_sender::SenderSettings;
use trigger_core::{ConfigError, Env};

#[derive(Clone, Debug)]
pub struct Settings {
    /// `EMAIL_FROM` (required): the verified SES identity every message is sent from.
    pub from: String,
    /// `EMAIL_CONFIGURATION_SET`: the SES configuration set to send with (none by default).
    pub configuration_set: Option<String>,
    /// `KMS_KEY_ARN`, `TABLE_NAME`, the catalogue: what every sender reads.
    pub sender: SenderSettings,
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            from: env.required_address("EMAIL_FROM")?.to_owned(),
            configuration_set: env.text("EMAIL_CONFIGURATION_SET").map(str::to_owned),
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
        assert_eq!(settings.configuration_set.as_deref(), Some("transactional"));
        assert_eq!((settings.sender.kms_key_arn.as_str(), settings.sender.table_name.as_str()), (KEY, "t"));
        assert_eq!(settings.sender.catalogue.default_locale(), "en");
        assert_eq!(Settings::from_env(&env(&[])).unwrap().configuration_set, None);
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
