//! What is moved in: the user attributes on the allowlist (`MIGRATE_ATTRIBUTES`), never `sub` or
//! Cognito's own, and `email_verified` / `phone_number_verified` only when the old system says
//! the value was verified.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use trigger_core::ConfigError;

/// Attributes that are never copied, whatever the allowlist says: Cognito assigns `sub` and
/// `identities`, `cognito:*` are its own, and the two verified flags follow their own rule.
const NEVER: [&str; 5] = ["sub", "identities", "username", "email_verified", "phone_number_verified"];

fn never_copied(name: &str) -> bool {
    NEVER.contains(&name) || name.starts_with("cognito:")
}

/// Attribute names, exact (`email`) or as a prefix (`custom:*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allowlist {
    exact: BTreeSet<String>,
    prefixes: Vec<String>,
}

impl Allowlist {
    /// A comma-separated list. `sub`, `identities`, `cognito:*`, the verified flags and a bare `*`
    /// are refused: the list must say what is copied, and those are never copied.
    pub fn parse(variable: &str, text: &str) -> Result<Self, ConfigError> {
        let mut allowlist = Self::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let refuse = |reason: &str| Err(ConfigError::invalid(variable, entry, reason));
            if entry.chars().any(char::is_whitespace) {
                return refuse("attribute names have no spaces");
            }
            match entry.strip_suffix('*') {
                Some("") => return refuse("a bare * would copy everything; list the attributes"),
                Some(prefix) if never_copied(prefix) || prefix.starts_with("cognito") => {
                    return refuse("Cognito's own attributes are never copied");
                }
                Some(prefix) => allowlist.prefixes.push(prefix.to_owned()),
                None if never_copied(entry) => {
                    return refuse("never copied: Cognito assigns it, or the verified rule decides it");
                }
                None => {
                    allowlist.exact.insert(entry.to_owned());
                }
            }
        }
        if allowlist.exact.is_empty() && allowlist.prefixes.is_empty() {
            return Err(ConfigError::invalid(variable, text, "lists no attribute"));
        }
        Ok(allowlist)
    }

    pub fn allows(&self, name: &str) -> bool {
        !never_copied(name) && (self.exact.contains(name) || self.prefixes.iter().any(|p| name.starts_with(p.as_str())))
    }
}

fn says_true(attributes: &BTreeMap<String, String>, name: &str) -> bool {
    attributes.get(name).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The attributes the new user gets from what the old system holds.
pub fn select(source: &BTreeMap<String, String>, allowlist: &Allowlist) -> HashMap<String, String> {
    let mut selected: HashMap<String, String> = source
        .iter()
        .filter(|(name, value)| allowlist.allows(name) && !value.trim().is_empty())
        .map(|(name, value)| (name.clone(), value.trim().to_owned()))
        .collect();
    for (value, flag) in [("email", "email_verified"), ("phone_number", "phone_number_verified")] {
        if selected.contains_key(value) && says_true(source, flag) {
            selected.insert(flag.to_owned(), "true".to_owned());
        }
    }
    selected
}

/// Cognito sends the forgot-password code only to a verified e-mail address or phone number.
pub fn can_receive_a_code(selected: &HashMap<String, String>) -> bool {
    selected.contains_key("email_verified") || selected.contains_key("phone_number_verified")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::settings::DEFAULT_MIGRATE_ATTRIBUTES;

    fn source(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn default_list() -> Allowlist {
        Allowlist::parse("MIGRATE_ATTRIBUTES", DEFAULT_MIGRATE_ATTRIBUTES).unwrap()
    }

    #[test]
    fn only_allowlisted_attributes_are_moved_and_never_sub_or_cognitos_own() {
        let old = source(&[
            ("sub", "old-sub"),
            ("email", " jane@example.com "),
            ("name", "Jane"),
            ("custom:tenant", "acme"),
            ("cognito:user_status", "CONFIRMED"),
            ("identities", "[]"),
            ("dev:internal", "x"),
            ("locale", "   "),
        ]);
        let selected = select(&old, &default_list());
        let mut names: Vec<&str> = selected.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, ["email", "name"], "no custom attribute unless listed");
        let listed = Allowlist::parse("M", "email,name,custom:*").unwrap();
        assert!(select(&old, &listed).contains_key("custom:tenant"));
        assert_eq!(selected["email"], "jane@example.com");
        let narrow = Allowlist::parse("M", "email").unwrap();
        assert_eq!(select(&old, &narrow).len(), 1);
    }

    #[test]
    fn verified_flags_only_when_the_old_system_says_so_and_the_value_moves() {
        let verified =
            source(&[("email", "a@example.com"), ("email_verified", "True"), ("phone_number_verified", "true")]);
        let selected = select(&verified, &default_list());
        assert_eq!(selected.get("email_verified").map(String::as_str), Some("true"));
        assert_eq!(selected.get("phone_number_verified"), None, "no phone number moves");
        assert!(can_receive_a_code(&selected));
        for flag in ["false", "", "yes", "1"] {
            let old = source(&[("email", "a@example.com"), ("email_verified", flag)]);
            let selected = select(&old, &default_list());
            assert_eq!(selected.get("email_verified"), None, "{flag:?}");
            assert!(!can_receive_a_code(&selected));
        }
        let narrow = Allowlist::parse("M", "name").unwrap();
        assert_eq!(select(&verified, &narrow).get("email_verified"), None);
    }

    #[test]
    fn the_allowlist_refuses_what_is_never_copied() {
        for bad in
            ["sub", "email,sub", "*", "cognito:*", "cognito:user_status", "email_verified", "identities", "a b", ""]
        {
            assert_eq!(
                Allowlist::parse("MIGRATE_ATTRIBUTES", bad).unwrap_err().variable(),
                "MIGRATE_ATTRIBUTES",
                "{bad}"
            );
        }
        let list = Allowlist::parse("M", "email, custom:app_* ").unwrap();
        assert!(list.allows("custom:app_role") && !list.allows("custom:other") && list.allows("email"));
    }
}
