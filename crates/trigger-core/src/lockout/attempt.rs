//! One sign-in attempt against the lockout record, atomically. Pre-authentication counts every
//! password sign-in with it; user-migration counts the failed ones of users it moves in.
//!
//! The common path is one conditional `UpdateItem`: `ADD attempts 1` if the record is absent, or
//! live, unlocked, in its window and under the maximum. DynamoDB applies it atomically, so N
//! concurrent attempts can never let more than the maximum through. When the condition fails the
//! store returns the record as it was (`ReturnValuesOnConditionCheckFailure=ALL_OLD`), and
//! [`policy::decide`] says why: locked (deny, no write), window over or expired (start a new
//! window), or at the maximum (lock). Those write once more, guarded by the `version` the decision
//! was made on; losing that guard means another attempt changed the record first, and the attempt
//! is denied (never allowed uncounted).
//!
//! Every write also stores the attempt's random token (`lastAttempt`), and the count is
//! conditional on the record not holding it yet: when a write's first try outlives the SDK's
//! attempt timeout but still lands, the SDK's retry of the same request finds its own token, and
//! the attempt is taken as the write it was, not counted a second time.

use crate::ports::{
    AttrValue, CompareOp, Condition, EXPIRES_AT, Item, Key, PortError, PortErrorKind, Store, Update, UpdateOutcome,
};
use crate::random;

use super::policy::{self, Decision, Policy};
use super::{ATTEMPTS, LAST_ATTEMPT, LOCKED_UNTIL, LOCKOUTS, LockoutState, UPDATED_AT, VERSION, WINDOW_START};

/// What became of an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Denied by a lock that ends at `until` (epoch seconds).
    Locked {
        until: i64,
    },
    /// Denied: a concurrent attempt changed the record between the two writes. Rare (concurrent
    /// attempts for one user name at a window boundary); the person retries in a few seconds.
    Contended,
}

/// The common path: count the attempt if the record allows it and has not counted it already.
fn count_condition(now: i64, policy: &Policy, token: &str) -> Condition {
    Condition::And(vec![
        Condition::Not(Box::new(Condition::equals(LAST_ATTEMPT, AttrValue::s(token)))),
        Condition::Or(vec![
            Condition::ItemNotExists,
            Condition::And(vec![
                Condition::compare(EXPIRES_AT, CompareOp::Gt, AttrValue::n(now)),
                Condition::compare(LOCKED_UNTIL, CompareOp::Le, AttrValue::n(now)),
                Condition::compare(WINDOW_START, CompareOp::Gt, AttrValue::n(now - policy.window_seconds)),
                Condition::compare(ATTEMPTS, CompareOp::Lt, AttrValue::n(policy.max_attempts)),
            ]),
        ]),
    ])
}

/// The record was last written by this attempt: a retried write whose first try landed.
fn written_by(current: Option<&Item>, token: &str) -> bool {
    current.and_then(|item| item.str(LAST_ATTEMPT)) == Some(token)
}

fn count_update(now: i64, policy: &Policy, token: &str) -> Update {
    Update::default()
        .set(LAST_ATTEMPT, AttrValue::s(token))
        .add(ATTEMPTS, 1)
        .add(VERSION, 1)
        .set_if_missing(WINDOW_START, AttrValue::n(now))
        .set_if_missing(LOCKED_UNTIL, AttrValue::n(0))
        .set_if_missing(LOCKOUTS, AttrValue::n(0))
        .set(UPDATED_AT, AttrValue::n(now))
        .set(EXPIRES_AT, AttrValue::n(policy::expires_at(now, policy)))
}

/// The second write applies only to the record the decision was made on.
fn unchanged_since(seen: &LockoutState) -> Condition {
    Condition::And(vec![
        Condition::equals(VERSION, AttrValue::n(seen.version)),
        Condition::equals(WINDOW_START, AttrValue::n(seen.window_start)),
    ])
}

fn start_window_update(now: i64, lockouts: i64, policy: &Policy, token: &str) -> Update {
    Update::default()
        .set(LAST_ATTEMPT, AttrValue::s(token))
        .set(ATTEMPTS, AttrValue::n(1))
        .set(WINDOW_START, AttrValue::n(now))
        .set(LOCKED_UNTIL, AttrValue::n(0))
        .set(LOCKOUTS, AttrValue::n(lockouts))
        .set(UPDATED_AT, AttrValue::n(now))
        .set(EXPIRES_AT, AttrValue::n(policy::expires_at(now, policy)))
        .add(VERSION, 1)
}

/// A lock leaves no attempts and starts the next window when the lock ends.
fn lock_update(now: i64, until: i64, policy: &Policy, token: &str) -> Update {
    Update::default()
        .set(LAST_ATTEMPT, AttrValue::s(token))
        .set(ATTEMPTS, AttrValue::n(0))
        .set(WINDOW_START, AttrValue::n(until))
        .set(LOCKED_UNTIL, AttrValue::n(until))
        .set(UPDATED_AT, AttrValue::n(now))
        .set(EXPIRES_AT, AttrValue::n(policy::expires_at(until, policy)))
        .add(LOCKOUTS, 1)
        .add(VERSION, 1)
}

/// Registers one attempt for `key` at `now`: at most two writes, one on the common path.
pub async fn register(store: &dyn Store, key: &Key, now: i64, policy: &Policy) -> Result<Verdict, PortError> {
    Ok(register_noting_lock(store, key, now, policy).await?.0)
}

/// [`register`], and whether this attempt is the one that set the lock (its write won): what
/// the `UserLockedOut` event is published for, once per lock.
pub async fn register_noting_lock(
    store: &dyn Store,
    key: &Key,
    now: i64,
    policy: &Policy,
) -> Result<(Verdict, bool), PortError> {
    let token = random::token().map_err(|err| {
        PortError::new("kernel", "getrandom", PortErrorKind::Unavailable, format!("no attempt token: {err}"))
    })?;
    let (count, unless_counted) = (count_update(now, policy, &token), count_condition(now, policy, &token));
    let current = match store.update(key, &count, Some(&unless_counted)).await? {
        UpdateOutcome::Updated(_) => return Ok((Verdict::Allowed, false)),
        // Our own count, landed on a try the SDK had given up on: it was allowed then.
        UpdateOutcome::ConditionFailed { current } if written_by(current.as_ref(), &token) => {
            return Ok((Verdict::Allowed, false));
        }
        UpdateOutcome::ConditionFailed { current } => current,
    };
    // The condition includes "no item", so a failure always carries the item; be safe anyway.
    let Some(current) = current else { return Ok((Verdict::Contended, false)) };
    let seen = LockoutState::from_item(&current);
    let live = LockoutState::live(Some(&current), now);
    let (update, verdict) = match policy::decide(live.as_ref(), now, policy) {
        Decision::Locked { until } => return Ok((Verdict::Locked { until }, false)),
        Decision::Lock { until } => (lock_update(now, until, policy, &token), Verdict::Locked { until }),
        Decision::StartWindow => (start_window_update(now, seen.lockouts, policy, &token), Verdict::Allowed),
        // An expired record: start over, consecutive lockouts forgotten.
        Decision::Count if live.is_none() => (start_window_update(now, 0, policy, &token), Verdict::Allowed),
        // The condition failed yet the policy would count: only a record changed under us.
        Decision::Count => return Ok((Verdict::Contended, false)),
    };
    match store.update(key, &update, Some(&unchanged_since(&seen))).await? {
        UpdateOutcome::Updated(_) => Ok((verdict, matches!(verdict, Verdict::Locked { .. }))),
        // Our own write, landed on a try the SDK had given up on.
        UpdateOutcome::ConditionFailed { current } if written_by(current.as_ref(), &token) => {
            Ok((verdict, matches!(verdict, Verdict::Locked { .. })))
        }
        UpdateOutcome::ConditionFailed { current } => {
            // Another attempt won; if it locked the account, say until when.
            let verdict = match LockoutState::live(current.as_ref(), now) {
                Some(state) if state.is_locked(now) => Verdict::Locked { until: state.locked_until },
                _ => Verdict::Contended,
            };
            Ok((verdict, false))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::Arc;

    use crate::fakes::{InMemoryStore, Interleaving};

    use super::*;
    use crate::lockout as record;

    const NOW: i64 = 1_700_000_000;

    async fn run(store: &InMemoryStore, key: &Key, now: i64, n: usize) -> Vec<Verdict> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(register(store, key, now, &Policy::default()).await.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn five_attempts_pass_the_sixth_locks_and_later_ones_do_not_extend_it() {
        let store = InMemoryStore::default();
        let key = record::key("pool", &record::Subject::Name("jane".into()));
        assert_eq!(run(&store, &key, NOW, 5).await, [Verdict::Allowed; 5]);
        assert_eq!(run(&store, &key, NOW + 1, 1).await, [Verdict::Locked { until: NOW + 301 }]);
        assert_eq!(run(&store, &key, NOW + 200, 3).await, [Verdict::Locked { until: NOW + 301 }; 3]);
        let state = LockoutState::from_item(&store.get(&key).await.unwrap().unwrap());
        assert_eq!((state.locked_until, state.lockouts, state.attempts), (NOW + 301, 1, 0));
        // The lock ends: five more, then a doubled lock.
        assert_eq!(run(&store, &key, NOW + 301, 5).await, [Verdict::Allowed; 5]);
        assert_eq!(run(&store, &key, NOW + 302, 1).await, [Verdict::Locked { until: NOW + 302 + 600 }]);
    }

    #[tokio::test]
    async fn only_the_attempt_that_sets_a_lock_notes_it() {
        let store = InMemoryStore::default();
        let key = record::key("pool", &record::Subject::Name("jane".into()));
        let mut noted = Vec::new();
        for now in [
            NOW,
            NOW,
            NOW,
            NOW,
            NOW,
            NOW + 1,
            NOW + 2,
            NOW + 301,
            NOW + 301,
            NOW + 301,
            NOW + 301,
            NOW + 301,
            NOW + 302,
        ] {
            noted.push(register_noting_lock(&store, &key, now, &Policy::default()).await.unwrap().1);
        }
        let locks: Vec<usize> = noted.iter().enumerate().filter(|(_, n)| **n).map(|(i, _)| i).collect();
        assert_eq!(locks, [5, 12], "the sixth attempt locks, the denied one after it does not; then the doubled lock");
    }

    #[tokio::test]
    async fn the_one_write_of_the_common_path_starts_and_counts_the_record() {
        let store = InMemoryStore::default();
        let key = record::key("pool", &record::Subject::Name("jane".into()));
        run(&store, &key, NOW, 2).await;
        let item = store.get(&key).await.unwrap().unwrap();
        let state = LockoutState::from_item(&item);
        assert_eq!((state.attempts, state.window_start, state.version, state.locked_until), (2, NOW, 2, 0));
        assert_eq!(item.i64(EXPIRES_AT), Some(NOW + 300 + 3600));
    }

    #[tokio::test]
    async fn a_window_that_ended_starts_over_and_keeps_the_lockout_count() {
        let store = InMemoryStore::default();
        let key = record::key("pool", &record::Subject::Name("jane".into()));
        run(&store, &key, NOW, 6).await; // locked until NOW + 300, lockouts 1
        run(&store, &key, NOW + 300, 3).await; // a new window starts when the lock ends
        assert_eq!(run(&store, &key, NOW + 600, 1).await, [Verdict::Allowed]); // window over
        let state = LockoutState::from_item(&store.get(&key).await.unwrap().unwrap());
        assert_eq!((state.attempts, state.window_start, state.lockouts), (1, NOW + 600, 1));
    }

    #[tokio::test]
    async fn an_expired_record_is_a_fresh_start() {
        let store = InMemoryStore::default();
        let key = record::key("pool", &record::Subject::Name("jane".into()));
        run(&store, &key, NOW, 6).await;
        let later = NOW + 300 + 300 + 3600;
        assert_eq!(run(&store, &key, later, 1).await, [Verdict::Allowed]);
        let state = LockoutState::from_item(&store.get(&key).await.unwrap().unwrap());
        assert_eq!((state.attempts, state.lockouts, state.locked_until), (1, 0, 0));
    }

    #[tokio::test]
    async fn a_retried_write_whose_first_try_landed_counts_the_attempt_once() {
        let store = InMemoryStore::default();
        let key = record::key("pool", &record::Subject::Name("jane".into()));
        let state = |item: Option<Item>| LockoutState::from_item(&item.unwrap());
        store.interleave(Interleaving::RepeatNextUpdate);
        assert_eq!(register(&store, &key, NOW, &Policy::default()).await.unwrap(), Verdict::Allowed);
        assert_eq!(state(store.get(&key).await.unwrap()).attempts, 1, "the first attempt, counted once");
        run(&store, &key, NOW, 3).await;
        store.interleave(Interleaving::RepeatNextUpdate);
        assert_eq!(register(&store, &key, NOW, &Policy::default()).await.unwrap(), Verdict::Allowed);
        assert_eq!(state(store.get(&key).await.unwrap()).attempts, 5, "the fifth attempt is allowed and counted once");
        // The sixth locks; its lock write lands late too: one lock, noted by this attempt.
        store.interleave(Interleaving::RepeatNextUpdate);
        let (verdict, noted) = register_noting_lock(&store, &key, NOW + 1, &Policy::default()).await.unwrap();
        assert_eq!((verdict, noted), (Verdict::Locked { until: NOW + 301 }, true));
        assert_eq!(state(store.get(&key).await.unwrap()).lockouts, 1);
        // A new window after the lock, written late as well: started once, not contended.
        store.interleave(Interleaving::RepeatNextUpdate);
        assert_eq!(register(&store, &key, NOW + 301, &Policy::default()).await.unwrap(), Verdict::Allowed);
        let state = state(store.get(&key).await.unwrap());
        assert_eq!((state.attempts, state.window_start, state.lockouts), (1, NOW + 301, 1));
    }

    #[tokio::test]
    async fn two_attempts_never_share_a_token() {
        let store = InMemoryStore::default();
        let key = record::key("pool", &record::Subject::Name("jane".into()));
        run(&store, &key, NOW, 1).await;
        let first = store.get(&key).await.unwrap().unwrap().str(LAST_ATTEMPT).map(str::to_owned);
        run(&store, &key, NOW, 1).await;
        let second = store.get(&key).await.unwrap().unwrap();
        assert_eq!(LockoutState::from_item(&second).attempts, 2, "a second attempt is counted");
        assert!(first.is_some() && first.as_deref() != second.str(LAST_ATTEMPT));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn fifty_concurrent_attempts_let_exactly_the_maximum_through() {
        let store = Arc::new(InMemoryStore::default());
        let key = record::key("pool", &record::Subject::Name("jane".into()));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (store, key) = (Arc::clone(&store), key.clone());
                tokio::spawn(async move { register(&*store, &key, NOW, &Policy::default()).await.unwrap() })
            })
            .collect();
        let mut allowed = 0;
        for task in tasks {
            match task.await.unwrap() {
                Verdict::Allowed => allowed += 1,
                Verdict::Locked { until } => assert_eq!(until, NOW + 300),
                Verdict::Contended => panic!("no window boundary here: nothing should contend"),
            }
        }
        assert_eq!(allowed, 5);
        assert_eq!(LockoutState::from_item(&store.get(&key).await.unwrap().unwrap()).lockouts, 1);
    }
}
