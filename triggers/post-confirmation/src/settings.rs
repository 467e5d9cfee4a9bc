//! Settings, read once at cold start. Names and defaults: docs/triggers/post-confirmation.md.

use trigger_core::{ConfigError, Env};

use crate::template::{DEFAULT_TEMPLATE, Template};

/// The welcome e-mail, when `WELCOME_EMAIL_FROM` is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Welcome {
    /// `WELCOME_EMAIL_FROM`: a verified SES identity.
    pub from: String,
    /// `WELCOME_EMAIL_TEMPLATE`, or [`DEFAULT_TEMPLATE`].
    pub template: Template,
}

#[derive(Clone, Debug, PartialEq, Eq)]
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
        let template_text = env.text("WELCOME_EMAIL_TEMPLATE");
        let template = Template::parse(template_text.unwrap_or(DEFAULT_TEMPLATE))
            .map_err(|reason| ConfigError::invalid("WELCOME_EMAIL_TEMPLATE", template_text.unwrap_or(""), reason))?;
        let welcome = env.address("WELCOME_EMAIL_FROM")?.map(|from| Welcome { from: from.to_owned(), template });
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
        assert_eq!(settings.welcome, None);
        assert_eq!(settings.default_group, None);
        let settings = Settings::from_env(&env(&[
            ("TABLE_NAME", "t"),
            ("WELCOME_EMAIL_FROM", "no-reply@example.com"),
            ("DEFAULT_GROUP", "members"),
        ]))
        .unwrap();
        assert_eq!(settings.welcome.unwrap().template, Template::parse(DEFAULT_TEMPLATE).unwrap());
        assert_eq!(settings.default_group.as_deref(), Some("members"));
    }

    #[test]
    fn bad_values_fail_init_naming_the_variable() {
        let cases: [&[(&str, &str)]; 5] = [
            &[],
            &[("TABLE_NAME", "t"), ("WELCOME_EMAIL_FROM", "Team <team@example.com>")],
            &[("TABLE_NAME", "t"), ("WELCOME_EMAIL_TEMPLATE", "Hi {firstname}")],
            &[("TABLE_NAME", "t"), ("DEFAULT_GROUP", "two words")],
            &[("TABLE_NAME", "t"), ("WELCOME_EMAIL_TEMPLATE", "Hi {name")],
        ];
        let expected =
            ["TABLE_NAME", "WELCOME_EMAIL_FROM", "WELCOME_EMAIL_TEMPLATE", "DEFAULT_GROUP", "WELCOME_EMAIL_TEMPLATE"];
        for (pairs, variable) in cases.iter().zip(expected) {
            let err = Settings::from_env(&env(pairs)).unwrap_err();
            assert_eq!(err.variable(), variable, "{pairs:?}");
        }
        let err = Settings::from_env(&env(&[("TABLE_NAME", "t"), ("WELCOME_EMAIL_TEMPLATE", "Hi {firstname}")]));
        assert!(err.unwrap_err().to_string().contains("unknown placeholder {firstname}"));
    }
}
