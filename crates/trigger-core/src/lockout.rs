//! The lockout record: one item per (user pool, subject), shared by pre-authentication (counts
//! and locks), post-authentication (resets after a success), post-confirmation (clears on a
//! password reset), user-migration (counts failed migrations) and `triggers-admin` (shows and
//! clears). The key and attribute names are written down here once.
//!
//! Item: `pk = LOCKOUT#<pool>#<subject>`, `sk = STATE`, all numbers (epoch seconds where they are
//! times): `attempts` counted in the current window, `windowStart`, `lockedUntil` (0 when not
//! locked), `lockouts` (consecutive lockouts since the last success), `version` (incremented by
//! every write, the guard of the second, conditional write), `updatedAt`, and `expiresAt` (TTL:
//! once it passes the record no longer matters and reads as absent).
//!
//! The subject ([`Subject`]) is `SUB#<sub>` for a user of the pool, whatever name or case they
//! typed, and `NAME#<name>` for a name no user of the pool holds (an unknown name, a legacy user
//! not migrated yet), the name under the pool's own rule ([`NameRule`]): two users of a
//! case-sensitive pool whose names differ only in case never share a record, and one user of a
//! case-insensitive pool cannot multiply their attempts by changing the case.

pub mod attempt;
pub mod policy;

use crate::ports::{AttrValue, CompareOp, Condition, EXPIRES_AT, Item, Key, PortError, Store, WriteOutcome};

pub const SORT_KEY: &str = "STATE";
pub const ATTEMPTS: &str = "attempts";
pub const WINDOW_START: &str = "windowStart";
pub const LOCKED_UNTIL: &str = "lockedUntil";
pub const LOCKOUTS: &str = "lockouts";
pub const VERSION: &str = "version";
/// The token of the attempt that wrote the record last: an SDK retry of a write that did land
/// (its first try outlived the attempt timeout) finds its own token there and is not counted again.
pub const LAST_ATTEMPT: &str = "lastAttempt";
pub const UPDATED_AT: &str = "updatedAt";

/// Whether the user pool tells user names apart by letter case (`USER_NAMES_CASE_SENSITIVE`).
/// Cognito's `UsernameConfiguration.CaseSensitive`: a pool created without it (CloudFormation's
/// default) is case-sensitive; the construct's new pools are not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameRule {
    /// `Jane` and `jane` are two users: names are compared byte for byte. The default, because it
    /// is the safe assumption: on a case-insensitive pool it only keeps the case variants of a
    /// name that does not exist apart; the other way round it would merge two users.
    #[default]
    CaseSensitive,
    /// `Jane` and `jane` are one user: names are compared lower-cased.
    CaseInsensitive,
}

impl NameRule {
    pub const VARIABLE: &str = "USER_NAMES_CASE_SENSITIVE";

    /// `USER_NAMES_CASE_SENSITIVE` (true by default).
    pub fn from_env(env: &crate::config::Env) -> Result<Self, crate::config::ConfigError> {
        Ok(if env.flag(Self::VARIABLE, true)? { Self::CaseSensitive } else { Self::CaseInsensitive })
    }

    /// The form two names that the pool takes for one user share: trimmed, and lower-cased only
    /// where the pool ignores case.
    pub fn normalise(self, user_name: &str) -> String {
        match self {
            Self::CaseSensitive => user_name.trim().to_owned(),
            Self::CaseInsensitive => user_name.trim().to_lowercase(),
        }
    }
}

/// Whose record: a user of the pool, or a name no user holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A user of the pool, by `sub`: the same whatever name, alias or case they signed in with.
    User { sub: String },
    /// A name the pool has no user for, normalised under the pool's [`NameRule`].
    Name(String),
}

impl Subject {
    /// The subject of an event: its user's `sub` when the event carries one (every event about an
    /// existing user does), else `user_name` under `rule`.
    pub fn of(user_name: &str, sub: Option<&str>, rule: NameRule) -> Self {
        match sub.map(str::trim).filter(|sub| !sub.is_empty()) {
            Some(sub) => Self::User { sub: sub.to_owned() },
            None => Self::Name(rule.normalise(user_name)),
        }
    }

    /// The subject of a sign-in event: its user's `sub` from `userAttributes`, unless Cognito
    /// says the name has no user (`userNotFound`), then the name under `rule`.
    pub fn of_sign_in(
        user_name: &str,
        attributes: &std::collections::HashMap<String, String>,
        user_not_found: bool,
        rule: NameRule,
    ) -> Self {
        let sub = if user_not_found { None } else { attributes.get("sub").map(String::as_str) };
        Self::of(user_name, sub, rule)
    }

    /// The subject of an existing user: its `sub` from an event's `userAttributes`, or `None` when
    /// the event carries none. For triggers that only ever see users of the pool (post
    /// authentication, post confirmation), which then touch no record rather than guess one by name.
    pub fn user(attributes: &std::collections::HashMap<String, String>) -> Option<Self> {
        let sub = attributes.get("sub").map(|sub| sub.trim()).filter(|sub| !sub.is_empty())?;
        Some(Self::User { sub: sub.to_owned() })
    }

    /// The part of a key after the pool: `SUB#<sub>` or `NAME#<name>`.
    pub fn key_part(&self) -> String {
        match self {
            Self::User { sub } => format!("SUB#{sub}"),
            Self::Name(name) => format!("NAME#{name}"),
        }
    }
}

/// The record's key. Works the same for a name that does not exist (`userNotFound`).
pub fn key(user_pool_id: &str, subject: &Subject) -> Key {
    Key::new(format!("LOCKOUT#{user_pool_id}#{}", subject.key_part()), SORT_KEY)
}

/// The record's values. Missing numbers read as 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LockoutState {
    pub attempts: i64,
    pub window_start: i64,
    pub locked_until: i64,
    pub lockouts: i64,
    pub version: i64,
    pub expires_at: Option<i64>,
}

impl LockoutState {
    pub fn from_item(item: &Item) -> Self {
        let number = |name| item.i64(name).unwrap_or(0);
        Self {
            attempts: number(ATTEMPTS),
            window_start: number(WINDOW_START),
            locked_until: number(LOCKED_UNTIL),
            lockouts: number(LOCKOUTS),
            version: number(VERSION),
            expires_at: item.i64(EXPIRES_AT),
        }
    }

    /// The state as of `now`: an expired record (TTL deletion is lazy) is no record.
    pub fn live(item: Option<&Item>, now: i64) -> Option<Self> {
        item.filter(|i| !i.is_expired(now)).map(Self::from_item)
    }

    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until > now
    }
}

/// What a reset after a successful sign-in did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetOutcome {
    /// The record is gone (or was not there): the count and the consecutive lockouts start over.
    Reset,
    /// A lock was set after this sign-in passed pre authentication (concurrent wrong attempts):
    /// it stays, so a success cannot be used to cut someone else's lock short.
    KeptActiveLock { locked_until: i64 },
}

/// After a successful sign-in: delete the record unless a lock is active at `now`.
pub async fn reset_after_success(store: &dyn Store, key: &Key, now: i64) -> Result<ResetOutcome, PortError> {
    let not_locked = Condition::Or(vec![
        Condition::ItemNotExists,
        Condition::compare(LOCKED_UNTIL, CompareOp::Le, AttrValue::n(now)),
        Condition::compare(EXPIRES_AT, CompareOp::Le, AttrValue::n(now)),
    ]);
    Ok(match store.delete(key, Some(&not_locked)).await? {
        WriteOutcome::Written => ResetOutcome::Reset,
        WriteOutcome::ConditionFailed { current } => ResetOutcome::KeptActiveLock {
            locked_until: current.as_ref().map(LockoutState::from_item).map(|s| s.locked_until).unwrap_or(0),
        },
    })
}

/// An operator's unlock: delete the record whatever it holds.
pub async fn clear(store: &dyn Store, key: &Key) -> Result<(), PortError> {
    store.delete(key, None).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(name: &str, rule: NameRule) -> Subject {
        Subject::of(name, None, rule)
    }

    #[test]
    fn keys_are_per_pool_and_subject() {
        let jane = Subject::of("Jane.Doe", Some("0f1e-sub"), NameRule::CaseSensitive);
        assert_eq!(key("eu-west-1_A", &jane).pk, "LOCKOUT#eu-west-1_A#SUB#0f1e-sub");
        assert_ne!(key("eu-west-1_A", &jane), key("eu-west-1_B", &jane));
        assert_eq!(key("p", &jane).sk, "STATE");
        assert_eq!(
            key("eu-west-1_A", &name(" Jane.Doe ", NameRule::CaseSensitive)).pk,
            "LOCKOUT#eu-west-1_A#NAME#Jane.Doe"
        );
    }

    #[test]
    fn two_users_whose_names_differ_only_in_case_never_share_a_record() {
        // A case-sensitive pool: `Jane.Doe` and `jane.doe` are two users, with two subs.
        let upper = Subject::of("Jane.Doe", Some("sub-1"), NameRule::CaseSensitive);
        let lower = Subject::of("jane.doe", Some("sub-2"), NameRule::CaseSensitive);
        assert_ne!(key("p", &upper), key("p", &lower));
        // Names nobody holds in a case-sensitive pool stay apart as well.
        assert_ne!(
            key("p", &name("Jane.Doe", NameRule::CaseSensitive)),
            key("p", &name("jane.doe", NameRule::CaseSensitive))
        );
        // A user and an unknown name that differ only in case: apart.
        assert_ne!(key("p", &upper), key("p", &name("jane.doe", NameRule::CaseSensitive)));
    }

    #[test]
    fn one_user_always_maps_to_one_record() {
        // Whatever the case typed, a user of the pool is counted by sub.
        let typed = ["JANE.DOE", "jane.doe", "Jane.Doe"]
            .map(|typed| key("p", &Subject::of(typed, Some("sub-1"), NameRule::CaseInsensitive)));
        assert!(typed.iter().all(|k| *k == typed[0]));
        // In a case-insensitive pool the case variants of a name nobody holds are one name: one
        // counter (the merge is wanted here, so that guessing on a legacy user's name cannot be
        // spread over its case variants).
        assert_eq!(
            key("p", &name("JANE.DOE ", NameRule::CaseInsensitive)),
            key("p", &name("jane.doe", NameRule::CaseInsensitive))
        );
        // An empty sub is no sub.
        assert_eq!(Subject::of("Jane", Some(" "), NameRule::CaseSensitive), Subject::Name("Jane".into()));
    }

    #[test]
    fn the_name_rule_comes_from_the_environment_and_is_case_sensitive_unless_told() {
        use crate::config::Env;
        assert_eq!(NameRule::from_env(&Env::default()), Ok(NameRule::CaseSensitive));
        let env = Env::from_pairs([(NameRule::VARIABLE, "false")]);
        assert_eq!(NameRule::from_env(&env), Ok(NameRule::CaseInsensitive));
        let bad = Env::from_pairs([(NameRule::VARIABLE, "sometimes")]);
        assert_eq!(NameRule::from_env(&bad).map_err(|e| e.variable().to_owned()), Err(NameRule::VARIABLE.to_owned()));
    }

    #[test]
    fn an_expired_record_reads_as_absent() {
        let item = Item::new(&key("p", &name("u", NameRule::CaseSensitive)))
            .with(ATTEMPTS, AttrValue::n(3))
            .with(EXPIRES_AT, AttrValue::n(100));
        assert_eq!(LockoutState::live(Some(&item), 99).map(|s| s.attempts), Some(3));
        assert_eq!(LockoutState::live(Some(&item), 100), None);
    }
}
