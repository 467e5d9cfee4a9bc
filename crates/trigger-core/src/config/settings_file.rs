//! `SETTINGS_FILE`: settings too large for Lambda's 4 KB environment (domain lists, attribute
//! maps, templates) shipped as a JSON object of name → text in a layer (`/opt/…`) and merged
//! into the environment at cold start. A name set in both places fails init: neither may
//! silently win, because the two are deployed separately and would drift. Errors name the
//! variable or the entry, never a value (a value may be anything an operator put there).

use std::collections::HashMap;
use std::path::Path;

use super::ConfigError;

pub const VARIABLE: &str = "SETTINGS_FILE";

/// Read from the process before this file is (the logging's filter): in the file they would be
/// silently ignored.
const EARLY: [&str; 2] = ["RUST_LOG", "AWS_LAMBDA_LOG_LEVEL"];

/// Adds the entries of the file `SETTINGS_FILE` names to `vars`; unset or blank adds nothing.
pub(super) fn merge(vars: &mut HashMap<String, String>) -> Result<(), ConfigError> {
    let Some(path) = vars.get(VARIABLE).map(|v| v.trim()).filter(|v| !v.is_empty()) else { return Ok(()) };
    if !Path::new(path).is_absolute() {
        return Err(unusable(VARIABLE, "expected an absolute path such as /opt/settings/pre-signup.json"));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|err| unusable(VARIABLE, format!("cannot read {path}: {}", err.kind())))?;
    for (name, value) in entries(&text)? {
        if vars.contains_key(&name) {
            return Err(unusable(&name, format!("is set both in the environment and in {VARIABLE}; keep one")));
        }
        vars.insert(name, value);
    }
    Ok(())
}

/// The file's object, each name checked to be an environment variable name and each value text.
fn entries(text: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let parsed: serde_json::Value = serde_json::from_str(text).map_err(|err| {
        unusable(VARIABLE, format!("is not valid JSON (line {}, column {})", err.line(), err.column()))
    })?;
    let serde_json::Value::Object(object) = parsed else {
        return Err(unusable(VARIABLE, "expected a JSON object of setting name to text"));
    };
    object
        .into_iter()
        .map(|(name, value)| {
            if !is_variable_name(&name) {
                return Err(unusable(VARIABLE, format!("entry {name:?} is not a variable name ([A-Z_][A-Z0-9_]*)")));
            }
            if EARLY.contains(&name.as_str()) {
                return Err(unusable(
                    VARIABLE,
                    format!("entry {name} is read before the file: keep it in the environment"),
                ));
            }
            match value {
                serde_json::Value::String(text) => Ok((name, text)),
                _ => Err(unusable(VARIABLE, format!("entry {name} is not a string"))),
            }
        })
        .collect()
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn unusable(variable: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Unusable { variable: variable.to_owned(), reason: reason.into() }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::path::PathBuf;

    use super::*;

    /// A file under the temp dir, unique per test and process, removed on drop.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(test: &str, content: &str) -> Self {
            let path = std::env::temp_dir().join(format!("settings-file-{}-{test}.json", std::process::id()));
            std::fs::write(&path, content).unwrap();
            Self(path)
        }
        fn path(&self) -> String {
            self.0.display().to_string()
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn merged(pairs: &[(&str, &str)]) -> Result<HashMap<String, String>, ConfigError> {
        let mut vars = vars(pairs);
        merge(&mut vars).map(|()| vars)
    }

    #[test]
    fn the_files_entries_join_the_environment() {
        let file = TempFile::new("joins", r#"{"DENIED_EMAIL_DOMAINS": "a.example,b.example", "_X1": ""}"#);
        let vars = merged(&[(VARIABLE, &file.path()), ("UNIQUE_EMAIL", "false")]).unwrap();
        assert_eq!(vars["DENIED_EMAIL_DOMAINS"], "a.example,b.example");
        assert_eq!(vars["_X1"], "");
        assert_eq!(vars["UNIQUE_EMAIL"], "false");
        assert_eq!(vars.len(), 4);
    }

    #[test]
    fn without_the_variable_nothing_is_read() {
        assert_eq!(merged(&[("A", "1")]).unwrap(), vars(&[("A", "1")]));
        assert_eq!(merged(&[(VARIABLE, "  ")]).unwrap(), vars(&[(VARIABLE, "  ")]));
    }

    #[test]
    fn a_variable_in_both_places_fails_naming_it_and_not_its_values() {
        let file = TempFile::new("both", r#"{"DENIED_EMAIL_DOMAINS": "from-file.example"}"#);
        let err = merged(&[(VARIABLE, &file.path()), ("DENIED_EMAIL_DOMAINS", "from-env.example")]).unwrap_err();
        assert_eq!(err.variable(), "DENIED_EMAIL_DOMAINS");
        let message = err.to_string();
        assert!(message.contains("both in the environment and in SETTINGS_FILE"), "{message}");
        assert!(!message.contains("from-file") && !message.contains("from-env"), "{message}");
    }

    #[test]
    fn an_unusable_file_fails_naming_settings_file_and_never_a_value() {
        let cases = [
            ("syntax", r#"{"A": "secret-1"#, "is not valid JSON (line 1"),
            ("array", r#"["secret-1"]"#, "expected a JSON object"),
            ("number", r#"{"LIMIT": 5}"#, "entry LIMIT is not a string"),
            ("nested", r#"{"MAP": {"k": "secret-1"}}"#, "entry MAP is not a string"),
            ("lowercase", r#"{"denied": "secret-1"}"#, r#"entry "denied" is not a variable name"#),
            ("digit", r#"{"1A": "secret-1"}"#, r#"entry "1A" is not a variable name"#),
            ("blank", r#"{"": "secret-1"}"#, r#"entry "" is not a variable name"#),
            ("early", r#"{"RUST_LOG": "secret-1"}"#, "entry RUST_LOG is read before the file"),
        ];
        for (test, content, expected) in cases {
            let file = TempFile::new(test, content);
            let err = merged(&[(VARIABLE, &file.path())]).unwrap_err();
            assert_eq!(err.variable(), VARIABLE, "{test}");
            let message = err.to_string();
            assert!(message.starts_with("SETTINGS_FILE ") && message.contains(expected), "{test}: {message}");
            assert!(!message.contains("secret-1"), "{test}: {message}");
        }
    }

    #[test]
    fn a_missing_file_or_a_relative_path_fails_naming_settings_file() {
        let missing = std::env::temp_dir().join(format!("settings-file-{}-missing.json", std::process::id()));
        let err = merged(&[(VARIABLE, &missing.display().to_string())]).unwrap_err();
        assert_eq!(err.variable(), VARIABLE);
        assert!(err.to_string().contains("cannot read") && err.to_string().contains("not found"), "{err}");
        let err = merged(&[(VARIABLE, "settings.json")]).unwrap_err();
        assert!(err.to_string().contains("expected an absolute path"), "{err}");
    }
}
