//! One behaviour suite for every `Store`: the in-memory fake and DynamoDB (moto) both run it.

use std::sync::Arc;

use trigger_core::ports::{AttrValue, CompareOp, Condition, Item, Key, Store, Update, UpdateOutcome, WriteOutcome};

pub async fn run(store: Arc<dyn Store>, namespace: &str) {
    conditional_put_reports_the_loser_with_the_winning_item(store.as_ref(), namespace).await;
    atomic_update_counts_and_guards(store.as_ref(), namespace).await;
    concurrent_increments_are_not_lost(store.clone(), namespace).await;
    expired_items_can_be_taken_over(store.as_ref(), namespace).await;
    conditional_delete(store.as_ref(), namespace).await;
    query_by_prefix_in_order(store.as_ref(), namespace).await;
    values_round_trip(store.as_ref(), namespace).await;
    claims_belong_to_their_owner(store.as_ref(), namespace).await;
}

async fn conditional_put_reports_the_loser_with_the_winning_item(store: &dyn Store, ns: &str) {
    let key = Key::new(format!("{ns}#EMAIL#a@example.com"), "RESERVATION");
    let first = Item::new(&key).with("owner", AttrValue::s("alice"));
    let second = Item::new(&key).with("owner", AttrValue::s("bob"));
    assert_eq!(store.put(&first, Some(&Condition::ItemNotExists)).await.unwrap(), WriteOutcome::Written);
    match store.put(&second, Some(&Condition::ItemNotExists)).await.unwrap() {
        WriteOutcome::ConditionFailed { current: Some(current) } => assert_eq!(current.str("owner"), Some("alice")),
        other => panic!("the second put must lose and report the winner, got {other:?}"),
    }
    assert_eq!(store.get(&key).await.unwrap().unwrap().str("owner"), Some("alice"));
    assert_eq!(store.get(&Key::new(format!("{ns}#missing"), "X")).await.unwrap(), None);
}

async fn atomic_update_counts_and_guards(store: &dyn Store, ns: &str) {
    let key = Key::new(format!("{ns}#LOCKOUT#bob"), "STATE");
    let below_three = Condition::Or(vec![
        Condition::AttributeNotExists("attempts".into()),
        Condition::compare("attempts", CompareOp::Lt, AttrValue::n(3)),
    ]);
    let bump = Update::default()
        .add("attempts", 1)
        .set_if_missing("firstAt", AttrValue::n(100))
        .set("lastAt", AttrValue::n(7));
    for expected in 1..=3 {
        match store.update(&key, &bump, Some(&below_three)).await.unwrap() {
            UpdateOutcome::Updated(item) => {
                assert_eq!(item.i64("attempts"), Some(expected));
                assert_eq!(item.i64("firstAt"), Some(100));
            }
            other => panic!("attempt {expected} must pass, got {other:?}"),
        }
    }
    match store.update(&key, &bump, Some(&below_three)).await.unwrap() {
        UpdateOutcome::ConditionFailed { current: Some(current) } => assert_eq!(current.i64("attempts"), Some(3)),
        other => panic!("the fourth attempt must fail the guard, got {other:?}"),
    }
    let reset = Update::default().remove("attempts").set("lastAt", AttrValue::n(8));
    let UpdateOutcome::Updated(item) = store.update(&key, &reset, Some(&Condition::ItemExists)).await.unwrap() else {
        panic!("reset of an existing item must pass")
    };
    assert_eq!(item.get("attempts"), None);
    assert_eq!(item.i64("lastAt"), Some(8));
    let missing = Key::new(format!("{ns}#LOCKOUT#nobody"), "STATE");
    assert_eq!(
        store.update(&missing, &reset, Some(&Condition::ItemExists)).await.unwrap(),
        UpdateOutcome::ConditionFailed { current: None }
    );
}

async fn concurrent_increments_are_not_lost(store: Arc<dyn Store>, ns: &str) {
    let key = Key::new(format!("{ns}#COUNTER"), "C");
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            let key = key.clone();
            tokio::spawn(async move { store.update(&key, &Update::default().add("n", 1), None).await.unwrap() })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.get(&key).await.unwrap().unwrap().i64("n"), Some(20));
}

async fn expired_items_can_be_taken_over(store: &dyn Store, ns: &str) {
    let key = Key::new(format!("{ns}#EMAIL#old@example.com"), "RESERVATION");
    let now = 1_000_000;
    let stale = Item::new(&key).with("owner", AttrValue::s("ghost")).with("expiresAt", AttrValue::n(now - 1));
    store.put(&stale, None).await.unwrap();
    assert!(store.get(&key).await.unwrap().unwrap().is_expired(now));
    let fresh = Item::new(&key).with("owner", AttrValue::s("carol")).with("expiresAt", AttrValue::n(now + 3600));
    assert_eq!(store.put(&fresh, Some(&Condition::absent_or_expired(now))).await.unwrap(), WriteOutcome::Written);
    let again = Item::new(&key).with("owner", AttrValue::s("dave"));
    assert!(matches!(
        store.put(&again, Some(&Condition::absent_or_expired(now))).await.unwrap(),
        WriteOutcome::ConditionFailed { .. }
    ));
}

async fn conditional_delete(store: &dyn Store, ns: &str) {
    let key = Key::new(format!("{ns}#EMAIL#del@example.com"), "RESERVATION");
    store.put(&Item::new(&key).with("owner", AttrValue::s("erin")), None).await.unwrap();
    let not_owner = Condition::equals("owner", AttrValue::s("mallory"));
    assert!(matches!(store.delete(&key, Some(&not_owner)).await.unwrap(), WriteOutcome::ConditionFailed { .. }));
    let owner = Condition::equals("owner", AttrValue::s("erin"));
    assert_eq!(store.delete(&key, Some(&owner)).await.unwrap(), WriteOutcome::Written);
    assert_eq!(store.get(&key).await.unwrap(), None);
    assert_eq!(store.delete(&key, None).await.unwrap(), WriteOutcome::Written, "deleting a missing item is fine");
}

async fn query_by_prefix_in_order(store: &dyn Store, ns: &str) {
    let pk = format!("{ns}#USER#sub-1");
    for sk in ["LOGIN#2026-01-01", "LOGIN#2026-01-03", "LOGIN#2026-01-02", "PROFILE"] {
        store.put(&Item::new(&Key::new(&pk, sk)), None).await.unwrap();
    }
    let oldest_first: Vec<String> = store
        .query(&pk, "LOGIN#", 10, false)
        .await
        .unwrap()
        .iter()
        .filter_map(|i| i.str("sk").map(str::to_owned))
        .collect();
    assert_eq!(oldest_first, ["LOGIN#2026-01-01", "LOGIN#2026-01-02", "LOGIN#2026-01-03"]);
    let newest: Vec<String> = store
        .query(&pk, "LOGIN#", 2, true)
        .await
        .unwrap()
        .iter()
        .filter_map(|i| i.str("sk").map(str::to_owned))
        .collect();
    assert_eq!(newest, ["LOGIN#2026-01-03", "LOGIN#2026-01-02"]);
    assert_eq!(store.query(&pk, "", 10, false).await.unwrap().len(), 4);
}

async fn values_round_trip(store: &dyn Store, ns: &str) {
    let key = Key::new(format!("{ns}#TYPES"), "T");
    let item = Item::new(&key)
        .with("s", AttrValue::s("text"))
        .with("n", AttrValue::n(-42))
        .with("b", AttrValue::Bool(true))
        .with("l", AttrValue::L(vec![AttrValue::s("a"), AttrValue::n(1)]))
        .with("m", AttrValue::M([("k".to_owned(), AttrValue::s("v"))].into()))
        .with("ss", AttrValue::Ss(["x".to_owned(), "y".to_owned()].into()));
    store.put(&item, None).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap().unwrap(), item);
}

/// The once-only claims (`trigger_core::idempotency`) hold on this store: a stale holder cannot
/// complete or give back the claim of the holder that took over after its lease.
async fn claims_belong_to_their_owner(store: &dyn Store, ns: &str) {
    use trigger_core::idempotency::{self, Claim, Lease};
    use trigger_core::ports::PortErrorKind;
    let key = idempotency::key("welcome", &format!("{ns}#sub-1"));
    let lease = Lease { lease_seconds: 10, keep_seconds: 3_600 };
    let now = 1_900_000_000;
    let Claim::Claimed(stale) = idempotency::claim(store, &key, now, lease).await.unwrap() else {
        panic!("the first claim wins")
    };
    assert_eq!(idempotency::claim(store, &key, now + 1, lease).await.unwrap(), Claim::InProgress);
    let Claim::Claimed(successor) = idempotency::claim(store, &key, now + 10, lease).await.unwrap() else {
        panic!("a claim past its lease is free")
    };
    assert!(!idempotency::give_back(store, &key, &stale, PortErrorKind::Timeout).await.unwrap());
    assert!(!idempotency::complete(store, &key, &stale, now + 11).await.unwrap());
    let record = store.get(&key).await.unwrap().unwrap();
    assert_eq!(record.str(idempotency::OWNER), Some(successor.as_str()), "the successor still holds it");
    assert_eq!(record.str(idempotency::STATUS), Some(idempotency::IN_PROGRESS));
    assert!(idempotency::give_back(store, &key, &successor, PortErrorKind::Unavailable).await.unwrap());
    let Claim::Claimed(retry) = idempotency::claim(store, &key, now + 12, lease).await.unwrap() else {
        panic!("a claim given back is free at once")
    };
    assert!(idempotency::complete(store, &key, &retry, now + 13).await.unwrap());
    assert_eq!(idempotency::claim(store, &key, now + 100, lease).await.unwrap(), Claim::AlreadyDone);
    assert_eq!(store.get(&key).await.unwrap().unwrap().i64(idempotency::FAILURES), Some(1));
}
