//! The profile item (`pk = USER#<sub>`, `sk = PROFILE`): login fields updated on every sign-in,
//! the item created when missing (migrated and admin-created users never pass post confirmation).
//!
//! Retries: Cognito retries a trigger that timed out with the same event, and nothing in a post
//! authentication event (no timestamp, no id) tells two sign-ins apart. So the update is guarded
//! by a fingerprint of the event: it applies (and `ADD loginCount 1` counts) unless the profile's
//! last sign-in has the same fingerprint and is less than [`DEDUPE_SECONDS`] old. One
//! conditional `UpdateItem`, atomic: a retry, or a second concurrent delivery, cannot count twice.
//! The price: two real sign-ins of the same user from the same app client, with the same device
//! flag and client metadata, within that time count once.

use trigger_core::ports::{AttrValue, CompareOp, Condition, PortError, Store, Update, UpdateOutcome};

pub use trigger_core::profile::{SORT_KEY, key};
pub const LAST_LOGIN_AT: &str = "lastLoginAt";
pub const LOGIN_COUNT: &str = "loginCount";
pub const LAST_CLIENT_ID: &str = "lastClientId";
pub const LAST_NEW_DEVICE: &str = "lastNewDevice";
pub const LAST_LOGIN_FINGERPRINT: &str = "lastLoginFingerprint";

/// Longer than Cognito's retries of one invocation (3 attempts of at most 5 s each).
pub const DEDUPE_SECONDS: i64 = 30;

/// One successful sign-in, as the event describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignIn {
    pub sub: String,
    pub username: String,
    pub email: Option<String>,
    pub client_id: Option<String>,
    pub new_device: bool,
    /// [`fingerprint`] of the event: equal for a retried delivery of the same event.
    pub fingerprint: String,
    /// Epoch seconds.
    pub at: i64,
}

/// FNV-1a (64 bit) over the fields that identify a delivery, in a fixed order. Stable across
/// builds (std's hasher is not guaranteed to be); not a security boundary.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Whether the sign-in was counted, or recognised as a retry of one already counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    Counted,
    /// A retry of the sign-in counted at `at` (epoch seconds, the first delivery's time).
    Retry {
        at: i64,
    },
}

fn not_a_retry(sign_in: &SignIn) -> Condition {
    Condition::Or(vec![
        Condition::ItemNotExists,
        Condition::AttributeNotExists(LAST_LOGIN_FINGERPRINT.to_owned()),
        Condition::Not(Box::new(Condition::equals(LAST_LOGIN_FINGERPRINT, AttrValue::s(&sign_in.fingerprint)))),
        Condition::compare(LAST_LOGIN_AT, CompareOp::Le, AttrValue::n(sign_in.at - DEDUPE_SECONDS)),
    ])
}

fn update(sign_in: &SignIn) -> Update {
    let mut update = Update::default()
        .set(LAST_LOGIN_AT, AttrValue::n(sign_in.at))
        .set(LAST_NEW_DEVICE, AttrValue::Bool(sign_in.new_device))
        .set(LAST_LOGIN_FINGERPRINT, AttrValue::s(&sign_in.fingerprint))
        .set("username", AttrValue::s(&sign_in.username))
        .set("updatedAt", AttrValue::n(sign_in.at))
        .set_if_missing("sub", AttrValue::s(&sign_in.sub))
        .set_if_missing("createdAt", AttrValue::n(sign_in.at))
        .add(LOGIN_COUNT, 1);
    if let Some(email) = &sign_in.email {
        update = update.set("email", AttrValue::s(email));
    }
    match &sign_in.client_id {
        Some(client) => update.set(LAST_CLIENT_ID, AttrValue::s(client)),
        None => update.remove(LAST_CLIENT_ID),
    }
}

pub async fn record(store: &dyn Store, sign_in: &SignIn) -> Result<Recorded, PortError> {
    Ok(match store.update(&key(&sign_in.sub), &update(sign_in), Some(&not_a_retry(sign_in))).await? {
        UpdateOutcome::Updated(_) => Recorded::Counted,
        UpdateOutcome::ConditionFailed { current } => {
            Recorded::Retry { at: current.and_then(|item| item.i64(LAST_LOGIN_AT)).unwrap_or(sign_in.at) }
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use trigger_core::fakes::InMemoryStore;

    use super::*;

    fn sign_in(at: i64, client: &str) -> SignIn {
        SignIn {
            sub: "s-1".into(),
            username: "jane".into(),
            email: Some("jane@example.com".into()),
            client_id: Some(client.into()),
            new_device: false,
            fingerprint: fingerprint(&["pool", "jane", client]),
            at,
        }
    }

    #[test]
    fn fingerprints_are_stable_and_field_separated() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
    }

    #[tokio::test]
    async fn creates_the_profile_and_counts_each_sign_in_once() {
        let store = InMemoryStore::default();
        assert_eq!(record(&store, &sign_in(1_000, "app")).await.unwrap(), Recorded::Counted);
        // The same event again within the dedupe time: a retry.
        assert_eq!(record(&store, &sign_in(1_010, "app")).await.unwrap(), Recorded::Retry { at: 1_000 });
        // Another app, or later: a new sign-in.
        assert_eq!(record(&store, &sign_in(1_011, "web")).await.unwrap(), Recorded::Counted);
        assert_eq!(record(&store, &sign_in(1_011 + DEDUPE_SECONDS, "web")).await.unwrap(), Recorded::Counted);
        let item = store.get(&key("s-1")).await.unwrap().unwrap();
        assert_eq!(item.i64(LOGIN_COUNT), Some(3));
        assert_eq!(item.i64("createdAt"), Some(1_000));
        assert_eq!(item.i64(LAST_LOGIN_AT), Some(1_041));
        assert_eq!(item.str(LAST_CLIENT_ID), Some("web"));
        assert_eq!(item.str("sub"), Some("s-1"));
    }
}
