//! The worker against moto: Cognito (users signed up and left UNCONFIRMED, or confirmed),
//! DynamoDB (reservations, once-only records) and SES (sent mail read back). moto cannot run a
//! Lambda task, so the handler is driven directly; the definition is created in moto's Step
//! Functions to prove CreateStateMachine accepts it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client as Cognito;
use aws_sdk_cognitoidentityprovider::types::AttributeType;
use serde_json::{Value, json};
use signup_reminder::{Ports, Settings, SignupReminder};
use trigger_core::aws::Aws;
use trigger_core::ports::{Clock, Store, SystemClock};
use trigger_core::reservations::{self, Kind};
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, ses_messages_to, table_name, unique};
use trigger_core::{Env, TriggerError};

struct Local {
    aws: Aws,
    cognito: Cognito,
    trigger: SignupReminder,
    pool: String,
    client_id: String,
}

async fn local() -> Local {
    let aws = local_aws().await.unwrap();
    let cognito = Cognito::new(aws.sdk_config());
    let pool = cognito.create_user_pool().pool_name(unique("reminder")).send().await.unwrap();
    let pool = pool.user_pool().unwrap().id().unwrap().to_owned();
    let client = cognito.create_user_pool_client().user_pool_id(&pool).client_name("app").send().await.unwrap();
    let client_id = client.user_pool_client().unwrap().client_id().unwrap().to_owned();
    let env = Env::from_pairs([
        ("TABLE_NAME", table_name()),
        ("REMINDER_EMAIL_FROM", "no-reply@example.com".to_owned()),
        ("SIGNUP_URL", "https://example.com/signup".to_owned()),
    ]);
    let settings = Settings::from_env(&env).unwrap();
    let ports = Ports {
        directory: Arc::new(aws.directory()),
        store: Arc::new(aws.store(settings.table_name.clone())),
        mailer: Arc::new(aws.mailer()),
        clock: Arc::new(SystemClock),
        events: trigger_core::domain_events::Events::disabled(),
    };
    let trigger = SignupReminder::new(settings, ports);
    Local { aws, cognito, trigger, pool, client_id }
}

impl Local {
    /// SignUp leaves the user UNCONFIRMED (AdminCreateUser would make it FORCE_CHANGE_PASSWORD).
    async fn sign_up(&self, username: &str, email: &str) {
        self.cognito
            .sign_up()
            .client_id(&self.client_id)
            .username(username)
            .password(format!("Aa1!{}", unique("pw")))
            .user_attributes(AttributeType::builder().name("email").value(email).build().unwrap())
            .send()
            .await
            .unwrap();
        let user = self.cognito.admin_get_user().user_pool_id(&self.pool).username(username).send().await.unwrap();
        assert_eq!(user.user_status().unwrap().as_str(), "UNCONFIRMED");
    }

    async fn exists(&self, username: &str) -> bool {
        self.cognito.admin_get_user().user_pool_id(&self.pool).username(username).send().await.is_ok()
    }

    fn store(&self) -> impl Store {
        self.aws.store(table_name())
    }

    /// The pending row pre sign-up writes.
    async fn reserve(&self, email: &str, owner: &str) -> trigger_core::ports::Key {
        let key = reservations::key(&self.pool, Kind::Email, &Kind::Email.normalise(email));
        let now = SystemClock.epoch_seconds();
        self.store().put(&reservations::pending_item(&key, owner, now, now + 3600), None).await.unwrap();
        key
    }

    /// One step as the state machine sends it. The execution name is fixed per user: repeated
    /// calls in a test are retries of one sign-up, not new sign-ups.
    async fn run(&self, action: &str, username: &str, email: &str) -> Result<Value, TriggerError> {
        let task = json!({
            "action": action, "userPoolId": self.pool, "userName": username, "email": email,
            "signedUpAt": SystemClock.epoch_seconds(), "remindAfterSeconds": 1, "expireAfterSeconds": 1, "execution": { "name": format!("signup-{username}") },
        });
        run_within(&self.trigger, Duration::from_secs(10), task).await
    }
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn remind_sends_exactly_one_email_to_an_unconfirmed_user() {
    let local = local().await;
    let user = unique("una");
    let email = format!("{user}@example.com");
    local.sign_up(&user, &email).await;
    assert_eq!(local.run("remind", &user, &email).await.unwrap()["outcome"], "sent");
    assert_eq!(local.run("remind", &user, &email).await.unwrap()["outcome"], "already-sent");
    let sent = ses_messages_to(&email).unwrap();
    assert_eq!(sent.len(), 1, "exactly one reminder to {email}: {sent:?}");
    assert!(sent[0].to_string().contains("Please confirm your sign-up"), "{:?}", sent[0]);
    assert!(local.exists(&user).await, "remind never deletes");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn expire_deletes_an_unconfirmed_user_frees_the_address_and_notifies_once() {
    let local = local().await;
    let user = unique("exp");
    let email = format!("{user}@Example.com");
    local.sign_up(&user, &email).await;
    let key = local.reserve(&email, &user).await;
    assert_eq!(local.run("expire", &user, &email).await.unwrap()["outcome"], "expired");
    assert!(!local.exists(&user).await, "the unconfirmed user is deleted");
    assert_eq!(local.store().get(&key).await.unwrap(), None, "the reservation row is gone");
    assert_eq!(local.run("expire", &user, &email).await.unwrap()["outcome"], "expired", "a retry is fine");
    let sent = ses_messages_to(&email).unwrap();
    assert_eq!(sent.len(), 1, "one notice: {sent:?}");
    assert!(sent[0].to_string().contains("was removed"), "{:?}", sent[0]);
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_confirmed_user_is_neither_reminded_nor_expired() {
    let local = local().await;
    let user = unique("conf");
    let email = format!("{user}@example.com");
    local.sign_up(&user, &email).await;
    local.cognito.admin_confirm_sign_up().user_pool_id(&local.pool).username(&user).send().await.unwrap();
    let key = local.reserve(&email, &user).await;
    assert_eq!(local.run("remind", &user, &email).await.unwrap()["outcome"], "skipped-confirmed");
    assert_eq!(local.run("expire", &user, &email).await.unwrap()["outcome"], "skipped-confirmed");
    assert!(local.exists(&user).await);
    assert!(local.store().get(&key).await.unwrap().is_some(), "the reservation is kept");
    assert!(ses_messages_to(&email).unwrap().is_empty(), "no e-mail");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_missing_user_gets_its_pending_reservation_released_and_no_mail() {
    let local = local().await;
    let user = unique("gone");
    let email = format!("{user}@example.com");
    let key = local.reserve(&email, &user).await;
    assert_eq!(local.run("remind", &user, &email).await.unwrap()["outcome"], "skipped-gone");
    assert_eq!(local.run("expire", &user, &email).await.unwrap()["outcome"], "skipped-gone");
    assert_eq!(local.store().get(&key).await.unwrap(), None);
    assert!(ses_messages_to(&email).unwrap().is_empty());
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn the_definition_is_accepted_by_create_state_machine() {
    let aws = local_aws().await.unwrap();
    let sfn = aws_sdk_sfn::Client::new(aws.sdk_config());
    let text = std::fs::read_to_string(format!("{}/state-machine.asl.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(text.contains("${SignupReminderFunctionArn}"));
    // What CDK's DefinitionSubstitutions does at deploy time.
    let definition =
        text.replace("${SignupReminderFunctionArn}", "arn:aws:lambda:us-east-1:123456789012:function:signup-reminder");
    let created = sfn
        .create_state_machine()
        .name(unique("signup-reminder"))
        .definition(&definition)
        .role_arn("arn:aws:iam::123456789012:role/local-stepfunctions")
        .send()
        .await
        .unwrap();
    let described = sfn.describe_state_machine().state_machine_arn(created.state_machine_arn()).send().await.unwrap();
    let stored: Value = serde_json::from_str(described.definition()).unwrap();
    assert_eq!(stored, serde_json::from_str::<Value>(&definition).unwrap());
}
