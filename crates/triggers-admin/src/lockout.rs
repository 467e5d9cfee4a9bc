//! `triggers-admin show|unlock`: see and clear the sign-in lockout of one user in one user pool.
//!
//! Pre authentication counts a user of the pool under its `sub` (whatever name, alias or case was
//! typed), and a name the pool does not hold under that name (the pool's rule for case,
//! `USER_NAMES_CASE_SENSITIVE`). An operator usually knows an address or a name, so the name
//! given is looked up in the pool first (`AdminGetUser`, which resolves aliases): a user found is
//! handled by `sub`, else the name's own record. A lookup that fails fails the command: handling
//! the name's record instead would report a user unlocked whose lock stays.

use trigger_core::domain_events::{self, Events, Published};
use trigger_core::lockout::{self as record, LockoutState, NameRule, Subject};
use trigger_core::ports::{Clock, PortError, Store, UserDirectory};

/// What the operator named: the pool, the name (or alias) typed, and the pool's user-name rule.
#[derive(Clone, Copy, Debug)]
pub struct Given<'a> {
    pub pool: &'a str,
    pub name: &'a str,
    pub names: NameRule,
}

/// Whose record to handle, the name to print and report it under, and what the lookup found.
async fn subject(directory: &dyn UserDirectory, given: &Given<'_>) -> Result<(Subject, String, String), PortError> {
    Ok(match directory.get_user(given.pool, given.name).await? {
        Some(user) => match user.sub() {
            Some(sub) => {
                let note = format!("the pool names this user {} (sub {sub})", user.username);
                (Subject::User { sub: sub.to_owned() }, user.username.clone(), note)
            }
            None => {
                let note = format!("the pool names this user {} but gave no sub; handling the name", user.username);
                (Subject::of(&user.username, None, given.names), user.username.clone(), note)
            }
        },
        None => (
            Subject::of(given.name, None, given.names),
            given.name.to_owned(),
            "no such user in the pool (a name that does not exist locks too)".to_owned(),
        ),
    })
}

fn describe(name: &str, state: Option<&LockoutState>, now: i64) -> String {
    match state {
        None => format!("{name}: no lockout record (not locked, no attempts counted)"),
        Some(s) if s.is_locked(now) => format!(
            "{name}: LOCKED until {} ({} s from now); consecutive lockouts {}",
            s.locked_until,
            s.locked_until - now,
            s.lockouts
        ),
        Some(s) => format!(
            "{name}: not locked; {} attempt(s) in the window that started at {}; consecutive lockouts {}",
            s.attempts, s.window_start, s.lockouts
        ),
    }
}

/// Runs `show` (`unlock` false) or `unlock` and returns what to print.
pub async fn run(
    given: &Given<'_>,
    unlock: bool,
    store: &dyn Store,
    directory: &dyn UserDirectory,
    clock: &dyn Clock,
    events: &Events,
) -> Result<String, PortError> {
    let now = clock.epoch_seconds();
    let (subject, name, note) = subject(directory, given).await?;
    let pool = given.pool;
    let mut lines = vec![format!("user pool {pool}: {note}")];
    let key = record::key(pool, &subject);
    let state = LockoutState::live(store.get(&key).await?.as_ref(), now);
    if unlock {
        record::clear(store, &key).await?;
        let lock = state.filter(|s| s.is_locked(now)).map(|s| s.locked_until);
        let before = if lock.is_some() { "was locked" } else { "was not locked" };
        lines.push(format!("{name}: unlocked ({before}; attempts and consecutive lockouts cleared)"));
        // `UserUnlocked` only for a lock that was live: clearing a counter is no unlock.
        if let Some(until) = lock {
            let unlocked = domain_events::user_unlocked(pool, &name, until, clock.epoch_millis());
            match events.publish("triggers-admin", &unlocked).await {
                Published::Accepted => lines.push(format!("{name}: UserUnlocked published")),
                Published::Failed => lines.push(format!("{name}: UserUnlocked could not be published")),
                Published::Disabled => {}
            }
        }
    } else {
        lines.push(describe(&name, state.as_ref(), now));
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::BTreeMap;

    use pre_authentication::attempt;
    use pre_authentication::policy::Policy;
    use trigger_core::domain_events::EventSettings;
    use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore, RecordingBus};
    use trigger_core::ports::{DirectoryUser, PortErrorKind, UserStatus};

    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn given(name: &str) -> Given<'_> {
        Given { pool: "pool", name, names: NameRule::CaseInsensitive }
    }

    fn user(name: &str, sub: &str) -> DirectoryUser {
        DirectoryUser {
            username: name.to_owned(),
            status: UserStatus::Confirmed,
            enabled: true,
            created_at: None,
            attributes: BTreeMap::from([("sub".to_owned(), sub.to_owned())]),
        }
    }

    async fn lock(store: &InMemoryStore, subject: &Subject) {
        for _ in 0..6 {
            attempt::register(store, &record::key("pool", subject), NOW, &Policy::default()).await.unwrap();
        }
    }

    #[tokio::test]
    async fn show_then_unlock_clears_the_lock_of_a_name_the_pool_does_not_hold() {
        let store = InMemoryStore::default();
        let clock = FixedClock::at_epoch_seconds(NOW as u64);
        let subject = Subject::Name("jane".into());
        lock(&store, &subject).await;
        let directory = FakeDirectory::default();
        let shown = run(&given("JANE"), false, &store, &directory, &clock, &Events::disabled()).await.unwrap();
        assert!(shown.contains("JANE: LOCKED until 1700000300 (300 s from now)"), "{shown}");
        let bus = std::sync::Arc::new(RecordingBus::default());
        let events = Events::new(&EventSettings::from_env(&trigger_core::Env::default()).unwrap(), bus.clone());
        let done = run(&given("JANE"), true, &store, &directory, &clock, &events).await.unwrap();
        assert!(done.contains("UserUnlocked published"), "{done}");
        assert_eq!(bus.detail_types(), ["UserUnlocked"]);
        assert_eq!(bus.events()[0].detail["wasLockedUntil"], 1_700_000_300);
        // Again: nothing was locked, so no event.
        run(&given("JANE"), true, &store, &directory, &clock, &events).await.unwrap();
        assert_eq!(bus.events().len(), 1);
        assert!(done.contains("unlocked (was locked"), "{done}");
        assert!(store.get(&record::key("pool", &subject)).await.unwrap().is_none());
        let shown = run(&given("JANE"), false, &store, &directory, &clock, &Events::disabled()).await.unwrap();
        assert!(shown.contains("no lockout record"), "{shown}");
    }

    #[tokio::test]
    async fn a_user_of_the_pool_is_unlocked_by_sub_and_no_other_record_is_touched() {
        let store = InMemoryStore::default();
        let clock = FixedClock::at_epoch_seconds(NOW as u64);
        let jane = Subject::User { sub: "sub-jane".into() };
        let legacy = Subject::Name("jane.doe".into());
        lock(&store, &jane).await;
        lock(&store, &legacy).await;
        let directory = FakeDirectory::with_users(vec![user("Jane.Doe", "sub-jane")]);
        let done = run(&given("Jane.Doe"), true, &store, &directory, &clock, &Events::disabled()).await.unwrap();
        assert!(done.contains("sub sub-jane") && done.contains("Jane.Doe: unlocked (was locked"), "{done}");
        assert!(store.get(&record::key("pool", &jane)).await.unwrap().is_none());
        assert!(store.get(&record::key("pool", &legacy)).await.unwrap().is_some(), "a name's record is another's");
    }

    #[tokio::test]
    async fn a_failed_lookup_fails_the_command_instead_of_clearing_a_record_that_is_not_the_users() {
        let store = InMemoryStore::default();
        let directory = FakeDirectory::default();
        directory.set_outage(Some(PortErrorKind::Unavailable));
        let clock = FixedClock::at_epoch_seconds(NOW as u64);
        assert!(run(&given("jane"), true, &store, &directory, &clock, &Events::disabled()).await.is_err());
    }
}
