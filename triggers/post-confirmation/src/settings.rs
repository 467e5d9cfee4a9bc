//! Settings, read once at cold start. Names and defaults: docs/triggers/post-confirmation.md.

use std::sync::Arc;

use message_catalogue::Catalogue;
use message_catalogue::settings::refuse_replaced;
use trigger_core::{ConfigError, Env};

/// Settings an earlier release read, and what replaced them (refused at cold start, so that an
/// operator's text is never silently dropped).
pub const REPLACED: &[(&str, &str)] = &[(
    "WELCOME_EMAIL_TEMPLATE",
    "the welcome e-mail comes from the message catalogue: write <locale>/welcome.subject.txt, welcome.html and \
     welcome.txt in MESSAGE_TEMPLATES_DIR ({{ name }}, {{ email }}, {{ username }}; docs/message-templates.md)",
)];

/// The welcome e-mail, when `WELCOME_EMAIL_FROM` is set.
#[derive(Clone, Debug)]
pub struct Welcome {
    /// `WELCOME_EMAIL_FROM`: a verified SES identity.
    pub from: String,
    /// The message catalogue (`MESSAGE_TEMPLATES_DIR`, `DEFAULT_LOCALE`): the `welcome` kind in
    /// the user's language. Loaded and validated only when the e-mail is on.
    pub catalogue: Arc<Catalogue>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// `TABLE_NAME` (required): the profile, reservation and idempotency items live there.
    pub table_name: String,
    /// `None`: no welcome e-mail.
    pub welcome: Option<Welcome>,
    /// `DEFAULT_GROUP`: every confirmed user is added to it (the group itself comes from infra).
    pub default_group: Option<String>,
}

impl Settings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let table_name = env.required("TABLE_NAME")?.to_owned();
        refuse_replaced(env, REPLACED)?;
        let welcome = match env.address("WELCOME_EMAIL_FROM")? {
            Some(from) => Some(Welcome {
                from: from.to_owned(),
                catalogue: Arc::new(message_catalogue::catalogue_from_env(env)?),
            }),
            None => None,
        };
        let default_group = match env.text("DEFAULT_GROUP") {
            None => None,
            Some(group) if group.chars().count() <= 128 && !group.chars().any(char::is_whitespace) => {
                Some(group.to_owned())
            }
            Some(group) => {
                return Err(ConfigError::invalid(
                    "DEFAULT_GROUP",
                    group,
                    "expected a group name: 1-128 characters, no spaces",
                ));
            }
        };
        Ok(Self { table_name, welcome, default_group })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn defaults_send_nothing_and_add_to_no_group() {
        let settings = Settings::from_env(&env(&[("TABLE_NAME", "t")])).unwrap();
        assert!(settings.welcome.is_none());
        assert_eq!(settings.default_group, None);
        let settings = Settings::from_env(&env(&[
            ("TABLE_NAME", "t"),
            ("WELCOME_EMAIL_FROM", "no-reply@example.com"),
            ("DEFAULT_GROUP", "members"),
        ]))
        .unwrap();
        let welcome = settings.welcome.unwrap();
        assert_eq!(welcome.from, "no-reply@example.com");
        assert_eq!(welcome.catalogue.default_locale(), "en");
        assert_eq!(settings.default_group.as_deref(), Some("members"));
    }

    #[test]
    fn bad_values_fail_init_naming_the_variable() {
        let from = ("WELCOME_EMAIL_FROM", "no-reply@example.com");
        let cases: [&[(&str, &str)]; 5] = [
            &[],
            &[("TABLE_NAME", "t"), ("WELCOME_EMAIL_FROM", "Team <team@example.com>")],
            &[("TABLE_NAME", "t"), ("DEFAULT_GROUP", "two words")],
            &[("TABLE_NAME", "t"), from, ("DEFAULT_LOCALE", "fr")],
            &[("TABLE_NAME", "t"), from, ("MESSAGE_TEMPLATES_DIR", "/nonexistent/templates")],
        ];
        let expected = ["TABLE_NAME", "WELCOME_EMAIL_FROM", "DEFAULT_GROUP", "DEFAULT_LOCALE", "MESSAGE_TEMPLATES_DIR"];
        for (pairs, variable) in cases.iter().zip(expected) {
            let err = Settings::from_env(&env(pairs)).unwrap_err();
            assert_eq!(err.variable(), variable, "{pairs:?}");
        }
    }

    #[test]
    fn the_retired_welcome_template_setting_fails_init_saying_what_replaced_it() {
        for pairs in [
            &[("TABLE_NAME", "t"), ("WELCOME_EMAIL_TEMPLATE", "Hi {name}")][..],
            &[("TABLE_NAME", "t"), ("WELCOME_EMAIL_FROM", "no-reply@example.com"), ("WELCOME_EMAIL_TEMPLATE", "Hi")],
        ] {
            let err = Settings::from_env(&env(pairs)).unwrap_err();
            assert_eq!(err.variable(), "WELCOME_EMAIL_TEMPLATE");
            let text = err.to_string();
            assert!(text.contains("MESSAGE_TEMPLATES_DIR") && text.contains("welcome.html"), "{text}");
        }
    }
}
