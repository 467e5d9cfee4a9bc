//! Domain events against moto (`AWS_ENDPOINT_URL`, the local stack's moto under `make test`): a
//! rule on a bus with an SQS target receives the events of a sign-up → confirm → five wrong
//! passwords → unlock journey, in order, once each per action. The journey runs through the
//! triggers' handlers with the AWS adapters for the table and the bus (the user pool is a fake:
//! moto invokes no triggers), as Cognito and `triggers-admin unlock` drive them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use trigger_core::domain_events::{EventSettings, Events};
use trigger_core::fakes::{FakeDirectory, RecordingMailer, RecordingScheduler};
use trigger_core::lockout::NameRule;
use trigger_core::ports::{DirectoryUser, Store, SystemClock, UserStatus};
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, table_name, unique};
use trigger_core::{Env, Trigger};

const SUB: &str = "4a8b2c3d-1111-2222-3333-444455556666";

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A bus, a queue, and a rule that sends this pool's events from the bus to the queue.
struct Listener {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    bus: String,
}

async fn listener(config: &aws_config::SdkConfig, pool: &str, bus: Option<String>) -> Listener {
    let events = aws_sdk_eventbridge::Client::new(config);
    let sqs = aws_sdk_sqs::Client::new(config);
    let bus = match bus {
        Some(existing) => existing,
        None => {
            let bus = unique("users");
            events.create_event_bus().name(&bus).send().await.unwrap();
            bus
        }
    };
    let queue_url = sqs.create_queue().queue_name(unique("user-events")).send().await.unwrap().queue_url.unwrap();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let queue_arn = attributes.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn].clone();
    let pattern = json!({ "source": ["cognito-triggers"], "detail": { "userPoolId": [pool] } });
    let rule = unique("user-events");
    events.put_rule().name(&rule).event_bus_name(&bus).event_pattern(pattern.to_string()).send().await.unwrap();
    let target = aws_sdk_eventbridge::types::Target::builder().id("queue").arn(queue_arn).build().unwrap();
    events.put_targets().rule(&rule).event_bus_name(&bus).targets(target).send().await.unwrap();
    Listener { sqs, queue_url, bus }
}

impl Listener {
    async fn drain(&self, expected: usize) -> Vec<Value> {
        e2e::events::drain(&self.sqs, &self.queue_url, expected, |_| true).await.unwrap()
    }
}

async fn answer<T: Trigger>(trigger: &T, event: Value) -> Result<Value, trigger_core::TriggerError> {
    run_within(trigger, Duration::from_secs(4), event).await
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_rule_on_the_bus_receives_the_journeys_events_in_order_once_each() {
    let aws = local_aws().await.unwrap();
    let pool = unique("us-east-1_events");
    let user = unique("jane");
    let listener = listener(aws.sdk_config(), &pool, None).await;
    let settings = EventSettings::from_env(&Env::from_pairs([("EVENT_BUS_NAME", listener.bus.as_str())])).unwrap();
    let events = Events::from_settings(&settings, &aws);
    let store: Arc<dyn Store> = Arc::new(aws.store(table_name()));
    let directory = Arc::new(FakeDirectory::default());
    let table = [("TABLE_NAME", table_name())];

    // Sign-up: pre sign-up lets it through.
    let pre_signup = pre_signup::PreSignUp::new(
        pre_signup::Settings::from_env(&Env::from_pairs(table.clone())).unwrap(),
        pre_signup::Ports {
            store: Some(store.clone()),
            directory: directory.clone(),
            scheduler: Arc::new(RecordingScheduler::default()),
            clock: Arc::new(SystemClock),
            events: events.clone(),
        },
    );
    let mut sign_up = fixture("pre-signup.json");
    sign_up["userPoolId"] = json!(pool);
    sign_up["userName"] = json!(user);
    sign_up["request"]["userAttributes"] = json!({ "email": format!("{user}@example.com") });
    answer(&pre_signup, sign_up).await.unwrap();

    // Confirm: post confirmation.
    let post_confirmation = post_confirmation::PostConfirmation::new(
        post_confirmation::Settings::from_env(&Env::from_pairs(table.clone())).unwrap(),
        post_confirmation::Ports {
            store: store.clone(),
            directory: directory.clone(),
            mailer: Arc::new(RecordingMailer::default()),
            clock: Arc::new(SystemClock),
            events: events.clone(),
        },
    );
    let mut confirm = fixture("post-confirmation.json");
    confirm["userPoolId"] = json!(pool);
    confirm["userName"] = json!(user);
    confirm["request"]["userAttributes"] = json!({ "sub": SUB, "email": format!("{user}@example.com") });
    answer(&post_confirmation, confirm).await.unwrap();

    // Five sign-ins with a wrong password: pre authentication counts each before Cognito checks
    // the password (post authentication never runs). Four allowed, the fifth locks.
    let pre_authentication = pre_authentication::PreAuthentication::new(
        pre_authentication::Settings::from_env(&Env::from_pairs([
            ("TABLE_NAME", table_name()),
            ("LOCKOUT_MAX_ATTEMPTS", "4".to_owned()),
        ]))
        .unwrap(),
        pre_authentication::Ports { store: store.clone(), clock: Arc::new(SystemClock), events: events.clone() },
    );
    let mut sign_in = fixture("pre-authentication.json");
    sign_in["userPoolId"] = json!(pool);
    sign_in["userName"] = json!(user);
    sign_in["request"]["userAttributes"]["sub"] = json!(SUB);
    let mut outcomes = Vec::new();
    for _ in 0..5 {
        outcomes.push(answer(&pre_authentication, sign_in.clone()).await.is_ok());
    }
    assert_eq!(outcomes, [true, true, true, true, false]);

    // The operator unlocks the user, whom the pool knows by its sub.
    directory.insert(DirectoryUser {
        username: user.clone(),
        status: UserStatus::Confirmed,
        enabled: true,
        created_at: None,
        attributes: [("sub".to_owned(), SUB.to_owned())].into(),
    });
    let given = triggers_admin::lockout::Given { pool: &pool, name: &user, names: NameRule::CaseSensitive };
    let report = triggers_admin::lockout::run(&given, true, &*store, &*directory, &SystemClock, &events).await.unwrap();
    assert!(report.contains("UserUnlocked published"), "{report}");

    let received = listener.drain(4).await;
    let types: Vec<&str> = received.iter().map(|m| m["detail-type"].as_str().unwrap()).collect();
    assert_eq!(types, ["UserSignedUp", "UserConfirmed", "UserLockedOut", "UserUnlocked"], "{received:#?}");
    let mut ids = std::collections::BTreeSet::new();
    for message in &received {
        let detail = &message["detail"];
        assert_eq!(message["source"], "cognito-triggers");
        assert_eq!(detail["schemaVersion"], 1);
        assert_eq!(detail["userPoolId"], pool.as_str());
        assert_eq!(detail["userName"], user.as_str());
        assert!(ids.insert(detail["eventId"].as_str().unwrap().to_owned()), "one id per action");
    }
    assert_eq!(received[0]["detail"]["email"], format!("{user}@example.com"));
    assert_eq!(received[1]["detail"]["sub"], SUB);
    assert_eq!(received[2]["detail"]["lockedUntil"], received[3]["detail"]["wasLockedUntil"]);
}

// Cognito appends "." to the trigger's own sentence, which therefore ends without one.
const LOCKED: &str = "PreAuthentication failed with error Too many sign-in attempts. Try again in 5 minutes.";

/// The same journey end to end: cognito-local runs the real binaries (which publish to the local
/// bus, `EVENT_BUS_NAME` in local/functions.env), the auth front runs pre-authentication, the
/// operator runs the `triggers-admin` binary. A rule for this pool only on the stack's bus.
#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn the_local_stack_publishes_the_journeys_events_in_order_once_each() {
    let aws = local_aws().await.unwrap();
    let pool = e2e::LocalPool::create("e2e-events").await.unwrap();
    let listener = listener(aws.sdk_config(), &pool.pool_id, Some(e2e::events::bus_name())).await;
    let email = format!("{}@example.com", unique("jane"));
    let sub = pool.sign_up(&email, &e2e::password()).await.unwrap().user_sub().to_owned();
    pool.confirm(&email).await.unwrap();
    // LOCKOUT_MAX_ATTEMPTS=5 (local/functions.env): five wrong passwords reach the password
    // check, the sixth attempt is the one that locks.
    for n in 1..=6 {
        let refused = e2e::lockout::attempt_sign_in(&pool, &email, "Wrong-password-1!").await.unwrap_err();
        assert_eq!(refused.1 == LOCKED, n == 6, "attempt {n}: {refused:?}");
    }
    let unlocked = e2e::lockout::triggers_admin(&["unlock", &pool.pool_id, &email]).unwrap();
    assert!(unlocked.contains("UserUnlocked published"), "{unlocked}");

    let received = listener.drain(4).await;
    let types: Vec<&str> = received.iter().map(|m| m["detail-type"].as_str().unwrap()).collect();
    assert_eq!(types, ["UserSignedUp", "UserConfirmed", "UserLockedOut", "UserUnlocked"], "{received:#?}");
    let ids: std::collections::BTreeSet<&str> =
        received.iter().map(|m| m["detail"]["eventId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4, "one id per action");
    assert_eq!(received[0]["detail"]["email"], email.as_str());
    assert_eq!(received[1]["detail"]["sub"], sub.as_str());
    assert_eq!(received[2]["detail"]["userExists"], true);
    pool.delete().await;
}
