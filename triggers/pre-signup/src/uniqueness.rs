//! One account per e-mail address (and, optionally, per phone number), race-free.
//!
//! The rule (docs/triggers/pre-signup.md, "Unique e-mail"):
//! 1. Reserve the normalised value with one conditional write: it succeeds when nobody holds it,
//!    or when this same user name holds a pending reservation (Cognito retried, or the person
//!    clicked twice). Whoever writes first wins; everyone else is refused.
//! 2. A pending reservation held by another user is taken over only when that sign-up is dead:
//!    its user no longer exists (and the reservation is older than [`HOLDER_GRACE_SECONDS`],
//!    because a sign-up's user is created only after this trigger answers), or it expired and its
//!    user is still unconfirmed (that user is then deleted, as the reminder's `expire` step does).
//!    The take-over is itself conditional on the reservation being the one we looked at.
//! 3. A confirmed reservation is looked at once: when its holder no longer exists, or no longer
//!    has the value as a verified attribute (deleted, changed the address), it is taken over,
//!    conditional on the row being the one read. Nobody is blocked for ever by a departed user.
//! 4. With `CHECK_EXISTING_USERS`, users created before the trigger was installed are found with
//!    an escaped ListUsers query. A confirmed one that has the value verified wins: our
//!    reservation becomes theirs (confirmed), so the next sign-up is refused by the table alone.
//!    Unconfirmed users, and users who never proved the value, never block.

use trigger_core::metrics;
use trigger_core::ports::{
    AttrValue, Condition, DirectoryUser, Item, PortError, SearchableAttribute, Store, UserDirectory, UserStatus,
    WriteOutcome,
};
use trigger_core::reservations::{self, BY_RULE, CONFIRMED, CREATED_AT, Kind, OWNER, PENDING, STATUS, VERIFIED_BY};

/// How long a fresh reservation counts as in flight even though its user does not exist yet.
pub const HOLDER_GRACE_SECONDS: i64 = 60;

/// The result of trying to reserve a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reservation {
    /// The value is this user's; `others` are the users found holding it in the pool already
    /// that do not block (unconfirmed), which matters to the alias guard.
    Reserved { others: Vec<DirectoryUser> },
    /// Another user holds the value.
    Taken,
}

pub struct Request<'a> {
    pub user_pool_id: &'a str,
    pub username: &'a str,
    pub kind: Kind,
    /// Already normalised.
    pub value: &'a str,
    pub now: i64,
    pub pending_seconds: i64,
    pub check_existing_users: bool,
    /// Reserve as CONFIRMED at once: an administrator creates the user (`AdminCreateUser`), and
    /// Cognito never runs post confirmation for such users, which would otherwise leave a
    /// pending reservation to expire under a live account. Auto-confirmed sign-ups likewise.
    pub permanent: bool,
    /// Mark the row: this sign-up's value is verified by a domain rule, not proved
    /// ([`reservations::verified_by_rule`]). Federated linking reads the mark.
    pub verified_by_rule: bool,
}

fn searchable(kind: Kind) -> SearchableAttribute {
    match kind {
        Kind::Email => SearchableAttribute::Email,
        Kind::Phone => SearchableAttribute::PhoneNumber,
    }
}

pub async fn reserve(
    store: &dyn Store,
    directory: &dyn UserDirectory,
    request: &Request<'_>,
) -> Result<Reservation, PortError> {
    let key = reservations::key(request.user_pool_id, request.kind, request.value);
    let ours = if request.permanent {
        reservations::confirmed_item(&key, request.username, request.now)
    } else {
        reservations::pending_item(&key, request.username, request.now, request.now + request.pending_seconds)
    };
    let ours = if request.verified_by_rule { reservations::verified_by_rule(ours) } else { ours };
    let pending = Condition::equals(STATUS, AttrValue::s(PENDING));
    let mine = match (request.permanent, request.verified_by_rule) {
        // An administrator's user: any row of that user name is the administrator's to write.
        (true, false) => reservations::owned_by(request.username),
        // Auto-confirmed: a retry finds its own marked row. Never a proved row of that name (a
        // sign-up under an existing user's name must not mark that user's reservation).
        (true, true) => Condition::And(vec![
            reservations::owned_by(request.username),
            Condition::Or(vec![pending, Condition::equals(VERIFIED_BY, AttrValue::s(BY_RULE))]),
        ]),
        (false, _) => Condition::And(vec![reservations::owned_by(request.username), pending]),
    };
    let free_or_mine = Condition::Or(vec![Condition::ItemNotExists, mine]);
    let reserved = match store.put(&ours, Some(&free_or_mine)).await? {
        WriteOutcome::Written => true,
        WriteOutcome::ConditionFailed { current: None } => {
            // Deleted between our write and its check: one more plain attempt decides.
            store.put(&ours, Some(&Condition::ItemNotExists)).await? == WriteOutcome::Written
        }
        WriteOutcome::ConditionFailed { current: Some(current) } => {
            take_over_if_dead(store, directory, request, &ours, &current).await?
        }
    };
    if !reserved {
        return Ok(Reservation::Taken);
    }
    if !request.check_existing_users {
        return Ok(Reservation::Reserved { others: Vec::new() });
    }
    let existing = directory.find_by_attribute(request.user_pool_id, searchable(request.kind), request.value).await?;
    let (blocking, others): (Vec<DirectoryUser>, Vec<DirectoryUser>) =
        existing.into_iter().filter(|user| user.username != request.username).partition(|user| {
            user.status != UserStatus::Unconfirmed && reservations::holds_verified(user, request.kind, request.value)
        });
    if let Some(holder) = blocking.first() {
        // Hand the row to the user who has the value already, confirmed: the table now knows.
        let theirs = reservations::confirmed_item(&key, &holder.username, request.now);
        store.put(&theirs, Some(&reservations::owned_by(request.username))).await?;
        return Ok(Reservation::Taken);
    }
    Ok(Reservation::Reserved { others })
}

/// Steps 2 and 3 of the rule: takes a reservation over when its sign-up is dead or its holder
/// has let the value go. One directory lookup; the write is conditional on the row read.
async fn take_over_if_dead(
    store: &dyn Store,
    directory: &dyn UserDirectory,
    request: &Request<'_>,
    ours: &Item,
    current: &Item,
) -> Result<bool, PortError> {
    let Some(holder) = current.str(OWNER) else { return Ok(false) };
    match current.str(STATUS) {
        Some(PENDING) => {
            let created_at = current.i64(CREATED_AT).unwrap_or(request.now);
            let expired = current.is_expired(request.now);
            let in_flight = request.now - created_at < HOLDER_GRACE_SECONDS;
            if in_flight && !expired {
                return Ok(false);
            }
            match directory.get_user(request.user_pool_id, holder).await? {
                None => {}
                Some(user) if expired && user.status == UserStatus::Unconfirmed => {
                    directory.delete_user(request.user_pool_id, holder).await?;
                }
                Some(_) => return Ok(false),
            }
        }
        Some(CONFIRMED) => {
            let holder_user = directory.get_user(request.user_pool_id, holder).await?;
            if holder_user.as_ref().is_some_and(|user| reservations::holds_verified(user, request.kind, request.value))
            {
                return Ok(false);
            }
            // An administrator's new user does not exist until this trigger has answered.
            let created_at = current.i64(CREATED_AT).unwrap_or(request.now);
            if holder_user.is_none() && request.now - created_at < HOLDER_GRACE_SECONDS {
                return Ok(false);
            }
            // Deleted, or the address changed: the value is free again.
            tracing::info!(kind = ?request.kind, "confirmed reservation of a departed holder taken over");
            metrics::count(crate::NAME, "ConfirmedReservationTakenOver");
        }
        _ => return Ok(false),
    }
    Ok(store.put(ours, Some(&reservations::unchanged(current))).await? == WriteOutcome::Written)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use trigger_core::fakes::{FakeDirectory, InMemoryStore};

    use super::*;

    const POOL: &str = "us-east-1_X";

    fn request<'a>(username: &'a str, value: &'a str, now: i64) -> Request<'a> {
        Request {
            user_pool_id: POOL,
            username,
            kind: Kind::Email,
            value,
            now,
            pending_seconds: 1_000,
            check_existing_users: true,
            permanent: false,
            verified_by_rule: false,
        }
    }

    fn user(username: &str, email: &str, status: UserStatus) -> DirectoryUser {
        DirectoryUser {
            username: username.into(),
            status,
            enabled: true,
            created_at: None,
            attributes: BTreeMap::from([
                ("email".to_owned(), email.to_owned()),
                ("email_verified".to_owned(), "true".to_owned()),
            ]),
        }
    }

    fn owner(store: &InMemoryStore, value: &str) -> Option<String> {
        store
            .items()
            .into_iter()
            .find(|i| i.key() == Some(reservations::key(POOL, Kind::Email, value)))
            .and_then(|i| i.str(OWNER).map(str::to_owned))
    }

    #[tokio::test]
    async fn first_wins_the_same_user_may_retry_others_are_refused() {
        let (store, directory) = (InMemoryStore::default(), FakeDirectory::default());
        let first = reserve(&store, &directory, &request("alice", "a@example.com", 100)).await.unwrap();
        assert_eq!(first, Reservation::Reserved { others: vec![] });
        let retry = reserve(&store, &directory, &request("alice", "a@example.com", 101)).await.unwrap();
        assert_eq!(retry, Reservation::Reserved { others: vec![] });
        let other = reserve(&store, &directory, &request("bob", "a@example.com", 102)).await.unwrap();
        assert_eq!(other, Reservation::Taken);
        assert_eq!(owner(&store, "a@example.com").as_deref(), Some("alice"));
    }

    #[tokio::test]
    async fn an_admin_created_user_reserves_for_good_and_may_retry() {
        let (store, directory) = (InMemoryStore::default(), FakeDirectory::default());
        let admin = Request { permanent: true, ..request("invited", "i@example.com", 100) };
        for _ in 0..2 {
            assert_eq!(reserve(&store, &directory, &admin).await.unwrap(), Reservation::Reserved { others: vec![] });
        }
        let row = store.items().into_iter().next().unwrap();
        assert_eq!(row.str(STATUS), Some(CONFIRMED), "post confirmation never runs for admin-created users");
        assert_eq!(row.get(trigger_core::ports::EXPIRES_AT), None);
        directory.insert(user("invited", "i@example.com", UserStatus::ForceChangePassword));
        let other = reserve(&store, &directory, &request("other", "i@example.com", 200_000)).await.unwrap();
        assert_eq!(other, Reservation::Taken, "never expires under the invited user");
    }

    #[tokio::test]
    async fn a_value_verified_by_rule_is_marked_on_its_row_and_a_retry_keeps_the_mark() {
        let (store, directory) = (InMemoryStore::default(), FakeDirectory::default());
        let by_rule = Request { permanent: true, verified_by_rule: true, ..request("ceo", "ceo@corp.example", 100) };
        for _ in 0..2 {
            assert!(matches!(reserve(&store, &directory, &by_rule).await.unwrap(), Reservation::Reserved { .. }));
        }
        let row = store.items().into_iter().next().unwrap();
        assert!(reservations::is_verified_by_rule(&row, "ceo"));
        assert_eq!(row.str(STATUS), Some(CONFIRMED), "auto-confirmed at once: no pending row to expire");
    }

    #[tokio::test]
    async fn attack_sign_up_under_an_existing_users_name_cannot_mark_their_proved_reservation() {
        let (store, directory) = (InMemoryStore::default(), FakeDirectory::default());
        let key = reservations::key(POOL, Kind::Email, "cfo@corp.example");
        store.put(&reservations::confirmed_item(&key, "cfo", 50), None).await.unwrap();
        directory.insert(user("cfo", "cfo@corp.example", UserStatus::Confirmed));
        // Cognito runs pre sign-up before it refuses the taken user name: the attempt reaches us.
        let again = Request { permanent: true, verified_by_rule: true, ..request("cfo", "cfo@corp.example", 100) };
        assert_eq!(reserve(&store, &directory, &again).await.unwrap(), Reservation::Taken);
        let row = store.get(&key).await.unwrap().unwrap();
        assert!(!reservations::is_verified_by_rule(&row, "cfo"), "the proved holder's row is unchanged");
        assert_eq!(row.i64(CREATED_AT), Some(50));
    }

    #[tokio::test]
    async fn a_dead_sign_up_is_taken_over_but_not_one_in_flight() {
        let (store, directory) = (InMemoryStore::default(), FakeDirectory::default());
        reserve(&store, &directory, &request("ghost", "g@example.com", 100)).await.unwrap();
        // 10 s later the holder's user does not exist yet: its sign-up may still be in flight.
        assert_eq!(
            reserve(&store, &directory, &request("bob", "g@example.com", 110)).await.unwrap(),
            Reservation::Taken
        );
        // Past the grace period a holder that does not exist is gone.
        let later =
            reserve(&store, &directory, &request("bob", "g@example.com", 100 + HOLDER_GRACE_SECONDS)).await.unwrap();
        assert_eq!(later, Reservation::Reserved { others: vec![] });
        assert_eq!(owner(&store, "g@example.com").as_deref(), Some("bob"));
    }

    #[tokio::test]
    async fn an_expired_unconfirmed_holder_is_deleted_and_replaced_but_a_confirmed_one_is_not() {
        let (store, directory) = (InMemoryStore::default(), FakeDirectory::default());
        reserve(&store, &directory, &request("slow", "s@example.com", 100)).await.unwrap();
        directory.insert(user("slow", "s@example.com", UserStatus::Unconfirmed));
        // Unexpired and the user exists: refused.
        assert_eq!(
            reserve(&store, &directory, &request("new", "s@example.com", 500)).await.unwrap(),
            Reservation::Taken
        );
        // Expired (pending_seconds = 1000) and still unconfirmed: the old sign-up is removed.
        let outcome = reserve(&store, &directory, &request("new", "s@example.com", 1_200)).await.unwrap();
        assert_eq!(outcome, Reservation::Reserved { others: vec![] });
        assert!(directory.users().iter().all(|u| u.username != "slow"), "the dead sign-up's user is deleted");

        reserve(&store, &directory, &request("conf", "c@example.com", 100)).await.unwrap();
        directory.insert(user("conf", "c@example.com", UserStatus::Confirmed));
        assert_eq!(
            reserve(&store, &directory, &request("new2", "c@example.com", 1_200)).await.unwrap(),
            Reservation::Taken
        );
    }

    #[tokio::test]
    async fn a_confirmed_reservation_is_taken_over_only_once_its_holder_let_the_address_go() {
        let (store, directory) = (InMemoryStore::default(), FakeDirectory::default());
        let key = reservations::key(POOL, Kind::Email, "kept@example.com");
        store.put(&reservations::confirmed_item(&key, "holder", 50), None).await.unwrap();
        directory.insert(user("holder", "kept@example.com", UserStatus::Confirmed));
        let taken = reserve(&store, &directory, &request("newcomer", "kept@example.com", 100)).await.unwrap();
        assert_eq!(taken, Reservation::Taken, "the holder still has the address, verified");

        // The holder changed the address: the old one is free.
        directory.insert(user("holder", "new-address@example.com", UserStatus::Confirmed));
        let free = reserve(&store, &directory, &request("newcomer", "kept@example.com", 101)).await.unwrap();
        assert_eq!(free, Reservation::Reserved { others: vec![] });
        assert_eq!(owner(&store, "kept@example.com").as_deref(), Some("newcomer"));
        let row = store.items().into_iter().find(|i| i.key() == Some(key.clone())).unwrap();
        assert_eq!(row.str(STATUS), Some(PENDING), "the newcomer still has to confirm");

        // A holder who was deleted, or who never verified the address, holds nothing either.
        for (name, holder) in [("gone", None), ("unverified", Some(false))] {
            let value = format!("{name}@example.com");
            let key = reservations::key(POOL, Kind::Email, &value);
            store.put(&reservations::confirmed_item(&key, name, 0), None).await.unwrap();
            if let Some(verified) = holder {
                let mut u = user(name, &value, UserStatus::Confirmed);
                u.attributes.insert("email_verified".into(), verified.to_string());
                directory.insert(u);
            }
            let in_flight = reserve(&store, &directory, &request("newcomer", &value, HOLDER_GRACE_SECONDS - 1)).await;
            if holder.is_none() {
                assert_eq!(
                    in_flight.unwrap(),
                    Reservation::Taken,
                    "{name}: a new admin-created holder may be in flight"
                );
            }
            let outcome = reserve(&store, &directory, &request("newcomer", &value, 1_000)).await.unwrap();
            assert!(matches!(outcome, Reservation::Reserved { .. }), "{name}: {outcome:?}");
        }
    }

    #[tokio::test]
    async fn users_from_before_the_trigger_are_found_and_a_confirmed_one_wins() {
        let directory = FakeDirectory::with_users(vec![
            user("legacy", "old@example.com", UserStatus::Confirmed),
            user("halfway", "half@example.com", UserStatus::Unconfirmed),
        ]);
        let store = InMemoryStore::default();
        assert_eq!(
            reserve(&store, &directory, &request("bob", "old@example.com", 100)).await.unwrap(),
            Reservation::Taken
        );
        assert_eq!(owner(&store, "old@example.com").as_deref(), Some("legacy"), "the row now names the real holder");
        let half = reserve(&store, &directory, &request("carol", "half@example.com", 100)).await.unwrap();
        let Reservation::Reserved { others } = half else { panic!("an unconfirmed legacy user never blocks") };
        assert_eq!(others.len(), 1);
        let mut unproved = user("unproved", "typed@example.com", UserStatus::Confirmed);
        unproved.attributes.insert("email_verified".into(), "false".into());
        directory.insert(unproved);
        let typed = reserve(&store, &directory, &request("dave", "typed@example.com", 100)).await.unwrap();
        assert!(
            matches!(typed, Reservation::Reserved { .. }),
            "a confirmed user who never verified the address does not block"
        );
    }
}
