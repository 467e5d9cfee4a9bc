//! `triggers-admin show|unlock`: see and clear the sign-in lockout of one user name in one user
//! pool.
//!
//! Pre authentication counts under the user name Cognito puts in the event: for a pool that signs
//! in by e-mail that is the user's generated name (its `sub`), not the address typed. An operator
//! usually knows the address, so the name given is also looked up in the pool (`AdminGetUser`,
//! which resolves aliases) and both records are handled. A lookup that fails is reported, not fatal.

use trigger_core::domain_events::{self, Events, Published};
use trigger_core::lockout::{self as record, LockoutState};
use trigger_core::ports::{Clock, PortError, Store, UserDirectory};

/// The user names whose records to handle: the one given, and the pool's own name for that user
/// when it differs. The note says what the lookup found.
async fn names(directory: &dyn UserDirectory, pool: &str, given: &str) -> (Vec<String>, String) {
    match directory.get_user(pool, given).await {
        Ok(Some(user)) if record::normalise(&user.username) != record::normalise(given) => {
            let note = format!("the pool names this user {}", user.username);
            (vec![given.to_owned(), user.username], note)
        }
        Ok(Some(_)) => (vec![given.to_owned()], "the user exists in the pool".to_owned()),
        Ok(None) => {
            (vec![given.to_owned()], "no such user in the pool (a name that does not exist locks too)".to_owned())
        }
        Err(err) => (vec![given.to_owned()], format!("could not look the user up ({err}); handling the name as given")),
    }
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
    pool: &str,
    given: &str,
    unlock: bool,
    store: &dyn Store,
    directory: &dyn UserDirectory,
    clock: &dyn Clock,
    events: &Events,
) -> Result<String, PortError> {
    let now = clock.epoch_seconds();
    let (names, note) = names(directory, pool, given).await;
    let mut lines = vec![format!("user pool {pool}: {note}")];
    for name in &names {
        let key = record::key(pool, name);
        let state = LockoutState::live(store.get(&key).await?.as_ref(), now);
        if unlock {
            record::clear(store, &key).await?;
            let lock = state.filter(|s| s.is_locked(now)).map(|s| s.locked_until);
            let before = if lock.is_some() { "was locked" } else { "was not locked" };
            lines.push(format!("{name}: unlocked ({before}; attempts and consecutive lockouts cleared)"));
            // `UserUnlocked` only for a lock that was live: clearing a counter is no unlock.
            if let Some(until) = lock {
                let unlocked = domain_events::user_unlocked(pool, name, until, clock.epoch_millis());
                match events.publish("triggers-admin", &unlocked).await {
                    Published::Accepted => lines.push(format!("{name}: UserUnlocked published")),
                    Published::Failed => lines.push(format!("{name}: UserUnlocked could not be published")),
                    Published::Disabled => {}
                }
            }
        } else {
            lines.push(describe(name, state.as_ref(), now));
        }
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use pre_authentication::attempt;
    use pre_authentication::policy::Policy;
    use trigger_core::domain_events::EventSettings;
    use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore, RecordingBus};

    use super::*;

    #[tokio::test]
    async fn show_then_unlock_clears_a_lock() {
        let store = InMemoryStore::default();
        let clock = FixedClock::at_epoch_seconds(1_700_000_000);
        let key = record::key("pool", "jane");
        for _ in 0..6 {
            attempt::register(&store, &key, 1_700_000_000, &Policy::default()).await.unwrap();
        }
        let directory = FakeDirectory::default();
        let shown = run("pool", "JANE", false, &store, &directory, &clock, &Events::disabled()).await.unwrap();
        assert!(
            shown.contains("jane: LOCKED until 1700000300 (300 s from now)") || shown.contains("JANE: LOCKED"),
            "{shown}"
        );
        let bus = std::sync::Arc::new(RecordingBus::default());
        let events = Events::new(&EventSettings::from_env(&trigger_core::Env::default()).unwrap(), bus.clone());
        let done = run("pool", "JANE", true, &store, &directory, &clock, &events).await.unwrap();
        assert!(done.contains("UserUnlocked published"), "{done}");
        assert_eq!(bus.detail_types(), ["UserUnlocked"]);
        assert_eq!(bus.events()[0].detail["wasLockedUntil"], 1_700_000_300);
        // Again: nothing was locked, so no event.
        run("pool", "JANE", true, &store, &directory, &clock, &events).await.unwrap();
        assert_eq!(bus.events().len(), 1);
        assert!(done.contains("unlocked (was locked"), "{done}");
        assert!(store.get(&key).await.unwrap().is_none());
        assert!(
            run("pool", "JANE", false, &store, &directory, &clock, &Events::disabled())
                .await
                .unwrap()
                .contains("no lockout record")
        );
    }
}
