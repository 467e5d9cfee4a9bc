//! Once-only side effects under retries: claim a record before the effect (an e-mail), mark it
//! done after, give it back if the effect failed so that a retry can do it. [`run_once`] is the
//! whole sequence; post confirmation and the sign-up reminder send their e-mails through it.
//!
//! Item: `pk = IDEMPOTENCY#<purpose>#<id>`, `sk = CLAIM`, `status` (`IN_PROGRESS`, `DONE`,
//! `FAILED` — given back after a failed effect, kept so that an operator can see it — or
//! `REFUSED`: the effect was refused for good, [`run_once_or_refuse`], and is never tried again
//! while the record lives), `owner` (a
//! random token of the invocation holding the claim), `claimedAt`, `leaseUntil`, `failures`,
//! `lastError` (the failure's kind, never its detail), `expiresAt` (how long the record is kept).
//!
//! Only the owner completes or gives back its claim (every such write is conditional on the
//! token), so a holder that lost its claim to a successor cannot undo the successor's work. A
//! claim whose holder died without giving it back is free again once its lease is over; the
//! lease is chosen longer than the holder can live (its function's timeout), so the effect can
//! happen twice only when a holder crashed after the effect and before [`complete`].

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::ports::{
    AttrValue, CompareOp, Condition, EXPIRES_AT, Item, Key, PortError, PortErrorKind, Store, Update, UpdateOutcome,
    WriteOutcome,
};
use crate::random;

pub const SORT_KEY: &str = "CLAIM";
pub const STATUS: &str = "status";
pub const OWNER: &str = "owner";
pub const CLAIMED_AT: &str = "claimedAt";
pub const LEASE_UNTIL: &str = "leaseUntil";
pub const FAILURES: &str = "failures";
pub const LAST_ERROR: &str = "lastError";
pub const IN_PROGRESS: &str = "IN_PROGRESS";
pub const DONE: &str = "DONE";
pub const FAILED: &str = "FAILED";
pub const REFUSED: &str = "REFUSED";

/// Kept free of the deadline for giving the claim back when the effect runs out of time.
const GIVE_BACK_MARGIN: Duration = Duration::from_millis(250);

/// How long a claim is held and how long its record is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// After this many seconds an unfinished claim is free again. Longer than its holder can
    /// live (the function's timeout), never much longer: a retry waits for it.
    pub lease_seconds: i64,
    /// The record (and so "done") is kept this long.
    pub keep_seconds: i64,
}

/// The invocation's proof that it holds a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimToken(String);

impl ClaimToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a claim attempt found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Ours: do the effect, then [`complete`] (or [`give_back`] if it failed).
    Claimed(ClaimToken),
    /// Done already: do nothing.
    AlreadyDone,
    /// Another invocation holds a live claim.
    InProgress,
    /// An earlier attempt was refused for good ([`refuse`]): do nothing.
    Refused,
}

pub fn key(purpose: &str, id: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{purpose}#{id}"), SORT_KEY)
}

/// The claim is ours and still in progress.
fn held_by(token: &ClaimToken) -> Condition {
    Condition::And(vec![
        Condition::equals(OWNER, AttrValue::s(token.as_str())),
        Condition::equals(STATUS, AttrValue::s(IN_PROGRESS)),
    ])
}

/// Claims `key` at `now`. Free: no record (or an expired one), a record given back after a
/// failure, or an unfinished claim whose lease is over. Earlier failures are counted on.
pub async fn claim(store: &dyn Store, key: &Key, now: i64, lease: Lease) -> Result<Claim, PortError> {
    let token = ClaimToken(random::token().map_err(|err| {
        PortError::new("kernel", "getrandom", PortErrorKind::Unavailable, format!("no claim token: {err}"))
    })?);
    let claimed = Update::default()
        .set(STATUS, AttrValue::s(IN_PROGRESS))
        .set(OWNER, AttrValue::s(token.as_str()))
        .set(CLAIMED_AT, AttrValue::n(now))
        .set(LEASE_UNTIL, AttrValue::n(now + lease.lease_seconds))
        .set(EXPIRES_AT, AttrValue::n(now + lease.keep_seconds));
    let free = Condition::Or(vec![
        Condition::absent_or_expired(now),
        Condition::equals(STATUS, AttrValue::s(FAILED)),
        Condition::And(vec![
            Condition::equals(STATUS, AttrValue::s(IN_PROGRESS)),
            Condition::compare(LEASE_UNTIL, CompareOp::Le, AttrValue::n(now)),
        ]),
    ]);
    Ok(match store.update(key, &claimed, Some(&free)).await? {
        UpdateOutcome::Updated(_) => Claim::Claimed(token),
        UpdateOutcome::ConditionFailed { current } => match current.as_ref().and_then(|c| c.str(STATUS)) {
            Some(DONE) => Claim::AlreadyDone,
            Some(REFUSED) => Claim::Refused,
            _ => Claim::InProgress,
        },
    })
}

/// Marks the effect done. `false`: the claim was no longer ours (its lease ran out and another
/// invocation took it), and nothing was written.
pub async fn complete(store: &dyn Store, key: &Key, token: &ClaimToken, now: i64) -> Result<bool, PortError> {
    let done =
        Update::default().set(STATUS, AttrValue::s(DONE)).set("completedAt", AttrValue::n(now)).remove(LEASE_UNTIL);
    Ok(matches!(store.update(key, &done, Some(&held_by(token))).await?, UpdateOutcome::Updated(_)))
}

/// Gives an unfinished claim back after the effect failed, so that the next invocation can try
/// again; the record stays, `FAILED`, with the kind of failure and how many there were.
/// `false`: the claim was no longer ours.
pub async fn give_back(
    store: &dyn Store,
    key: &Key,
    token: &ClaimToken,
    failure: PortErrorKind,
) -> Result<bool, PortError> {
    let failed = Update::default()
        .set(STATUS, AttrValue::s(FAILED))
        .set(LAST_ERROR, AttrValue::s(failure.to_string()))
        .add(FAILURES, 1)
        .remove(LEASE_UNTIL);
    Ok(matches!(store.update(key, &failed, Some(&held_by(token))).await?, UpdateOutcome::Updated(_)))
}

/// Settles an unfinished claim as refused for good (the effect was refused, and doing it again
/// would be refused again): the record stays `REFUSED` with the kind of failure, and no later
/// claim succeeds while it lives. `false`: the claim was no longer ours.
pub async fn refuse(
    store: &dyn Store,
    key: &Key,
    token: &ClaimToken,
    failure: PortErrorKind,
    now: i64,
) -> Result<bool, PortError> {
    let refused = Update::default()
        .set(STATUS, AttrValue::s(REFUSED))
        .set(LAST_ERROR, AttrValue::s(failure.to_string()))
        .set("refusedAt", AttrValue::n(now))
        .add(FAILURES, 1)
        .remove(LEASE_UNTIL);
    Ok(matches!(store.update(key, &refused, Some(&held_by(token))).await?, UpdateOutcome::Updated(_)))
}

/// Writes a plain marker record ("this happened") unless one exists; `true` when written now.
/// For facts that need no claim: an expiry that only has to be recognised as ours later.
pub async fn mark(store: &dyn Store, key: &Key, now: i64, keep_seconds: i64) -> Result<bool, PortError> {
    let marker = Item::new(key)
        .with(STATUS, AttrValue::s(DONE))
        .with(CLAIMED_AT, AttrValue::n(now))
        .with(EXPIRES_AT, AttrValue::n(now + keep_seconds));
    Ok(store.put(&marker, Some(&Condition::absent_or_expired(now))).await? == WriteOutcome::Written)
}

/// What [`run_once`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Once {
    /// The effect ran in this call.
    Done,
    /// An earlier call did it.
    AlreadyDone,
    /// Another call holds a live claim (it will complete or give it back).
    InProgress,
}

/// Claims `key`, runs `effect` until `deadline`, and completes the claim — or gives it back
/// when the effect failed or ran out of time, so that a retry finds it free. The error is the
/// effect's (a `Timeout` when it ran out of time).
pub async fn run_once<F>(
    store: &dyn Store,
    key: &Key,
    lease: Lease,
    now: i64,
    deadline: Instant,
    effect: F,
) -> Result<Once, PortError>
where
    F: Future<Output = Result<(), PortError>> + Send,
{
    Ok(match run_once_or_refuse(store, key, lease, now, deadline, effect, |_| false).await? {
        Settled::Done => Once::Done,
        // Nothing is refused here; a record another caller refused is settled all the same.
        Settled::AlreadyDone | Settled::AlreadyRefused => Once::AlreadyDone,
        Settled::InProgress => Once::InProgress,
        Settled::Refused(err) => return Err(err),
    })
}

/// What [`run_once_or_refuse`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled {
    /// The effect ran in this call.
    Done,
    /// The effect was refused for good in this call; the record says so (`REFUSED`).
    Refused(PortError),
    /// An earlier call did it.
    AlreadyDone,
    /// An earlier call was refused for good.
    AlreadyRefused,
    /// Another call holds a live claim.
    InProgress,
}

/// [`run_once`], where a failure that `is_final` says cannot succeed later (a recipient the
/// provider refuses) settles the record as `REFUSED` instead of giving it back: no retry tries
/// again. Every other failure gives the claim back and is the error, as in [`run_once`].
pub async fn run_once_or_refuse<F>(
    store: &dyn Store,
    key: &Key,
    lease: Lease,
    now: i64,
    deadline: Instant,
    effect: F,
    is_final: impl Fn(&PortError) -> bool,
) -> Result<Settled, PortError>
where
    F: Future<Output = Result<(), PortError>> + Send,
{
    let token = match claim(store, key, now, lease).await? {
        Claim::Claimed(token) => token,
        Claim::AlreadyDone => return Ok(Settled::AlreadyDone),
        Claim::Refused => return Ok(Settled::AlreadyRefused),
        Claim::InProgress => return Ok(Settled::InProgress),
    };
    let give_back_by = deadline.checked_sub(GIVE_BACK_MARGIN).unwrap_or(deadline);
    let failure = match tokio::time::timeout_at(give_back_by, effect).await {
        Ok(Ok(())) => {
            // The effect happened: failing now would only make a retry repeat it after the lease.
            match complete(store, key, &token, now).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(key = key.pk, "effect done, but the claim had passed to another holder"),
                Err(err) => tracing::warn!(key = key.pk, error = %err, "effect done, but the claim not marked done"),
            }
            return Ok(Settled::Done);
        }
        Ok(Err(err)) => err,
        Err(_) => PortError::new("idempotency", "run_once", PortErrorKind::Timeout, "the effect ran out of time"),
    };
    if is_final(&failure) {
        // Not marked: the claim frees itself after the lease and a retry meets the same refusal.
        match refuse(store, key, &token, failure.kind, now).await {
            Ok(true) => return Ok(Settled::Refused(failure)),
            Ok(false) => tracing::warn!(key = key.pk, "effect refused, but the claim had passed to another holder"),
            Err(err) => tracing::warn!(key = key.pk, error = %err, "effect refused, but the claim not marked refused"),
        }
        return Err(failure);
    }
    match give_back(store, key, &token, failure.kind).await {
        Ok(_) => {}
        Err(err) => tracing::warn!(key = key.pk, error = %err, "claim not given back; it frees itself after the lease"),
    }
    Err(failure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::InMemoryStore;

    const LEASE: Lease = Lease { lease_seconds: 10, keep_seconds: 86_400 };

    fn token(claim: Claim) -> ClaimToken {
        match claim {
            Claim::Claimed(token) => token,
            other => panic!("expected a claim, got {other:?}"),
        }
    }

    fn later(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    #[tokio::test]
    async fn one_claim_wins_and_a_completed_one_stays_done() {
        let store = InMemoryStore::default();
        let key = key("welcome", "us-east-1_X#sub-1");
        let mine = token(claim(&store, &key, 100, LEASE).await.unwrap());
        assert_eq!(claim(&store, &key, 101, LEASE).await.unwrap(), Claim::InProgress);
        assert!(complete(&store, &key, &mine, 102).await.unwrap());
        assert_eq!(claim(&store, &key, 103, LEASE).await.unwrap(), Claim::AlreadyDone);
        assert_eq!(claim(&store, &key, 100 + LEASE.lease_seconds * 10, LEASE).await.unwrap(), Claim::AlreadyDone);
    }

    #[tokio::test]
    async fn a_stale_holder_cannot_complete_or_give_back_its_successors_claim() {
        let store = InMemoryStore::default();
        let key = key("welcome", "sub-stale");
        let stale = token(claim(&store, &key, 100, LEASE).await.unwrap());
        // The stale holder's lease runs out; a retry takes the claim.
        let successor = token(claim(&store, &key, 100 + LEASE.lease_seconds, LEASE).await.unwrap());
        assert_ne!(stale, successor);
        assert!(!give_back(&store, &key, &stale, PortErrorKind::Timeout).await.unwrap(), "not the owner");
        assert!(!complete(&store, &key, &stale, 111).await.unwrap(), "not the owner");
        let record = store.get(&key).await.unwrap().unwrap();
        assert_eq!((record.str(STATUS), record.str(OWNER)), (Some(IN_PROGRESS), Some(successor.as_str())));
        assert!(complete(&store, &key, &successor, 112).await.unwrap());
    }

    #[tokio::test]
    async fn a_given_back_claim_is_free_at_once_and_keeps_count_of_failures() {
        let store = InMemoryStore::default();
        let key = key("welcome", "sub-2");
        let first = token(claim(&store, &key, 100, LEASE).await.unwrap());
        assert!(give_back(&store, &key, &first, PortErrorKind::Unavailable).await.unwrap());
        let record = store.get(&key).await.unwrap().unwrap();
        assert_eq!((record.str(STATUS), record.i64(FAILURES)), (Some(FAILED), Some(1)));
        assert_eq!(record.str(LAST_ERROR), Some("unavailable"));
        let second = token(claim(&store, &key, 101, LEASE).await.unwrap());
        assert!(give_back(&store, &key, &second, PortErrorKind::Timeout).await.unwrap());
        assert_eq!(store.get(&key).await.unwrap().unwrap().i64(FAILURES), Some(2));
    }

    #[tokio::test]
    async fn a_lease_or_a_record_past_its_time_can_be_claimed_again() {
        let store = InMemoryStore::default();
        let key = key("reminder", "sub-3");
        token(claim(&store, &key, 100, LEASE).await.unwrap());
        assert_eq!(claim(&store, &key, 109, LEASE).await.unwrap(), Claim::InProgress, "lease still running");
        token(claim(&store, &key, 110, LEASE).await.unwrap());
        let short = Lease { lease_seconds: 5, keep_seconds: 10 };
        let done = super::key("reminder", "sub-4");
        let mine = token(claim(&store, &done, 100, short).await.unwrap());
        complete(&store, &done, &mine, 101).await.unwrap();
        token(claim(&store, &done, 110, short).await.unwrap());
    }

    #[tokio::test]
    async fn run_once_does_the_effect_once_and_gives_back_a_failed_or_slow_one() {
        let store = InMemoryStore::default();
        let key = key("welcome", "sub-5");
        let failing = async { Err(PortError::new("ses", "SendEmail", PortErrorKind::Throttled, "slow down")) };
        let err = run_once(&store, &key, LEASE, 100, later(1_000), failing).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Throttled);
        let slow = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        };
        let err = run_once(&store, &key, LEASE, 101, later(300), slow).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Timeout);
        let record = store.get(&key).await.unwrap().unwrap();
        assert_eq!((record.str(STATUS), record.i64(FAILURES)), (Some(FAILED), Some(2)), "given back both times");
        // The retry right after finds the claim free and does the effect; later ones do nothing.
        assert_eq!(run_once(&store, &key, LEASE, 102, later(1_000), async { Ok(()) }).await.unwrap(), Once::Done);
        let twice = async { Err(PortError::new("ses", "SendEmail", PortErrorKind::Rejected, "ran twice")) };
        assert_eq!(run_once(&store, &key, LEASE, 103, later(1_000), twice).await.unwrap(), Once::AlreadyDone);
    }

    #[tokio::test]
    async fn a_final_failure_settles_the_record_as_refused_and_no_retry_runs_the_effect() {
        let store = InMemoryStore::default();
        let key = key("custom-email-sender", "refused-1");
        let refusal = PortError::new("smtp", "RCPT TO", PortErrorKind::Rejected, "550 no such user");
        let is_final = |err: &PortError| err.kind == PortErrorKind::Rejected;
        // A transient failure first: given back, as ever.
        let busy = async { Err(PortError::new("smtp", "MAIL FROM", PortErrorKind::Unavailable, "421")) };
        let err = run_once_or_refuse(&store, &key, LEASE, 100, later(1_000), busy, is_final).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Unavailable);
        assert_eq!(store.get(&key).await.unwrap().unwrap().str(STATUS), Some(FAILED));
        let refused = async { Err(refusal.clone()) };
        let settled = run_once_or_refuse(&store, &key, LEASE, 101, later(1_000), refused, is_final).await.unwrap();
        assert_eq!(settled, Settled::Refused(refusal));
        let record = store.get(&key).await.unwrap().unwrap();
        assert_eq!(
            (record.str(STATUS), record.str(LAST_ERROR), record.i64(FAILURES)),
            (Some(REFUSED), Some("rejected"), Some(2))
        );
        assert_eq!(record.i64(LEASE_UNTIL), None);
        // Every retry, however late within the record's life, leaves it alone.
        let would_send = async { Err(PortError::new("test", "effect", PortErrorKind::Rejected, "ran again")) };
        let again = run_once_or_refuse(&store, &key, LEASE, 100 + 3_600, later(1_000), would_send, is_final).await;
        assert_eq!(again.unwrap(), Settled::AlreadyRefused);
        assert_eq!(claim(&store, &key, 100 + 3_600, LEASE).await.unwrap(), Claim::Refused);
        let plain = run_once(&store, &key, LEASE, 200, later(1_000), async { Ok(()) }).await.unwrap();
        assert_eq!(plain, Once::AlreadyDone, "run_once sees it settled too");
    }

    #[tokio::test]
    async fn a_marker_is_written_once() {
        let store = InMemoryStore::default();
        let key = key("signup-expire", "p#u");
        assert!(mark(&store, &key, 100, 50).await.unwrap());
        assert!(!mark(&store, &key, 101, 50).await.unwrap());
        assert!(mark(&store, &key, 150, 50).await.unwrap(), "expired: written again");
    }
}
