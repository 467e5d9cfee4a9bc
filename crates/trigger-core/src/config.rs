//! Configuration from environment variables, read once at cold start.
//!
//! Every reader validates and returns a [`ConfigError`] that names the variable and the bad
//! value, so a misconfigured function fails its init with a message that says what to fix.

use std::collections::HashMap;
use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

mod settings_file;

/// A configuration value that is missing or invalid. Shown in init logs, never to end users.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{variable} is required but not set")]
    Missing { variable: String },
    #[error("{variable}={value:?} is invalid: {reason}")]
    Invalid { variable: String, value: String, reason: String },
    /// Unusable without showing the value (the settings file: its entries may be anything).
    #[error("{variable} {reason}")]
    Unusable { variable: String, reason: String },
}

impl ConfigError {
    pub fn invalid(variable: &str, value: &str, reason: impl Into<String>) -> Self {
        Self::Invalid { variable: variable.to_owned(), value: value.to_owned(), reason: reason.into() }
    }

    /// The variable this error is about.
    pub fn variable(&self) -> &str {
        match self {
            Self::Missing { variable } | Self::Invalid { variable, .. } | Self::Unusable { variable, .. } => variable,
        }
    }
}

/// A snapshot of the environment. Settings types read from it, so tests build one from pairs
/// instead of mutating the process environment.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    pub fn from_process() -> Self {
        Self { vars: std::env::vars().collect() }
    }

    /// What a function reads at cold start: this environment plus the entries of the file
    /// `SETTINGS_FILE` names (settings too large for Lambda's 4 KB environment, from a layer).
    pub fn with_settings_file(mut self) -> Result<Self, ConfigError> {
        settings_file::merge(&mut self.vars)?;
        Ok(self)
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self { vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    /// The trimmed value; unset and blank are the same thing.
    pub fn text(&self, variable: &str) -> Option<&str> {
        self.vars.get(variable).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    pub fn required(&self, variable: &str) -> Result<&str, ConfigError> {
        self.text(variable).ok_or_else(|| ConfigError::Missing { variable: variable.to_owned() })
    }

    /// A sender address setting: one plain e-mail address ([`is_plain_address`]), or unset.
    pub fn address(&self, variable: &str) -> Result<Option<&str>, ConfigError> {
        match self.text(variable) {
            Some(value) if !is_plain_address(value) => {
                Err(ConfigError::invalid(variable, value, "expected one address such as no-reply@example.com"))
            }
            value => Ok(value),
        }
    }

    /// [`Env::address`], required.
    pub fn required_address(&self, variable: &str) -> Result<&str, ConfigError> {
        self.address(variable)?.ok_or_else(|| ConfigError::Missing { variable: variable.to_owned() })
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`, any case).
    pub fn flag(&self, variable: &str, default: bool) -> Result<bool, ConfigError> {
        let Some(value) = self.text(variable) else { return Ok(default) };
        match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(ConfigError::invalid(variable, value, "expected true or false")),
        }
    }

    /// A number within `range`, or `default` when unset.
    pub fn number<T>(&self, variable: &str, default: T, range: RangeInclusive<T>) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + Display + Copy,
    {
        let Some(value) = self.text(variable) else { return Ok(default) };
        let parsed: T = value.parse().map_err(|_| ConfigError::invalid(variable, value, "expected a whole number"))?;
        if !range.contains(&parsed) {
            return Err(ConfigError::invalid(
                variable,
                value,
                format!("expected a value from {} to {}", range.start(), range.end()),
            ));
        }
        Ok(parsed)
    }

    /// A duration given in milliseconds.
    pub fn millis(
        &self,
        variable: &str,
        default_ms: u64,
        range_ms: RangeInclusive<u64>,
    ) -> Result<Duration, ConfigError> {
        self.number(variable, default_ms, range_ms).map(Duration::from_millis)
    }

    /// One of a fixed set of words (any case), or `default` when unset: `choices` pairs each word
    /// with its value, the first pair being the default. Anything else fails naming the words.
    pub fn choice<T: Copy>(&self, variable: &str, choices: &[(&str, T)]) -> Result<T, ConfigError> {
        let Some(&(_, default)) = choices.first() else {
            return Err(ConfigError::invalid(variable, "", "no choices defined"));
        };
        let Some(value) = self.text(variable) else { return Ok(default) };
        choices.iter().find(|(word, _)| word.eq_ignore_ascii_case(value)).map(|&(_, v)| v).ok_or_else(|| {
            let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
            ConfigError::invalid(variable, value, format!("expected {}", words.join(" or ")))
        })
    }

    /// A comma-separated list; entries are trimmed and blanks dropped. Unset is empty.
    pub fn list(&self, variable: &str) -> Vec<String> {
        self.text(variable)
            .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// A comma-separated list of `key:value` pairs (`tenantId:custom:tenant` splits at the first
    /// colon). Unset is empty.
    pub fn pairs(&self, variable: &str) -> Result<Vec<(String, String)>, ConfigError> {
        self.list(variable)
            .into_iter()
            .map(|entry| match entry.split_once(':') {
                Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                    Ok((k.trim().to_owned(), v.trim().to_owned()))
                }
                _ => Err(ConfigError::invalid(variable, &entry, "expected key:value")),
            })
            .collect()
    }
}

/// One e-mail address without spaces or display name: `local@domain.tld` (the sender settings).
pub fn is_plain_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.contains('@')
        && domain.split('.').all(|label| !label.is_empty())
        && !text.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | ',' | '"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_typed_values_with_defaults() {
        let env = Env::from_pairs([("N", " 7 "), ("B", "Yes"), ("L", "a, b,,c "), ("P", "x:y, k:custom:t")]);
        assert_eq!(env.number("N", 1u32, 1..=10), Ok(7));
        assert_eq!(env.number("UNSET", 5u32, 1..=10), Ok(5));
        assert_eq!(env.flag("B", false), Ok(true));
        assert_eq!(env.flag("UNSET", true), Ok(true));
        assert_eq!(env.list("L"), ["a", "b", "c"]);
        assert!(env.list("UNSET").is_empty());
        assert_eq!(env.pairs("P"), Ok(vec![("x".into(), "y".into()), ("k".into(), "custom:t".into())]));
    }

    #[test]
    fn a_choice_is_one_of_its_words_in_any_case_and_the_first_is_the_default() {
        let choices = [("deny", 0), ("allow", 1)];
        assert_eq!(Env::default().choice("C", &choices), Ok(0));
        assert_eq!(Env::from_pairs([("C", " Allow ")]).choice("C", &choices), Ok(1));
        let err = Env::from_pairs([("C", "maybe")]).choice("C", &choices).unwrap_err();
        assert_eq!(err.to_string(), r#"C="maybe" is invalid: expected deny or allow"#);
    }

    #[test]
    fn errors_name_the_variable_and_the_bad_value() {
        let env = Env::from_pairs([("N", "abc"), ("M", "99"), ("B", "maybe"), ("P", "novalue")]);
        let err = env.number("N", 1u32, 1..=10).unwrap_err();
        assert_eq!(err.to_string(), r#"N="abc" is invalid: expected a whole number"#);
        let err = env.number("M", 1u32, 1..=10).unwrap_err();
        assert_eq!(err.to_string(), r#"M="99" is invalid: expected a value from 1 to 10"#);
        assert_eq!(env.flag("B", true).unwrap_err().variable(), "B");
        assert_eq!(env.required("TABLE_NAME").unwrap_err().to_string(), "TABLE_NAME is required but not set");
        assert!(env.pairs("P").unwrap_err().to_string().contains("expected key:value"));
    }
}
