//! The catalogue a binary's environment asks for: the two settings every trigger that sends
//! catalogue messages reads (custom-message, the custom senders, the passwordless sign-in code),
//! in one place. Pure: the caller passes its environment reader and turns a [`SettingError`] into
//! its own configuration error (it names the variable).

use std::path::Path;

use crate::{Catalogue, CatalogueError};

/// A directory of override templates (`<kind>.<part>.<locale>.j2`), shipped with the function.
pub const TEMPLATES_DIR: &str = "MESSAGE_TEMPLATES_DIR";
/// The locale for users whose language the catalogue does not have (default `en`).
pub const DEFAULT_LOCALE: &str = "DEFAULT_LOCALE";

/// A bad setting: which variable, its value, what is wrong (for every bad template: file, line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    pub variable: &'static str,
    pub value: String,
    pub reason: String,
}

/// [`catalogue_from`] over a trigger's environment: a bad value fails init naming its variable
/// (feature `env`).
#[cfg(feature = "env")]
pub fn catalogue_from_env(env: &trigger_core::Env) -> Result<Catalogue, trigger_core::ConfigError> {
    catalogue_from(|name| env.text(name))
        .map_err(|err| trigger_core::ConfigError::invalid(err.variable, &err.value, err.reason))
}

/// Settings an earlier release read whose text now comes from catalogue templates (`(variable,
/// what replaced it)`): one that is still set fails init saying what replaced it, rather than
/// being ignored while e-mails go out with text the operator did not write (feature `env`).
#[cfg(feature = "env")]
pub fn refuse_replaced(env: &trigger_core::Env, replaced: &[(&str, &str)]) -> Result<(), trigger_core::ConfigError> {
    match replaced.iter().find_map(|(variable, by)| env.text(variable).map(|value| (*variable, value, *by))) {
        Some((variable, value, by)) => {
            Err(trigger_core::ConfigError::invalid(variable, value, format!("this setting is no longer read: {by}")))
        }
        None => Ok(()),
    }
}

/// Loads and validates the built-in templates with the overrides of [`TEMPLATES_DIR`] on top.
pub fn catalogue_from<'a>(read: impl Fn(&str) -> Option<&'a str>) -> Result<Catalogue, SettingError> {
    let dir = read(TEMPLATES_DIR);
    let default_locale = read(DEFAULT_LOCALE).unwrap_or("en");
    Catalogue::load(dir.map(Path::new), default_locale).map_err(|err| match err {
        CatalogueError::DefaultLocale { given, available } => SettingError {
            variable: DEFAULT_LOCALE,
            value: given,
            reason: format!("no templates in that language (have: {available})"),
        },
        CatalogueError::Templates(problems) => {
            SettingError { variable: TEMPLATES_DIR, value: dir.unwrap_or("").to_owned(), reason: problems.to_string() }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_is_the_built_in_catalogue_in_english_and_bad_values_name_their_variable() {
        let catalogue = catalogue_from(|_| None).unwrap();
        assert_eq!(catalogue.default_locale(), "en");
        let err = catalogue_from(|name| (name == DEFAULT_LOCALE).then_some("fr")).unwrap_err();
        assert_eq!((err.variable, err.value.as_str()), (DEFAULT_LOCALE, "fr"));
        assert!(err.reason.contains("have: de, en, pt"), "{err:?}");
        let err = catalogue_from(|name| (name == TEMPLATES_DIR).then_some("/nonexistent/dir")).unwrap_err();
        assert_eq!((err.variable, err.value.as_str()), (TEMPLATES_DIR, "/nonexistent/dir"));
    }
}
