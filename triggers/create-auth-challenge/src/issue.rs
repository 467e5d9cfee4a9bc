//! The challenge of a sign-in's first round, once per challenge under Cognito's retries.
//!
//! A retried create (Cognito retries an invocation that timed out) carries exactly the event of
//! the first, as does a new sign-in by the same user: the only difference is time. So the last
//! challenge issued to a user (by `sub`; a name the pool does not hold by the name) is kept in its
//! issue row (`trigger_core::sign_in_code`), and a
//! create within [`REUSE_SECONDS`] of it answers with that challenge instead of e-mailing another
//! code, at most [`MAX_REUSES`] times (Cognito makes three attempts in all). The row holds the
//! salted hash, never the code: the e-mail already sent is the only place the code is.
//!
//! A new challenge is counted on the send counter first (the per-user limit, a lockout record
//! of its own), then written with the condition that the row is still as read, so that of two
//! concurrent creates one issues and the other answers with the winner's challenge.

use trigger_core::lockout::Subject;
use trigger_core::lockout::attempt::{self, Verdict};
use trigger_core::lockout::policy::Policy;
use trigger_core::logging::Secret;
use trigger_core::ports::WriteOutcome;
use trigger_core::ports::{AttrValue, Condition, Item, Key, PortError, PortErrorKind, Store, Update, UpdateOutcome};
use trigger_core::sign_in_code::{self, Challenge, ISSUED_AT, REUSES, SALT};

/// A create this soon after the last issue is taken for a retry of it.
pub const REUSE_SECONDS: i64 = 15;
/// How many creates may answer with one issued challenge besides the first.
pub const MAX_REUSES: i64 = 2;

/// What the first round gets.
#[derive(Debug)]
pub enum Issue {
    /// A new code: e-mail it (known users), then answer with the challenge.
    New { challenge: Challenge, code: Secret<String> },
    /// The challenge of an earlier create (a retry, or a concurrent create that won): nothing to send.
    Reused(Challenge),
    /// The send limit is reached until `until`.
    Limited { until: i64 },
}

/// What is asked for: whose challenge, how long a code, valid how long, under which send limit.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub user_pool_id: &'a str,
    /// The user (or unknown name) the challenge is for: the issue row and the send counter's key.
    pub subject: &'a Subject,
    pub code_length: usize,
    pub code_ttl_seconds: i64,
    pub sends: &'a Policy,
}

/// The issued challenge in `item`, if it can answer a create at `now` as a retry.
fn reusable(item: &Item, now: i64) -> Option<Challenge> {
    let challenge = Challenge::from_item(item)?;
    let recent = item.i64(ISSUED_AT).is_some_and(|at| at > now - REUSE_SECONDS && at <= now);
    let reuses = item.i64(REUSES).unwrap_or(0);
    (recent && reuses < MAX_REUSES && !challenge.is_expired(now) && !item.is_expired(now)).then_some(challenge)
}

/// The row as it was read: absent, or the same challenge.
fn unchanged(seen: Option<&Item>) -> Condition {
    match seen.and_then(|item| item.str(SALT)) {
        Some(salt) => Condition::equals(SALT, AttrValue::s(salt)),
        None => Condition::ItemNotExists,
    }
}

fn no_randomness(err: std::io::Error) -> PortError {
    PortError::new("kernel", "getrandom", PortErrorKind::Unavailable, format!("no random code: {err}"))
}

/// The first round's challenge for `request` at `now`.
pub async fn first_round(store: &dyn Store, request: &Request<'_>, now: i64) -> Result<Issue, PortError> {
    let key = sign_in_code::issue_key(request.user_pool_id, request.subject);
    let seen = store.get(&key).await?;
    if let Some(challenge) = seen.as_ref().and_then(|item| reusable(item, now)) {
        let reuses = seen.as_ref().and_then(|item| item.i64(REUSES)).unwrap_or(0);
        let counted = Condition::And(vec![unchanged(seen.as_ref()), Condition::equals(REUSES, AttrValue::n(reuses))]);
        if let UpdateOutcome::Updated(_) = store.update(&key, &Update::default().add(REUSES, 1), Some(&counted)).await?
        {
            return Ok(Issue::Reused(challenge));
        }
        // Another create changed the row since: issue anew, under the send limit.
    }
    let sends = sign_in_code::sends_key(request.user_pool_id, request.subject);
    match attempt::register(store, &sends, now, request.sends).await? {
        Verdict::Allowed => {}
        Verdict::Locked { until } => return Ok(Issue::Limited { until }),
        // Two creates for one name raced at a window boundary: the loser tries again shortly.
        Verdict::Contended => return Ok(Issue::Limited { until: now + 5 }),
    }
    let code = sign_in_code::generate_code(request.code_length).map_err(no_randomness)?;
    let challenge = Challenge::new(&code, now + request.code_ttl_seconds).map_err(no_randomness)?;
    match store.put(&challenge.to_item(&key, now), Some(&unchanged(seen.as_ref()))).await? {
        WriteOutcome::Written => Ok(Issue::New { challenge, code }),
        WriteOutcome::ConditionFailed { current } => match current.as_ref().and_then(Challenge::from_item) {
            Some(winner) if !winner.is_expired(now) => Ok(Issue::Reused(winner)),
            _ => Ok(Issue::Limited { until: now + 5 }),
        },
    }
}

/// After a failed send: the row is given up (if it still holds `challenge`), so that the user's
/// next attempt issues a new code instead of reusing one nobody received.
pub async fn withdraw(store: &dyn Store, key: &Key, challenge: &Challenge) -> Result<(), PortError> {
    store.delete(key, Some(&Condition::equals(SALT, AttrValue::s(challenge.salt())))).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use trigger_core::fakes::InMemoryStore;

    const NOW: i64 = 1_700_000_000;
    const SENDS: Policy = Policy { max_attempts: 3, window_seconds: 900, base_seconds: 900, max_seconds: 3600 };

    static JANE: std::sync::LazyLock<Subject> = std::sync::LazyLock::new(|| Subject::User { sub: "sub-jane".into() });
    static JOHN: std::sync::LazyLock<Subject> = std::sync::LazyLock::new(|| Subject::User { sub: "sub-john".into() });

    fn request() -> Request<'static> {
        Request { user_pool_id: "us-east-1_P", subject: &JANE, code_length: 6, code_ttl_seconds: 300, sends: &SENDS }
    }

    fn new(issue: Issue) -> (Challenge, Secret<String>) {
        match issue {
            Issue::New { challenge, code } => (challenge, code),
            other => panic!("expected a new code, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_retry_soon_after_gets_the_same_challenge_at_most_twice() {
        let store = InMemoryStore::default();
        let (first, code) = new(first_round(&store, &request(), NOW).await.unwrap());
        assert_eq!(first.check(code.expose(), NOW + 1), sign_in_code::Verdict::Correct);
        for later in [NOW + 4, NOW + 14] {
            match first_round(&store, &request(), later).await.unwrap() {
                Issue::Reused(challenge) => assert_eq!(challenge, first),
                other => panic!("expected the same challenge, got {other:?}"),
            }
        }
        let (third, _) = new(first_round(&store, &request(), NOW + 14).await.unwrap());
        assert_ne!(third, first, "a third reuse is a new sign-in");
        let (fourth, _) = new(first_round(&store, &request(), NOW + 14 + REUSE_SECONDS).await.unwrap());
        assert_ne!(fourth, third, "after the window: a new code");
    }

    #[tokio::test]
    async fn sends_are_limited_per_user_and_reuses_do_not_count() {
        let store = InMemoryStore::default();
        for n in 0..3 {
            new(first_round(&store, &request(), NOW + n * 100).await.unwrap());
            // A retry in between: not a send.
            assert!(matches!(first_round(&store, &request(), NOW + n * 100 + 1).await.unwrap(), Issue::Reused(_)));
        }
        match first_round(&store, &request(), NOW + 300).await.unwrap() {
            Issue::Limited { until } => assert_eq!(until, NOW + 300 + 900),
            other => panic!("expected the limit, got {other:?}"),
        }
        let other = Request { subject: &JOHN, ..request() };
        new(first_round(&store, &other, NOW + 300).await.unwrap());
        new(first_round(&store, &request(), NOW + 300 + 900).await.unwrap());
    }

    #[tokio::test]
    async fn a_concurrent_create_that_lost_answers_with_the_winners_challenge() {
        let store = InMemoryStore::default();
        let key = sign_in_code::issue_key("us-east-1_P", &JANE);
        // The winner's row appears between this create's read and its write: simulated by a row
        // too old to reuse (read), replaced by a fresh one (the winner) before the write.
        let (old, _) = new(first_round(&store, &request(), NOW).await.unwrap());
        let winner = Challenge::new(&Secret::new("111111".into()), NOW + 400).unwrap();
        let seen = store.get(&key).await.unwrap();
        store.put(&winner.to_item(&key, NOW + 100), None).await.unwrap();
        let outcome = store.put(&old.to_item(&key, NOW + 100), Some(&unchanged(seen.as_ref()))).await.unwrap();
        assert!(matches!(outcome, WriteOutcome::ConditionFailed { .. }), "the guard holds");
        withdraw(&store, &key, &old).await.unwrap();
        assert!(store.get(&key).await.unwrap().is_some(), "withdrawing a stale challenge leaves the winner's");
        withdraw(&store, &key, &winner).await.unwrap();
        assert!(store.get(&key).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_challenge_is_never_reused_for_another_user_whose_name_differs_only_in_case() {
        // A case-sensitive pool: `Jane.Doe` (sub-jane) is mailed a code; seconds later someone
        // starts a sign-in as `jane.doe` (sub-john). On 5a923f4 both were keyed by the lower-cased
        // name, and the second create reused the first's challenge: answering Jane.Doe's code
        // signed in as jane.doe.
        let store = InMemoryStore::default();
        let (first, code) = new(first_round(&store, &request(), NOW).await.unwrap());
        let (second, _) = new(first_round(&store, &Request { subject: &JOHN, ..request() }, NOW + 2).await.unwrap());
        assert_ne!(second, first, "a challenge of its own, e-mailed to its own user");
        assert_eq!(
            second.check(code.expose(), NOW + 3),
            sign_in_code::Verdict::Wrong,
            "the other user's code is wrong"
        );
        // Two unknown names of a case-sensitive pool are two subjects as well.
        let upper = Subject::Name("Jane.Doe".into());
        let lower = Subject::Name("jane.doe".into());
        let (unknown, _) = new(first_round(&store, &Request { subject: &upper, ..request() }, NOW).await.unwrap());
        let (other, _) = new(first_round(&store, &Request { subject: &lower, ..request() }, NOW + 1).await.unwrap());
        assert_ne!(unknown, other);
    }
}
