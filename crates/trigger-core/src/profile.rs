//! The user profile item that apps read: `pk = USER#<sub>`, `sk = PROFILE` (docs/architecture.md).
//!
//! Post confirmation, post authentication and pre token generation all write it, each only the
//! attributes it owns; creating it is shared here. Every creating write sets attributes only
//! `if_not_exists`, so concurrent or retried invocations make one row and overwrite nothing.

use std::collections::HashMap;

use crate::ports::{AttrValue, Key, Update};

pub const SORT_KEY: &str = "PROFILE";

/// The partition of everything stored about one user (profile, login history).
pub fn partition(sub: &str) -> String {
    format!("USER#{sub}")
}

pub fn key(sub: &str) -> Key {
    Key::new(partition(sub), SORT_KEY)
}

/// The address an identity provider verified when pre sign-up linked the provider to this user
/// (normalised), and that provider's name. Pre token generation restores `email_verified` only
/// for this address: a linked user who changes their e-mail gets no free verification.
pub const PROVIDER_VERIFIED_EMAIL: &str = "providerVerifiedEmail";
pub const PROVIDER_VERIFIED_BY: &str = "providerVerifiedBy";

/// Adds to `update` the record of `email` as verified by `provider`.
pub fn record_provider_verified_email(update: Update, provider: &str, email: &str, now: i64) -> Update {
    update
        .set(PROVIDER_VERIFIED_EMAIL, AttrValue::s(email.trim().to_lowercase()))
        .set(PROVIDER_VERIFIED_BY, AttrValue::s(provider))
        .set("providerVerifiedAt", AttrValue::n(now))
}

/// Profile attribute ← Cognito user attribute, copied when the user has it.
pub const FROM_ATTRIBUTES: [(&str, &str); 4] =
    [("email", "email"), ("phone", "phone_number"), ("name", "name"), ("picture", "picture")];

/// A non-blank user attribute.
pub fn attribute<'a>(attributes: &'a HashMap<String, String>, name: &str) -> Option<&'a String> {
    attributes.get(name).filter(|v| !v.trim().is_empty())
}

/// The create-if-missing update for the row of `sub` from the user's attributes at `now` (epoch
/// seconds). `status` is the user's `cognito:user_status` when the event gives it.
pub fn create_if_missing(sub: &str, username: &str, attributes: &HashMap<String, String>, now: i64) -> Update {
    let status = attribute(attributes, "cognito:user_status").map(String::as_str).unwrap_or("CONFIRMED");
    let mut update = Update::default()
        .set_if_missing("sub", AttrValue::s(sub))
        .set_if_missing("username", AttrValue::s(username))
        .set_if_missing("status", AttrValue::s(status))
        .set_if_missing("createdAt", AttrValue::n(now))
        .set_if_missing("updatedAt", AttrValue::n(now));
    for (profile, name) in FROM_ATTRIBUTES {
        if let Some(value) = attribute(attributes, name) {
            update = update.set_if_missing(profile, AttrValue::s(value));
        }
    }
    update
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::InMemoryStore;
    use crate::ports::Store;

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
        assert_eq!(key("s1"), Key::new("USER#s1", "PROFILE"));
    }
}
