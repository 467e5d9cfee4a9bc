//! `release` and `backfill` against the local stack's moto (Cognito and DynamoDB): a fresh pool
//! per test, users created through moto's AdminCreateUser / SignUp.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Instant;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
use tokio::task::JoinSet;
use trigger_core::aws::Aws;
use trigger_core::ports::{AttrValue, Item, Store, SystemClock};
use trigger_core::reservations::{self, CONFIRMED, CREATED_AT, Kind, OWNER, STATUS, UPDATED_AT};
use trigger_core::testing::{local_aws, table_name, unique};
use triggers_admin::command::{Backfill, Release};
use triggers_admin::pace::TokioPace;
use triggers_admin::{Command, Ports, Status, Stderr};

fn ports(aws: &Aws) -> Ports {
    Ports {
        store: Arc::new(aws.store(table_name())),
        directory: Arc::new(aws.directory()),
        clock: Arc::new(SystemClock),
        pace: Arc::new(TokioPace::default()),
        progress: Arc::new(Stderr),
        events: trigger_core::domain_events::Events::disabled(),
    }
}

async fn fresh_pool(client: &Client) -> String {
    let pool = client.create_user_pool().pool_name(unique("admin")).send().await.unwrap();
    pool.user_pool().unwrap().id().unwrap().to_owned()
}

fn attributes(pairs: &[(&str, &str)]) -> Vec<AttributeType> {
    pairs.iter().map(|(name, value)| AttributeType::builder().name(*name).value(*value).build().unwrap()).collect()
}

/// One user to create in moto.
#[derive(Clone)]
struct Spec {
    username: String,
    attributes: Vec<(String, String)>,
    how: How,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum How {
    /// AdminCreateUser + a permanent password: CONFIRMED.
    Confirmed,
    /// AdminCreateUser only: FORCE_CHANGE_PASSWORD.
    AdminCreated,
    /// SignUp through an app client: UNCONFIRMED.
    SignedUp,
}

async fn create(client: Client, pool: String, app_client: String, spec: Spec) {
    let pairs: Vec<(&str, &str)> = spec.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if spec.how == How::SignedUp {
        client
            .sign_up()
            .client_id(&app_client)
            .username(&spec.username)
            .password("Correct-Horse-7")
            .set_user_attributes(Some(attributes(&pairs)))
            .send()
            .await
            .unwrap();
        return;
    }
    client
        .admin_create_user()
        .user_pool_id(&pool)
        .username(&spec.username)
        .set_user_attributes(Some(attributes(&pairs)))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    if spec.how == How::Confirmed {
        client
            .admin_set_user_password()
            .user_pool_id(&pool)
            .username(&spec.username)
            .password("Correct-Horse-7")
            .permanent(true)
            .send()
            .await
            .unwrap();
    }
}

/// Creates the users 16 at a time (moto answers concurrent calls; one by one would take long).
async fn populate(client: &Client, pool: &str, specs: &[Spec]) -> String {
    let app = client.create_user_pool_client().user_pool_id(pool).client_name("backfill-test").send().await.unwrap();
    let app_client = app.user_pool_client().unwrap().client_id().unwrap().to_owned();
    let mut tasks = JoinSet::new();
    for spec in specs {
        if tasks.len() >= 16 {
            tasks.join_next().await.unwrap().unwrap();
        }
        tasks.spawn(create(client.clone(), pool.to_owned(), app_client.clone(), spec.clone()));
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    app_client
}

fn spec(username: String, how: How, pairs: &[(&str, String)]) -> Spec {
    Spec { username, how, attributes: pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect() }
}

fn line<'a>(report: &'a str, prefix: &str) -> &'a str {
    report.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix:?} in:\n{report}"))
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn backfill_of_a_pool_of_285_users_twice_writes_the_same_rows() {
    let aws = local_aws().await.unwrap();
    let client = Client::new(aws.sdk_config());
    let pool = fresh_pool(&client).await;
    let tag = unique("bf");
    let email = |i: usize| format!("{tag}-{i}@example.com");
    let t = || "true".to_owned();
    let mut specs = Vec::new();
    // 260 confirmed users with a verified address; five of them with a verified phone number too.
    for i in 0..260 {
        let mut pairs = vec![("email", email(i)), ("email_verified", t())];
        if i < 5 {
            pairs.push(("phone_number", format!("+1555{:07}", 1_000 + i)));
            pairs.push(("phone_number_verified", t()));
        }
        specs.push(spec(format!("user-{i:03}"), How::Confirmed, &pairs));
    }
    // 10 admin-created (FORCE_CHANGE_PASSWORD), verified: real accounts, reserved.
    for i in 260..270 {
        specs.push(spec(format!("admin-{i}"), How::AdminCreated, &[("email", email(i)), ("email_verified", t())]));
    }
    // 10 confirmed with an address nobody verified: skipped.
    for i in 270..280 {
        specs.push(spec(format!("unverified-{i}"), How::Confirmed, &[("email", email(i))]));
    }
    // 5 unconfirmed sign-ups: skipped.
    for i in 280..285 {
        specs.push(spec(format!("signup-{i}"), How::SignedUp, &[("email", email(i))]));
    }
    let created_at = Instant::now();
    populate(&client, &pool, &specs).await;
    eprintln!("created {} users in moto in {:.1} s", specs.len(), created_at.elapsed().as_secs_f64());

    // Someone else holds user-007's address already.
    let store = aws.store(table_name());
    let squatted = reservations::key(&pool, Kind::Email, &email(7));
    let squat = Item::new(&squatted)
        .with(OWNER, AttrValue::s("someone-else"))
        .with(STATUS, AttrValue::s(CONFIRMED))
        .with(CREATED_AT, AttrValue::n(1))
        .with(UPDATED_AT, AttrValue::n(1));
    store.put(&squat, None).await.unwrap();

    let command = Command::Backfill(Backfill { user_pool_id: pool.clone(), from_token: None, rate: 10, phone: true });
    let rows = |store: Arc<dyn Store>| {
        let pool = pool.clone();
        let keys: Vec<_> = (0..285)
            .map(|i| reservations::key(&pool, Kind::Email, &email(i)))
            .chain((0..5).map(|i| reservations::key(&pool, Kind::Phone, &format!("+1555{:07}", 1_000 + i))))
            .collect();
        async move {
            let mut rows = Vec::new();
            for key in keys {
                rows.push(store.get(&key).await.unwrap());
            }
            rows
        }
    };

    let mut reports = Vec::new();
    let mut snapshots = Vec::new();
    for run in 1..=2 {
        let started = Instant::now();
        let outcome = triggers_admin::run(&command, &ports(&aws)).await;
        eprintln!("run {run} took {:.2} s:\n{}", started.elapsed().as_secs_f64(), outcome.report);
        assert_eq!(outcome.status, Status::Done, "{}", outcome.report);
        snapshots.push(rows(Arc::new(aws.store(table_name()))).await);
        reports.push(outcome.report);
    }
    for report in &reports {
        assert!(
            line(report, "users seen:").starts_with("users seen: 285 in 5 page(s); ListUsers calls: 5 "),
            "{report}"
        );
        assert_eq!(line(report, "held by another user:"), "held by another user: 1");
        assert_eq!(line(report, "skipped users:"), "skipped users: 5 unconfirmed, 0 federated");
        assert_eq!(line(report, "skipped values:"), "skipped values: 275 without an address, 10 not verified");
        assert!(report.contains("user-007 has it verified, but it is reserved for someone-else"), "{report}");
    }
    // 259 + 10 e-mail addresses and 5 phone numbers.
    assert_eq!(line(&reports[0], "reservations created:"), "reservations created: 274");
    assert_eq!(line(&reports[0], "already theirs:"), "already theirs: 0");
    assert_eq!(line(&reports[1], "reservations created:"), "reservations created: 0");
    assert_eq!(line(&reports[1], "already theirs:"), "already theirs: 274");
    assert_eq!(snapshots[0], snapshots[1], "the second run rewrote nothing");

    let rows = &snapshots[0];
    for (i, row) in rows.iter().enumerate() {
        let expected = match i {
            7 => Some("someone-else".to_owned()),
            0..260 => Some(format!("user-{i:03}")),
            260..270 => Some(format!("admin-{i}")),
            270..285 => None,
            phone => Some(format!("user-{:03}", phone - 285)),
        };
        assert_eq!(row.as_ref().and_then(|r| r.str(OWNER)).map(str::to_owned), expected, "row {i}");
        if let Some(row) = row {
            assert_eq!(row.str(STATUS), Some(CONFIRMED), "row {i}");
            assert_eq!(row.get("expiresAt"), None, "row {i}");
        }
    }
}

async fn release(aws: &Aws, pool: &str, address: &str, force: bool) -> triggers_admin::Outcome {
    let (kind, value) = triggers_admin::command::address_kind(address).unwrap();
    let command = Command::Release(Release { user_pool_id: pool.to_owned(), kind, value, force });
    let outcome = triggers_admin::run(&command, &ports(aws)).await;
    eprintln!("release {address} (force: {force}):\n{}", outcome.report);
    outcome
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn release_refuses_a_held_address_and_frees_an_orphaned_one() {
    let aws = local_aws().await.unwrap();
    let client = Client::new(aws.sdk_config());
    let pool = fresh_pool(&client).await;
    let tag = unique("rel");
    let (held, orphaned, moved) =
        (format!("{tag}-held@example.com"), format!("{tag}-orphan@example.com"), format!("{tag}-old@example.com"));
    let t = || "true".to_owned();
    populate(
        &client,
        &pool,
        &[
            spec("holder".into(), How::Confirmed, &[("email", held.clone()), ("email_verified", t())]),
            spec(
                "mover".into(),
                How::Confirmed,
                &[("email", format!("{tag}-new@example.com")), ("email_verified", t())],
            ),
        ],
    )
    .await;
    let store = aws.store(table_name());
    let row = |value: &str, owner: &str| {
        Item::new(&reservations::key(&pool, Kind::Email, value))
            .with(OWNER, AttrValue::s(owner))
            .with(STATUS, AttrValue::s(CONFIRMED))
            .with(CREATED_AT, AttrValue::n(1_700_000_000))
            .with(UPDATED_AT, AttrValue::n(1_700_000_000))
    };
    store.put(&row(&held, "holder"), None).await.unwrap();
    store.put(&row(&orphaned, "deleted-long-ago"), None).await.unwrap();
    store.put(&row(&moved, "mover"), None).await.unwrap();
    let exists = |value: &str| {
        let key = reservations::key(&pool, Kind::Email, value);
        let store = aws.store(table_name());
        async move { store.get(&key).await.unwrap().is_some() }
    };

    let refused = release(&aws, &pool, &held.to_uppercase(), false).await;
    assert_eq!(refused.status, Status::Failed, "{}", refused.report);
    assert!(refused.report.contains("holder (CONFIRMED) has this email, verified"), "{}", refused.report);
    assert!(exists(&held).await);

    let freed = release(&aws, &pool, &orphaned, false).await;
    assert_eq!(freed.status, Status::Done, "{}", freed.report);
    assert!(freed.report.contains("deleted-long-ago no longer exists"), "{}", freed.report);
    assert!(!exists(&orphaned).await);
    let again = release(&aws, &pool, &orphaned, false).await;
    assert_eq!(again.status, Status::Done);
    assert!(again.report.contains("nothing to do"), "{}", again.report);

    let moved_on = release(&aws, &pool, &moved, false).await;
    assert_eq!(moved_on.status, Status::Done, "{}", moved_on.report);
    assert!(!exists(&moved).await);

    let forced = release(&aws, &pool, &held, true).await;
    assert_eq!(forced.status, Status::Done, "{}", forced.report);
    assert!(!exists(&held).await);
}
