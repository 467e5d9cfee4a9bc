//! The lockout record: one item per (user pool, normalised user name), shared by
//! pre-authentication (counts and locks), post-authentication (resets after a success) and
//! `triggers-admin` (shows and clears). The key and attribute names are written down here once.
//!
//! Item: `pk = LOCKOUT#<pool>#<normalised user name>`, `sk = STATE`, all numbers (epoch seconds
//! where they are times): `attempts` counted in the current window, `windowStart`, `lockedUntil`
//! (0 when not locked), `lockouts` (consecutive lockouts since the last success), `version`
//! (incremented by every write, the guard of the second, conditional write), `updatedAt`, and
//! `expiresAt` (TTL: once it passes the record no longer matters and reads as absent).

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

/// The form a user name is counted under: trimmed and lower-cased, so `Jane ` and `jane` share one
/// counter (Cognito user names are case-insensitive in new pools).
pub fn normalise(user_name: &str) -> String {
    user_name.trim().to_lowercase()
}

/// The record's key. Works the same for a user name that does not exist (`userNotFound`).
pub fn key(user_pool_id: &str, user_name: &str) -> Key {
    Key::new(format!("LOCKOUT#{user_pool_id}#{}", normalise(user_name)), SORT_KEY)
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

    #[test]
    fn keys_are_per_pool_and_normalised_user_name() {
        assert_eq!(key("eu-west-1_A", "  Jane.Doe ").pk, "LOCKOUT#eu-west-1_A#jane.doe");
        assert_eq!(key("eu-west-1_A", "JANE.DOE"), key("eu-west-1_A", "jane.doe"));
        assert_ne!(key("eu-west-1_A", "jane"), key("eu-west-1_B", "jane"));
        assert_eq!(key("p", "x").sk, "STATE");
    }

    #[test]
    fn an_expired_record_reads_as_absent() {
        let item = Item::new(&key("p", "u")).with(ATTEMPTS, AttrValue::n(3)).with(EXPIRES_AT, AttrValue::n(100));
        assert_eq!(LockoutState::live(Some(&item), 99).map(|s| s.attempts), Some(3));
        assert_eq!(LockoutState::live(Some(&item), 100), None);
    }
}
