//! `triggers-admin release <pool> <address> [--force]`: deletes the reservation row of one e-mail
//! address or phone number, so that the address can be signed up with again.
//!
//! It reads the row, looks its owner up (AdminGetUser) and refuses while that owner holds the
//! address ([`crate::holder`]), unless `--force`. The delete is conditional on the row being the
//! one it read (same `owner`, `createdAt`, `status`, `updatedAt`): a sign-up or confirmation that
//! changed the row meanwhile is never deleted.

use trigger_core::logging::mask_identifier;
use trigger_core::ports::{Condition, EXPIRES_AT, Item, WriteOutcome};
use trigger_core::reservations::{self, CREATED_AT, Kind, OWNER, STATUS, UPDATED_AT};

use crate::command::Release;
use crate::holder::{self, Lookup, Verdict};
use crate::{Outcome, Ports};

fn kind_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Email => "e-mail address",
        Kind::Phone => "phone number",
    }
}

fn describe_row(row: &Item, now: i64) -> String {
    let number = |name: &str| row.i64(name).map_or_else(|| "-".to_owned(), |n| n.to_string());
    let expiry = match row.i64(EXPIRES_AT) {
        Some(at) if at <= now => format!(", expired at {at}"),
        Some(at) => format!(", expires at {at}"),
        None => String::new(),
    };
    format!(
        "reservation {} held by {}, created at {}, updated at {}{expiry} (epoch seconds)",
        row.str(STATUS).unwrap_or("(no status)"),
        row.str(OWNER).map_or_else(|| "(nobody)".to_owned(), mask_identifier),
        number(CREATED_AT),
        number(UPDATED_AT),
    )
}

/// The row exactly as it was read: each of these attributes equal, or still absent.
fn unchanged(row: &Item) -> Condition {
    let mut parts = vec![Condition::ItemExists];
    for name in [OWNER, CREATED_AT, STATUS, UPDATED_AT] {
        parts.push(match row.get(name) {
            Some(value) => Condition::equals(name, value.clone()),
            None => Condition::AttributeNotExists(name.to_owned()),
        });
    }
    Condition::And(parts)
}

pub async fn run(request: &Release, ports: &Ports) -> Outcome {
    let Release { user_pool_id: pool, kind, value, force } = request;
    let now = ports.clock.epoch_seconds();
    let mut lines = vec![format!("user pool {pool}, {} {}", kind_text(*kind), mask_identifier(value))];
    let key = reservations::key(pool, *kind, value);
    let row = match ports.store.get(&key).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            lines.push("no reservation row: nothing to do".to_owned());
            return Outcome::done(lines.join("\n"));
        }
        Err(err) => {
            lines.push(format!("failed: could not read the reservation: {}", crate::brief(&err)));
            return Outcome::failed(lines.join("\n"));
        }
    };
    lines.push(describe_row(&row, now));

    let lookup = match row.str(OWNER) {
        None => Lookup::Gone,
        Some(owner) => match ports.directory.get_user(pool, owner).await {
            Ok(Some(user)) => Lookup::Found(user),
            Ok(None) => Lookup::Gone,
            Err(err) => Lookup::Failed(err),
        },
    };
    let verdict = holder::judge(&row, &lookup, *kind, value, now);
    match (&verdict, force) {
        (Verdict::Free(why), _) => lines.push(format!("not held: {why}")),
        (Verdict::Held(why), false) => {
            lines.push(format!("held: {why}"));
            lines.push("refused: a live user holds it (release it anyway with --force)".to_owned());
            return Outcome::failed(lines.join("\n"));
        }
        (Verdict::Unknown(why), false) => {
            lines.push(format!("unknown: {why}"));
            lines.push("refused: cannot tell whether a live user holds it (try again, or --force)".to_owned());
            return Outcome::failed(lines.join("\n"));
        }
        (Verdict::Held(why) | Verdict::Unknown(why), true) => {
            lines.push(format!("held or unknown: {why}; --force given, releasing anyway"));
        }
    }

    match ports.store.delete(&key, Some(&unchanged(&row))).await {
        Ok(WriteOutcome::Written) => {
            lines.push("released: the reservation row is deleted; the next sign-up with it may take it".to_owned());
            Outcome::done(lines.join("\n"))
        }
        Ok(WriteOutcome::ConditionFailed { current: None }) => {
            lines.push("nothing to do: the row was deleted by someone else meanwhile".to_owned());
            Outcome::done(lines.join("\n"))
        }
        Ok(WriteOutcome::ConditionFailed { current: Some(current) }) => {
            lines.push(format!("not released: the row changed while this ran; now {}", describe_row(&current, now)));
            lines.push("run the command again to judge the new row".to_owned());
            Outcome::failed(lines.join("\n"))
        }
        Err(err) => {
            lines.push(format!("failed: could not delete the reservation: {}", crate::brief(&err)));
            Outcome::failed(lines.join("\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::Arc;

    use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore, Interleaving};
    use trigger_core::ports::{AttrValue, Key, Store, UserStatus};

    use super::*;
    use crate::holder::tests::{POOL, confirmed_row, user};
    use crate::pace::tests::VirtualPace;
    use crate::{Status, Stderr};

    const A: &str = "ann@example.com";
    const NOW: u64 = 1_700_000_000;

    fn ports(store: Arc<dyn Store>, directory: FakeDirectory) -> Ports {
        Ports {
            store,
            directory: Arc::new(directory),
            clock: Arc::new(FixedClock::at_epoch_seconds(NOW)),
            pace: Arc::new(VirtualPace::default()),
            progress: Arc::new(Stderr),
            events: trigger_core::domain_events::Events::disabled(),
        }
    }

    fn release(value: &str, force: bool) -> Release {
        Release { user_pool_id: POOL.into(), kind: Kind::Email, value: value.into(), force }
    }

    fn ann_verified() -> FakeDirectory {
        FakeDirectory::with_users(vec![user("ann", UserStatus::Confirmed, &[("email", A), ("email_verified", "true")])])
    }

    async fn stored(value: &str, owner: &str) -> Arc<InMemoryStore> {
        let store = Arc::new(InMemoryStore::default());
        store.put(&confirmed_row(value, owner, 1_600_000_000), None).await.unwrap();
        store
    }

    fn key() -> Key {
        reservations::key(POOL, Kind::Email, A)
    }

    #[tokio::test]
    async fn refuses_while_a_live_user_holds_the_address() {
        let store = stored(A, "ann").await;
        let outcome = run(&release(A, false), &ports(store.clone(), ann_verified())).await;
        assert_eq!(outcome.status, Status::Failed, "{}", outcome.report);
        assert!(outcome.report.contains("refused: a live user holds it"), "{}", outcome.report);
        assert!(outcome.report.contains("ann (CONFIRMED) has this email, verified"), "{}", outcome.report);
        assert!(!outcome.report.contains(A), "the address is masked: {}", outcome.report);
        assert!(store.get(&key()).await.unwrap().is_some(), "kept");
    }

    #[tokio::test]
    async fn releases_when_the_holder_is_gone_or_moved_on() {
        let store = stored(A, "ann").await;
        let outcome = run(&release(A, false), &ports(store.clone(), FakeDirectory::default())).await;
        assert_eq!(outcome.status, Status::Done, "{}", outcome.report);
        assert!(outcome.report.contains("not held: ann no longer exists"), "{}", outcome.report);
        assert!(outcome.report.contains("released"), "{}", outcome.report);
        assert_eq!(store.get(&key()).await.unwrap(), None);

        let store = stored(A, "ann").await;
        let moved = FakeDirectory::with_users(vec![user(
            "ann",
            UserStatus::Confirmed,
            &[("email", "ann@elsewhere.example"), ("email_verified", "true")],
        )]);
        let outcome = run(&release(A, false), &ports(store.clone(), moved)).await;
        assert_eq!(outcome.status, Status::Done, "{}", outcome.report);
        assert_eq!(store.get(&key()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn force_releases_a_held_address_and_an_unknown_one() {
        let store = stored(A, "ann").await;
        let outcome = run(&release(A, true), &ports(store.clone(), ann_verified())).await;
        assert_eq!(outcome.status, Status::Done, "{}", outcome.report);
        assert!(outcome.report.contains("--force given, releasing anyway"), "{}", outcome.report);
        assert_eq!(store.get(&key()).await.unwrap(), None);

        let store = stored(A, "ann").await;
        let down = ann_verified();
        down.set_outage(Some(trigger_core::ports::PortErrorKind::Timeout));
        let refused = run(&release(A, false), &ports(store.clone(), down)).await;
        assert_eq!(refused.status, Status::Failed);
        assert!(refused.report.contains("cannot tell"), "{}", refused.report);
        assert!(store.get(&key()).await.unwrap().is_some());
        let down = ann_verified();
        down.set_outage(Some(trigger_core::ports::PortErrorKind::Timeout));
        assert_eq!(run(&release(A, true), &ports(store.clone(), down)).await.status, Status::Done);
        assert_eq!(store.get(&key()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn nothing_to_release_is_success() {
        let store = Arc::new(InMemoryStore::default());
        let outcome = run(&release(A, false), &ports(store, ann_verified())).await;
        assert_eq!(outcome.status, Status::Done);
        assert!(outcome.report.contains("no reservation row: nothing to do"), "{}", outcome.report);
    }

    #[tokio::test]
    async fn an_in_flight_pending_row_is_refused_and_a_dead_one_released() {
        let store = Arc::new(InMemoryStore::default());
        let fresh = reservations::pending_item(&key(), "newcomer", NOW as i64 - 5, NOW as i64 + 86_400);
        store.put(&fresh, None).await.unwrap();
        let outcome = run(&release(A, false), &ports(store.clone(), FakeDirectory::default())).await;
        assert_eq!(outcome.status, Status::Failed, "{}", outcome.report);
        assert!(outcome.report.contains("in flight"), "{}", outcome.report);

        let dead = reservations::pending_item(&key(), "quitter", NOW as i64 - 90_000, NOW as i64 - 3_600);
        store.put(&dead, None).await.unwrap();
        let unconfirmed = FakeDirectory::with_users(vec![user("quitter", UserStatus::Unconfirmed, &[("email", A)])]);
        let outcome = run(&release(A, false), &ports(store.clone(), unconfirmed)).await;
        assert_eq!(outcome.status, Status::Done, "{}", outcome.report);
        assert!(outcome.report.contains("expired at"), "{}", outcome.report);
        assert_eq!(store.get(&key()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn the_delete_loses_to_a_concurrent_writer() {
        // The orphaned row is read, judged free; meanwhile a sign-up takes it over.
        let rival = reservations::pending_item(&key(), "bea", NOW as i64, NOW as i64 + 86_400);
        let store = Arc::new(InMemoryStore::default());
        store.put(&confirmed_row(A, "ann", 1_600_000_000), None).await.unwrap();
        store.interleave(Interleaving::PutBeforeNextDelete(rival.clone()));
        let outcome = run(&release(A, false), &ports(store.clone(), FakeDirectory::default())).await;
        assert_eq!(outcome.status, Status::Failed, "{}", outcome.report);
        assert!(outcome.report.contains("not released: the row changed"), "{}", outcome.report);
        assert!(outcome.report.contains("PENDING held by bea"), "{}", outcome.report);
        assert_eq!(store.get(&key()).await.unwrap(), Some(rival), "the newcomer's row survives");

        // Same owner and createdAt, but confirmed meanwhile (status and updatedAt moved): kept too.
        let pending = reservations::pending_item(&key(), "cid", 1_600_000_000, 1_600_000_100);
        let mut confirmed = pending.clone();
        confirmed.set(STATUS, AttrValue::s(reservations::CONFIRMED));
        confirmed.set(UPDATED_AT, AttrValue::n(NOW as i64));
        let store = Arc::new(InMemoryStore::default());
        store.put(&pending, None).await.unwrap();
        store.interleave(Interleaving::PutBeforeNextDelete(confirmed));
        let outcome = run(&release(A, false), &ports(store.clone(), FakeDirectory::default())).await;
        assert_eq!(outcome.status, Status::Failed, "{}", outcome.report);
        assert!(store.get(&key()).await.unwrap().is_some());
    }
}
