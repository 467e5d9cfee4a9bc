//! E-mail and phone reservations: the table rows that make "one account per address" race-free.
//!
//! Pre sign-up reserves a value with a conditional write before it answers (see
//! `docs/triggers/pre-signup.md` for the whole rule), and takes over one whose holder is gone or
//! no longer has the value proved; post confirmation makes the reservation permanent; the
//! sign-up reminder's `expire` step releases it; `triggers-admin` releases and backfills. All of
//! them build the rows and conditions here, so that they are written down once.
//!
//! Item: `pk = EMAIL#<pool>#<normalised address>` or `PHONE#<pool>#<number>`, `sk = RESERVATION`,
//! `owner` (the Cognito user name holding it), `status` (`PENDING` until confirmed, then
//! `CONFIRMED`), `createdAt`, `updatedAt` (epoch seconds), `expiresAt` while pending, and
//! `verifiedBy = RULE` when pre sign-up had the value verified by a domain rule (not proved).

use std::collections::HashMap;

use crate::ports::{
    AttrValue, CompareOp, Condition, DirectoryUser, EXPIRES_AT, Item, Key, PortError, Store, Update, UpdateOutcome,
    WriteOutcome,
};

pub const SORT_KEY: &str = "RESERVATION";
pub const OWNER: &str = "owner";
pub const STATUS: &str = "status";
pub const CREATED_AT: &str = "createdAt";
pub const UPDATED_AT: &str = "updatedAt";
pub const PENDING: &str = "PENDING";
pub const CONFIRMED: &str = "CONFIRMED";
/// `verifiedBy`: set to [`BY_RULE`] when pre sign-up had Cognito verify the holder's value by a
/// rule (`AUTO_CONFIRM_EMAIL_DOMAINS`), without anyone proving it. Kept by [`confirm`].
pub const VERIFIED_BY: &str = "verifiedBy";
pub const BY_RULE: &str = "RULE";

/// What kind of value is reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Email,
    Phone,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
        }
    }

    /// The Cognito attribute that holds the value.
    pub fn attribute(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone_number",
        }
    }

    /// The form a value is reserved under: e-mail trimmed and lower-cased as a whole (Cognito
    /// compares addresses case-insensitively; `+tags` and dots are kept); phone numbers trimmed
    /// (Cognito stores them in E.164 already).
    pub fn normalise(self, value: &str) -> String {
        match self {
            Self::Email => value.trim().to_lowercase(),
            Self::Phone => value.trim().to_owned(),
        }
    }
}

/// The reservation's key for an already normalised value.
pub fn key(user_pool_id: &str, kind: Kind, normalised: &str) -> Key {
    Key::new(format!("{}#{user_pool_id}#{normalised}", kind.prefix()), SORT_KEY)
}

/// A pending reservation held by `owner` until `expires_at`.
pub fn pending_item(key: &Key, owner: &str, now: i64, expires_at: i64) -> Item {
    Item::new(key)
        .with(OWNER, AttrValue::s(owner))
        .with(STATUS, AttrValue::s(PENDING))
        .with(CREATED_AT, AttrValue::n(now))
        .with(UPDATED_AT, AttrValue::n(now))
        .with(EXPIRES_AT, AttrValue::n(expires_at))
}

/// A permanent reservation held by `owner` (a confirmed user's).
pub fn confirmed_item(key: &Key, owner: &str, now: i64) -> Item {
    Item::new(key)
        .with(OWNER, AttrValue::s(owner))
        .with(STATUS, AttrValue::s(CONFIRMED))
        .with(CREATED_AT, AttrValue::n(now))
        .with(UPDATED_AT, AttrValue::n(now))
}

/// `item` (a pending or confirmed item) marked: its holder's value was verified by rule, not proved.
pub fn verified_by_rule(item: Item) -> Item {
    item.with(VERIFIED_BY, AttrValue::s(BY_RULE))
}

/// The row says `owner`'s value was verified by rule (see [`verified_by_rule`]): `owner` never
/// proved it, whatever Cognito's `email_verified` says. Federated linking refuses such a holder.
pub fn is_verified_by_rule(item: &Item, owner: &str) -> bool {
    item.str(OWNER) == Some(owner) && item.str(VERIFIED_BY) == Some(BY_RULE)
}

/// Held by `owner`.
pub fn owned_by(owner: &str) -> Condition {
    Condition::equals(OWNER, AttrValue::s(owner))
}

/// The row is still `current`, the one a decision was made on: same holder, status and times.
/// A take-over conditional on it loses to anyone who changed the row meanwhile.
pub fn unchanged(current: &Item) -> Condition {
    let mut same = Vec::new();
    for name in [OWNER, STATUS] {
        same.push(match current.get(name) {
            Some(value) => Condition::equals(name, value.clone()),
            None => Condition::AttributeNotExists(name.to_owned()),
        });
    }
    for name in [CREATED_AT, UPDATED_AT] {
        same.push(match current.get(name) {
            Some(value) => Condition::compare(name, CompareOp::Eq, value.clone()),
            None => Condition::AttributeNotExists(name.to_owned()),
        });
    }
    Condition::And(vec![Condition::ItemExists, Condition::And(same)])
}

/// The user attribute that says `kind`'s value was proved (`email_verified`, `phone_number_verified`).
pub fn verified_attribute(kind: Kind) -> &'static str {
    match kind {
        Kind::Email => "email_verified",
        Kind::Phone => "phone_number_verified",
    }
}

/// The user's `email` / `phone_number`, normalised as reservations are keyed, is `normalised`.
pub fn has_value(user: &DirectoryUser, kind: Kind, normalised: &str) -> bool {
    user.attribute(kind.attribute()).is_some_and(|value| kind.normalise(value) == normalised)
}

/// The user's `kind` value is verified.
pub fn is_verified(user: &DirectoryUser, kind: Kind) -> bool {
    user.is_true(verified_attribute(kind))
}

/// The user has `normalised` and proved it (verified): the only kind of holder a reservation
/// protects. Pre sign-up's take-over and `triggers-admin` (release, backfill) decide by it.
pub fn holds_verified(user: &DirectoryUser, kind: Kind, normalised: &str) -> bool {
    has_value(user, kind, normalised) && is_verified(user, kind)
}

/// What [`confirm`] did for one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// The user's reservation is now permanent (also when it already was: retries are fine).
    Permanent,
    /// There was no live reservation (the user predates the trigger, or it had expired): one was
    /// written for the user, permanent.
    Created,
    /// Another user holds the value; nothing was changed.
    HeldByOther { owner: String },
}

/// Post confirmation's hand-off: makes the reservation of `value` permanent for `owner`.
/// Idempotent; never takes a value another user holds unexpired.
pub async fn confirm(
    store: &dyn Store,
    user_pool_id: &str,
    kind: Kind,
    value: &str,
    owner: &str,
    now: i64,
) -> Result<Confirmation, PortError> {
    let key = key(user_pool_id, kind, &kind.normalise(value));
    let permanent =
        Update::default().set(STATUS, AttrValue::s(CONFIRMED)).set(UPDATED_AT, AttrValue::n(now)).remove(EXPIRES_AT);
    let mine = Condition::And(vec![Condition::ItemExists, owned_by(owner)]);
    match store.update(&key, &permanent, Some(&mine)).await? {
        UpdateOutcome::Updated(_) => return Ok(Confirmation::Permanent),
        UpdateOutcome::ConditionFailed { current: Some(current) } if !current.is_expired(now) => {
            return Ok(Confirmation::HeldByOther { owner: current.str(OWNER).unwrap_or_default().to_owned() });
        }
        UpdateOutcome::ConditionFailed { .. } => {}
    }
    match store.put(&confirmed_item(&key, owner, now), Some(&Condition::absent_or_expired(now))).await? {
        WriteOutcome::Written => Ok(Confirmation::Created),
        WriteOutcome::ConditionFailed { current } => Ok(match current {
            Some(current) if current.str(OWNER) == Some(owner) => Confirmation::Permanent,
            current => Confirmation::HeldByOther {
                owner: current.and_then(|c| c.str(OWNER).map(str::to_owned)).unwrap_or_default(),
            },
        }),
    }
}

/// Confirms every reservable value among a user's attributes (`email`, `phone_number`).
pub async fn confirm_all(
    store: &dyn Store,
    user_pool_id: &str,
    owner: &str,
    attributes: &HashMap<String, String>,
    now: i64,
) -> Result<Vec<(Kind, Confirmation)>, PortError> {
    let mut outcomes = Vec::new();
    for kind in [Kind::Email, Kind::Phone] {
        if let Some(value) = attributes.get(kind.attribute()).filter(|v| !v.trim().is_empty()) {
            outcomes.push((kind, confirm(store, user_pool_id, kind, value, owner, now).await?));
        }
    }
    Ok(outcomes)
}

/// Releases `owner`'s pending reservation of `value` (the reminder's `expire` step). A confirmed
/// reservation, or one another user holds, is left alone. Returns whether a row was deleted.
pub async fn release(
    store: &dyn Store,
    user_pool_id: &str,
    kind: Kind,
    value: &str,
    owner: &str,
) -> Result<bool, PortError> {
    let key = key(user_pool_id, kind, &kind.normalise(value));
    let pending_and_mine =
        Condition::And(vec![owned_by(owner), Condition::compare(STATUS, CompareOp::Eq, AttrValue::s(PENDING))]);
    Ok(store.delete(&key, Some(&pending_and_mine)).await? == WriteOutcome::Written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::InMemoryStore;

    const POOL: &str = "us-east-1_X";

    #[tokio::test]
    async fn confirming_makes_the_owners_reservation_permanent_and_is_idempotent() {
        let store = InMemoryStore::default();
        let key = key(POOL, Kind::Email, "jane@example.com");
        store.put(&pending_item(&key, "jane", 100, 200), None).await.unwrap();
        for _ in 0..2 {
            let outcome = confirm(&store, POOL, Kind::Email, " Jane@Example.com ", "jane", 150).await.unwrap();
            assert_eq!(outcome, Confirmation::Permanent);
        }
        let item = store.get(&key).await.unwrap().unwrap();
        assert_eq!(item.str(STATUS), Some(CONFIRMED));
        assert_eq!(item.get(EXPIRES_AT), None, "a confirmed reservation never expires");
        assert!(!release(&store, POOL, Kind::Email, "jane@example.com", "jane").await.unwrap(), "confirmed: kept");
    }

    #[tokio::test]
    async fn confirming_without_a_live_reservation_creates_one_but_never_steals() {
        let store = InMemoryStore::default();
        assert_eq!(confirm(&store, POOL, Kind::Phone, "+15550001", "old", 10).await.unwrap(), Confirmation::Created);
        let taken = key(POOL, Kind::Email, "x@example.com");
        store.put(&pending_item(&taken, "first", 100, 500), None).await.unwrap();
        assert_eq!(
            confirm(&store, POOL, Kind::Email, "x@example.com", "second", 150).await.unwrap(),
            Confirmation::HeldByOther { owner: "first".into() }
        );
        // Past its expiry the pending row no longer counts.
        assert_eq!(
            confirm(&store, POOL, Kind::Email, "x@example.com", "second", 600).await.unwrap(),
            Confirmation::Created
        );
        assert_eq!(store.get(&taken).await.unwrap().unwrap().str(OWNER), Some("second"));
    }

    #[tokio::test]
    async fn release_deletes_only_the_owners_pending_row() {
        let store = InMemoryStore::default();
        let key = key(POOL, Kind::Email, "y@example.com");
        store.put(&pending_item(&key, "yann", 1, 2), None).await.unwrap();
        assert!(!release(&store, POOL, Kind::Email, "y@example.com", "someone-else").await.unwrap());
        assert!(release(&store, POOL, Kind::Email, "Y@example.com", "yann").await.unwrap());
        assert_eq!(store.get(&key).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_write_conditional_on_the_row_read_loses_to_any_change() {
        let store = InMemoryStore::default();
        let key = key(POOL, Kind::Email, "c@example.com");
        store.put(&confirmed_item(&key, "first", 10), None).await.unwrap();
        let read = store.get(&key).await.unwrap().unwrap();
        // Someone confirms again meanwhile (updatedAt moves): the decision made on `read` is stale.
        confirm(&store, POOL, Kind::Email, "c@example.com", "first", 20).await.unwrap();
        let taker = pending_item(&key, "second", 30, 40);
        assert!(matches!(
            store.put(&taker, Some(&unchanged(&read))).await.unwrap(),
            WriteOutcome::ConditionFailed { .. }
        ));
        let fresh = store.get(&key).await.unwrap().unwrap();
        assert_eq!(store.put(&taker, Some(&unchanged(&fresh))).await.unwrap(), WriteOutcome::Written);
        store.delete(&key, None).await.unwrap();
        assert!(
            matches!(store.put(&taker, Some(&unchanged(&fresh))).await.unwrap(), WriteOutcome::ConditionFailed { .. }),
            "gone: not the row read either"
        );
    }

    #[tokio::test]
    async fn a_value_verified_by_rule_stays_marked_through_confirmation_and_only_for_its_holder() {
        let store = InMemoryStore::default();
        let key = key(POOL, Kind::Email, "ceo@corp.example");
        store.put(&verified_by_rule(pending_item(&key, "ceo", 100, 200)), None).await.unwrap();
        assert_eq!(
            confirm(&store, POOL, Kind::Email, "ceo@corp.example", "ceo", 150).await.unwrap(),
            Confirmation::Permanent
        );
        let row = store.get(&key).await.unwrap().unwrap();
        assert!(is_verified_by_rule(&row, "ceo"), "post confirmation keeps the mark");
        assert!(!is_verified_by_rule(&row, "someone-else"), "the mark is about the row's holder");
        let proved = confirmed_item(&key, "ceo", 300);
        assert!(!is_verified_by_rule(&proved, "ceo"), "an unmarked row says nothing of the kind");
    }

    #[tokio::test]
    async fn confirm_all_covers_email_and_phone() {
        let store = InMemoryStore::default();
        let attributes = HashMap::from([
            ("email".to_owned(), "z@example.com".to_owned()),
            ("phone_number".to_owned(), "+15550002".to_owned()),
            ("name".to_owned(), "Zed".to_owned()),
        ]);
        let outcomes = confirm_all(&store, POOL, "zed", &attributes, 5).await.unwrap();
        assert_eq!(outcomes, vec![(Kind::Email, Confirmation::Created), (Kind::Phone, Confirmation::Created)]);
    }
}
