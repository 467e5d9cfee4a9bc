//! The profile item apps read: `pk = USER#<sub>`, `sk = PROFILE`.
//!
//! Written with one UpdateItem whose every attribute is `if_not_exists`: the first invocation
//! creates the row, a retry (sequential or concurrent) changes nothing, and attributes other
//! triggers own (post authentication's `lastLoginAt`, `loginCount`, …) are never touched.

use std::collections::HashMap;

use trigger_core::ports::{AttrValue, Key, Update};

pub const SORT_KEY: &str = "PROFILE";

pub fn key(sub: &str) -> Key {
    Key::new(format!("USER#{sub}"), SORT_KEY)
}

/// Profile attribute ← Cognito user attribute, copied when the user has it.
const FROM_ATTRIBUTES: [(&str, &str); 3] = [("email", "email"), ("phone", "phone_number"), ("name", "name")];

/// The create-if-missing update for a user confirmed at `now` (epoch seconds).
pub fn create_if_missing(sub: &str, username: &str, attributes: &HashMap<String, String>, now: i64) -> Update {
    let status = attributes.get("cognito:user_status").map(String::as_str).unwrap_or("CONFIRMED");
    let mut update = Update::default()
        .set_if_missing("sub", AttrValue::s(sub))
        .set_if_missing("username", AttrValue::s(username))
        .set_if_missing("status", AttrValue::s(status))
        .set_if_missing("createdAt", AttrValue::n(now))
        .set_if_missing("updatedAt", AttrValue::n(now));
    for (profile, attribute) in FROM_ATTRIBUTES {
        if let Some(value) = attributes.get(attribute).filter(|v| !v.trim().is_empty()) {
            update = update.set_if_missing(profile, AttrValue::s(value));
        }
    }
    update
}

#[cfg(test)]
mod tests {
    use super::*;
    use trigger_core::fakes::InMemoryStore;
    use trigger_core::ports::Store;

    #[tokio::test]
    async fn a_retry_keeps_the_first_row_and_other_triggers_attributes() {
        let store = InMemoryStore::default();
        let attributes = HashMap::from([("email".to_owned(), "a@example.com".to_owned())]);
        store.update(&key("s1"), &create_if_missing("s1", "ann", &attributes, 100), None).await.unwrap();
        store.update(&key("s1"), &Update::default().add("loginCount", 1), None).await.unwrap();
        let later = HashMap::from([("email".to_owned(), "changed@example.com".to_owned())]);
        store.update(&key("s1"), &create_if_missing("s1", "ann", &later, 200), None).await.unwrap();
        let item = store.get(&key("s1")).await.unwrap().unwrap();
        assert_eq!(item.str("email"), Some("a@example.com"));
        assert_eq!(item.i64("createdAt"), Some(100));
        assert_eq!(item.i64("updatedAt"), Some(100));
        assert_eq!(item.i64("loginCount"), Some(1));
        assert_eq!(item.str("status"), Some("CONFIRMED"));
        assert_eq!(item.get("phone"), None);
    }
}
