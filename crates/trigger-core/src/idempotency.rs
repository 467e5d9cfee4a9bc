//! Once-only side effects under Cognito's retries: claim a record before the effect (an e-mail),
//! mark it done after, give the claim back if the effect failed so that a retry can do it.
//!
//! Item: `pk = IDEMPOTENCY#<purpose>#<id>`, `sk = CLAIM`, `status` (`IN_PROGRESS` / `DONE`),
//! `claimedAt`, `expiresAt` (how long the record is kept). A claim whose holder died (crashed
//! between the effect and [`complete`]) can be taken again after the lease: at that point the
//! effect may happen twice, which is the only case it can.

use crate::ports::{AttrValue, CompareOp, Condition, EXPIRES_AT, Item, Key, PortError, Store, Update, WriteOutcome};

pub const SORT_KEY: &str = "CLAIM";
const STATUS: &str = "status";
const CLAIMED_AT: &str = "claimedAt";
const IN_PROGRESS: &str = "IN_PROGRESS";
const DONE: &str = "DONE";

/// A claim that was not completed within this many seconds is considered abandoned.
pub const LEASE_SECONDS: i64 = 60;

/// What a claim attempt found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Ours: do the effect, then [`complete`] (or [`abandon`] if it failed).
    Claimed,
    /// Done already: do nothing.
    AlreadyDone,
    /// Another invocation holds a live claim: do nothing (it will complete or abandon).
    InProgress,
}

pub fn key(purpose: &str, id: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{purpose}#{id}"), SORT_KEY)
}

/// Claims `key`, keeping the record `keep_seconds` after `now`.
pub async fn claim(store: &dyn Store, key: &Key, now: i64, keep_seconds: i64) -> Result<Claim, PortError> {
    let item = Item::new(key)
        .with(STATUS, AttrValue::s(IN_PROGRESS))
        .with(CLAIMED_AT, AttrValue::n(now))
        .with(EXPIRES_AT, AttrValue::n(now + keep_seconds));
    let free = Condition::Or(vec![
        Condition::absent_or_expired(now),
        Condition::And(vec![
            Condition::equals(STATUS, AttrValue::s(IN_PROGRESS)),
            Condition::compare(CLAIMED_AT, CompareOp::Le, AttrValue::n(now - LEASE_SECONDS)),
        ]),
    ]);
    Ok(match store.put(&item, Some(&free)).await? {
        WriteOutcome::Written => Claim::Claimed,
        WriteOutcome::ConditionFailed { current } => {
            if current.as_ref().and_then(|c| c.str(STATUS)) == Some(DONE) {
                Claim::AlreadyDone
            } else {
                Claim::InProgress
            }
        }
    })
}

/// Marks the effect done.
pub async fn complete(store: &dyn Store, key: &Key, now: i64) -> Result<(), PortError> {
    let done = Update::default().set(STATUS, AttrValue::s(DONE)).set("completedAt", AttrValue::n(now));
    store.update(key, &done, Some(&Condition::ItemExists)).await?;
    Ok(())
}

/// Gives an unfinished claim back, so that the next invocation can try the effect again.
pub async fn abandon(store: &dyn Store, key: &Key) -> Result<(), PortError> {
    store.delete(key, Some(&Condition::equals(STATUS, AttrValue::s(IN_PROGRESS)))).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::InMemoryStore;

    #[tokio::test]
    async fn one_claim_wins_and_a_completed_one_stays_done() {
        let store = InMemoryStore::default();
        let key = key("welcome", "us-east-1_X#sub-1");
        assert_eq!(claim(&store, &key, 100, 86_400).await.unwrap(), Claim::Claimed);
        assert_eq!(claim(&store, &key, 101, 86_400).await.unwrap(), Claim::InProgress);
        complete(&store, &key, 102).await.unwrap();
        assert_eq!(claim(&store, &key, 103, 86_400).await.unwrap(), Claim::AlreadyDone);
        assert_eq!(claim(&store, &key, 100 + LEASE_SECONDS * 10, 86_400).await.unwrap(), Claim::AlreadyDone);
    }

    #[tokio::test]
    async fn an_abandoned_or_expired_lease_can_be_claimed_again() {
        let store = InMemoryStore::default();
        let key = key("welcome", "sub-2");
        assert_eq!(claim(&store, &key, 100, 86_400).await.unwrap(), Claim::Claimed);
        abandon(&store, &key).await.unwrap();
        assert_eq!(claim(&store, &key, 101, 86_400).await.unwrap(), Claim::Claimed, "abandoned: free again");
        assert_eq!(claim(&store, &key, 101 + LEASE_SECONDS, 86_400).await.unwrap(), Claim::Claimed, "lease over");
        let short = super::key("reminder", "sub-3");
        assert_eq!(claim(&store, &short, 100, 10).await.unwrap(), Claim::Claimed);
        complete(&store, &short, 101).await.unwrap();
        assert_eq!(claim(&store, &short, 111, 10).await.unwrap(), Claim::Claimed, "record kept 10 s only");
    }
}
