//! Settings, read once at cold start. Names and defaults: docs/triggers/custom-message.md.

use std::fmt;
use std::sync::Arc;

use message_catalogue::{Catalogue, catalogue_from_env};
use trigger_core::{ConfigError, Env};

#[derive(Clone)]
pub struct Settings {
    /// Built-in templates with `MESSAGE_TEMPLATES_DIR` on top, validated; `DEFAULT_LOCALE`
    /// (default `en`) for users whose language it does not have.
    pub catalogue: Arc<Catalogue>,
    /// `VERIFICATION_BY_LINK` (default false): the pool verifies e-mail addresses by link
    /// (`DefaultEmailOption: CONFIRM_WITH_LINK`). The event does not tell: Cognito's
    /// `linkParameter` also arrives on sources and pools that never send a link.
    pub verification_by_link: bool,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("catalogue", &self.catalogue)
            .field("verification_by_link", &self.verification_by_link)
            .finish()
    }
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            catalogue: Arc::new(catalogue_from_env(env)?),
            verification_by_link: env.flag("VERIFICATION_BY_LINK", false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_built_in_catalogue_in_english_by_code() {
        let settings = Settings::from_env(&Env::default()).unwrap();
        assert_eq!(settings.catalogue.default_locale(), "en");
        assert_eq!(settings.catalogue.locales().collect::<Vec<_>>(), ["de", "en", "pt"]);
        assert!(!settings.verification_by_link);
        let settings =
            Settings::from_env(&Env::from_pairs([("DEFAULT_LOCALE", "de-CH"), ("VERIFICATION_BY_LINK", "true")]))
                .unwrap();
        assert_eq!(settings.catalogue.default_locale(), "de");
        assert!(settings.verification_by_link);
    }

    #[test]
    fn bad_values_fail_init_naming_the_variable() {
        let err = Settings::from_env(&Env::from_pairs([("DEFAULT_LOCALE", "fr")])).unwrap_err();
        assert_eq!(err.variable(), "DEFAULT_LOCALE");
        assert!(err.to_string().contains("have: de, en, pt"), "{err}");
        let err = Settings::from_env(&Env::from_pairs([("MESSAGE_TEMPLATES_DIR", "/nonexistent/dir")])).unwrap_err();
        assert_eq!(err.variable(), "MESSAGE_TEMPLATES_DIR");
        assert!(err.to_string().contains("cannot read the directory"), "{err}");
        let err = Settings::from_env(&Env::from_pairs([("VERIFICATION_BY_LINK", "sometimes")])).unwrap_err();
        assert_eq!(err.variable(), "VERIFICATION_BY_LINK");
    }
}
