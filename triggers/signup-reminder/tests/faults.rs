//! signup-reminder under injected faults: the real adapters (Cognito admin APIs, DynamoDB, SESv2),
//! with production SDK settings (1 s per attempt, 2 attempts, 2.5 s per operation; one attempt per
//! e-mail), talk to moto through a fault proxy (`trigger_core::testing::fault_proxy`); pools and
//! users are made directly. moto cannot run a Lambda task: the step is driven as the state
//! machine sends it, and a retry is the same input again.
//!
//! The documented policy (docs/triggers/signup-reminder.md, "Failure policy"): no person waits,
//! so a step never fails open: a dependency that fails fails the step with `DependencyFailure`,
//! which the state machine retries, inside the step's budget; every side effect is idempotent, so
//! the retry after the fault clears finishes the job — one reminder, one deletion and release,
//! one notice.
//! Run by `make test` (ignored by a plain `cargo test`: they need moto).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::Client as Cognito;
use aws_sdk_cognitoidentityprovider::types::AttributeType;
use serde_json::{Value, json};
use signup_reminder::{Ports, Settings, SignupReminder};
use trigger_core::ports::{Clock, Key, Store, SystemClock};
use trigger_core::reservations::{self, Kind};
use trigger_core::runtime::run_within;
use trigger_core::testing::fault_proxy::{Fault, FaultProxy};
use trigger_core::testing::{local_aws, production_aws_via, ses_messages_to, table_name, unique};
use trigger_core::{Env, TriggerError};

/// The runtime's default budget, as every binary has it.
const BUDGET: Duration = Duration::from_millis(4_500);
const SEND_EMAIL: &str = "POST /v2/email/outbound-emails";
const GET_USER: &str = "AWSCognitoIdentityProviderService.AdminGetUser";
const DELETE_USER: &str = "AWSCognitoIdentityProviderService.AdminDeleteUser";
const TABLE: &str = "DynamoDB_20120810.";
const FAULTS: [Fault; 3] = [Fault::Throttle, Fault::ServerError, Fault::Drop];

struct Rig {
    proxy: FaultProxy,
    cognito: Cognito,
    trigger: SignupReminder,
    pool: String,
    client_id: String,
}

async fn rig() -> Rig {
    let direct = local_aws().await.unwrap();
    let cognito = Cognito::new(direct.sdk_config());
    let pool = cognito.create_user_pool().pool_name(unique("reminder-faults")).send().await.unwrap();
    let pool = pool.user_pool().unwrap().id().unwrap().to_owned();
    let client = cognito.create_user_pool_client().user_pool_id(&pool).client_name("app").send().await.unwrap();
    let client_id = client.user_pool_client().unwrap().client_id().unwrap().to_owned();
    let proxy = FaultProxy::in_front_of_moto().unwrap();
    let aws = production_aws_via(proxy.url(), &[]).await.unwrap();
    let env = Env::from_pairs([
        ("TABLE_NAME", table_name()),
        ("REMINDER_EMAIL_FROM", "no-reply@example.com".to_owned()),
        ("SIGNUP_URL", "https://example.com/signup".to_owned()),
    ]);
    let ports = Ports {
        directory: Arc::new(aws.directory()),
        store: Arc::new(aws.store(table_name())),
        mailer: Arc::new(aws.mailer()),
        clock: Arc::new(SystemClock),
        events: trigger_core::domain_events::Events::disabled(),
    };
    let trigger = SignupReminder::new(Settings::from_env(&env).unwrap(), ports);
    Rig { proxy, cognito, trigger, pool, client_id }
}

impl Rig {
    /// An UNCONFIRMED user (SignUp, made directly) with its pending e-mail reservation.
    async fn signed_up(&self, user: &str, email: &str) -> Key {
        let attribute = AttributeType::builder().name("email").value(email).build().unwrap();
        let password = format!("Aa1!{}", unique("pw"));
        let signed_up = self.cognito.sign_up().client_id(&self.client_id).username(user).password(password);
        signed_up.user_attributes(attribute).send().await.unwrap();
        let key = reservations::key(&self.pool, Kind::Email, &Kind::Email.normalise(email));
        let now = SystemClock.epoch_seconds();
        let store = local_aws().await.unwrap().store(table_name());
        store.put(&reservations::pending_item(&key, user, now, now + 3600), None).await.unwrap();
        key
    }

    async fn exists(&self, user: &str) -> bool {
        self.cognito.admin_get_user().user_pool_id(&self.pool).username(user).send().await.is_ok()
    }

    /// One step as the state machine sends it; the same input each time (a retry of the step).
    async fn step(&self, action: &str, user: &str, email: &str) -> Result<Value, TriggerError> {
        let task = json!({
            "action": action, "userPoolId": self.pool, "userName": user, "email": email,
            "signedUpAt": SystemClock.epoch_seconds(), "remindAfterSeconds": 1, "expireAfterSeconds": 1,
            "execution": { "name": format!("signup-{user}") },
        });
        let started = Instant::now();
        let result = run_within(&self.trigger, BUDGET, task).await;
        assert!(started.elapsed() < BUDGET, "the step took {:?}, past its budget", started.elapsed());
        result
    }

    /// A step under `fault` on `target`: it fails with the error the state machine retries.
    async fn fails(&self, target: &str, fault: Fault, action: &str, user: &str, email: &str) {
        self.proxy.fail_always(target, fault);
        let result = self.step(action, user, email).await;
        self.proxy.clear();
        match result {
            Err(err) => assert_eq!(err.kind(), "DependencyFailure", "retried by the state machine: {err}"),
            Ok(answer) => panic!("{action} under {fault:?} on {target} passed: {answer}"),
        }
    }
}

async fn reservation(key: &Key) -> Option<trigger_core::ports::Item> {
    local_aws().await.unwrap().store(table_name()).get(key).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_remind_step_fails_for_the_retry_which_sends_one_reminder() {
    let rig = rig().await;
    let user = unique("remind");
    let email = format!("{user}@example.com");
    rig.signed_up(&user, &email).await;
    for fault in FAULTS {
        for target in [GET_USER, TABLE, SEND_EMAIL] {
            rig.fails(target, fault, "remind", &user, &email).await;
        }
    }
    assert!(ses_messages_to(&email).unwrap().is_empty(), "nothing sent while a step failed");
    assert_eq!(rig.proxy.count(SEND_EMAIL), (3, 3), "one attempt per send: the SDK never resends");
    assert_eq!(rig.step("remind", &user, &email).await.unwrap()["outcome"], "sent");
    assert_eq!(rig.step("remind", &user, &email).await.unwrap()["outcome"], "already-sent");
    assert_eq!(ses_messages_to(&email).unwrap().len(), 1, "exactly one reminder");
    assert!(rig.exists(&user).await, "remind never deletes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_failing_expire_step_is_finished_by_its_retry_deleting_releasing_and_notifying_once() {
    let rig = rig().await;
    let user = unique("expire");
    let email = format!("{user}@example.com");
    let key = rig.signed_up(&user, &email).await;
    for fault in FAULTS {
        rig.fails(DELETE_USER, fault, "expire", &user, &email).await;
    }
    assert!(rig.exists(&user).await, "not deleted while Cognito failed");
    assert!(reservation(&key).await.is_some(), "nor released");
    // The deletion goes through, then the notice fails: the retry finds the user gone, knows the
    // deletion was its own (the marker), and still releases and sends.
    rig.fails(SEND_EMAIL, Fault::ServerError, "expire", &user, &email).await;
    assert!(!rig.exists(&user).await, "deleted before the notice");
    assert!(ses_messages_to(&email).unwrap().is_empty());
    assert_eq!(rig.step("expire", &user, &email).await.unwrap()["outcome"], "expired");
    assert_eq!(rig.step("expire", &user, &email).await.unwrap()["outcome"], "expired", "a further retry is fine");
    assert!(reservation(&key).await.is_none(), "the address is free");
    let sent = ses_messages_to(&email).unwrap();
    assert_eq!(sent.len(), 1, "exactly one notice: {sent:?}");
    assert!(sent[0].to_string().contains("was removed"), "{:?}", sent[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run with `make test`"]
async fn a_deletion_that_lands_late_is_finished_once() {
    let rig = rig().await;
    let user = unique("late");
    let email = format!("{user}@example.com");
    let key = rig.signed_up(&user, &email).await;
    // Past the attempt timeout: the SDK's retry finds the user already gone (NotFound), as a
    // step's retry would.
    rig.proxy.fail(DELETE_USER, Fault::Delay(Duration::from_millis(1_300)), 1);
    assert_eq!(rig.step("expire", &user, &email).await.unwrap()["outcome"], "expired");
    assert!(rig.proxy.settle(Duration::from_secs(5)), "the late deletion landed");
    assert_eq!(rig.step("expire", &user, &email).await.unwrap()["outcome"], "expired");
    assert!(!rig.exists(&user).await);
    assert!(reservation(&key).await.is_none());
    assert_eq!(ses_messages_to(&email).unwrap().len(), 1, "exactly one notice");
}
