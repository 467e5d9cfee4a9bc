//! The trigger against the local stack (moto): legacy table rows in every hash format, an old user
//! pool signed in with ADMIN_USER_PASSWORD_AUTH, the lockout record in the project's table.
//! Run with the stack up: `AWS_ENDPOINT_URL=http://127.0.0.1:4566 … cargo test -p user-migration
//! -- --include-ignored` (`make test` does).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod vectors;

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::aws::Aws;
use trigger_core::ports::{LegacyUsers, OldUserPool, Store, SystemClock};
use trigger_core::runtime::run_within;
use trigger_core::testing::{confirmed_user, local_aws, table_name, unique};
use trigger_core::{TriggerError, lockout};
use user_migration::{Ports, Settings, UserMigration, message};

const PASSWORD: &str = "Legacy-Passw0rd!";

fn event(source: &str, pool: &str, user: &str, password: Option<&str>) -> Value {
    let mut request = json!({ "validationData": null, "clientMetadata": null });
    if let Some(password) = password {
        request["password"] = json!(password);
    }
    json!({
        "version": "1", "triggerSource": source, "region": "us-east-1", "userPoolId": pool, "userName": user,
        "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "new-client" },
        "request": request,
        "response": { "userAttributes": null, "finalUserStatus": null, "messageAction": null,
                      "desiredDeliveryMediums": null, "forceAliasCreation": null, "enableSMSMFA": null }
    })
}

async fn invoke(trigger: &UserMigration, event: Value) -> Result<Value, TriggerError> {
    run_within(trigger, Duration::from_secs(20), event).await
}

fn denial(result: Result<Value, TriggerError>) -> String {
    match result {
        Err(TriggerError::Denied(text)) => text.as_str().to_owned(),
        other => panic!("not denied: {other:?}"),
    }
}

async fn legacy_table(aws: &Aws) -> String {
    let name = unique("legacy-users");
    let client = aws_sdk_dynamodb::Client::new(aws.sdk_config());
    client
        .create_table()
        .table_name(&name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("username")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("username").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    name
}

async fn put_row(aws: &Aws, table: &str, username: &str, hash: &str, email: &str) {
    let attributes = AttributeValue::M(
        [
            ("email".to_owned(), AttributeValue::S(email.to_owned())),
            ("email_verified".to_owned(), AttributeValue::Bool(true)),
            ("custom:plan".to_owned(), AttributeValue::S("gold".to_owned())),
            ("sub".to_owned(), AttributeValue::S("legacy-sub".to_owned())),
        ]
        .into(),
    );
    aws_sdk_dynamodb::Client::new(aws.sdk_config())
        .put_item()
        .table_name(table)
        .item("username", AttributeValue::S(username.to_owned()))
        .item("passwordHash", AttributeValue::S(hash.to_owned()))
        .item("attributes", attributes)
        .send()
        .await
        .unwrap();
}

fn trigger(
    aws: &Aws,
    pairs: Vec<(&str, String)>,
    legacy: Option<Arc<dyn LegacyUsers>>,
    old: Option<Arc<dyn OldUserPool>>,
) -> UserMigration {
    let mut env = vec![("TABLE_NAME", table_name())];
    env.extend(pairs);
    let settings = Settings::from_env(&Env::from_pairs(env)).unwrap();
    let ports = Ports {
        store: Arc::new(aws.store(table_name())),
        legacy_users: legacy,
        old_pool: old,
        clock: Arc::new(SystemClock),
        events: trigger_core::domain_events::Events::disabled(),
    };
    UserMigration::new(settings, ports)
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn legacy_rows_in_every_format_migrate_and_wrong_passwords_are_refused() {
    let aws = local_aws().await.unwrap();
    let table = legacy_table(&aws).await;
    let legacy: Arc<dyn LegacyUsers> = Arc::new(aws.legacy_users(table.clone()));
    let pool = unique("us-east-1_legacy");
    let trigger = trigger(
        &aws,
        vec![("LEGACY_USERS_TABLE", table.clone()), ("MIGRATION_LOCKOUT", "check".into())],
        Some(legacy),
        None,
    );
    let mut seen = std::collections::BTreeSet::new();
    // One vector per format and dialect keeps the run short.
    for (format, password, hash) in vectors::all() {
        let dialect = hash.split('$').take(3).collect::<Vec<_>>().join("$");
        if !seen.insert((format.clone(), dialect.chars().take(18).collect::<String>())) {
            continue;
        }
        let user = unique(&format).to_lowercase();
        let email = format!("{user}@example.com");
        put_row(&aws, &table, &user, &hash, &email).await;
        let answer =
            invoke(&trigger, event("UserMigration_Authentication", &pool, &user.to_uppercase(), Some(&password)))
                .await
                .unwrap();
        let attributes = &answer["response"]["userAttributes"];
        assert_eq!(attributes, &json!({ "email": email, "email_verified": "true", "custom:plan": "gold" }), "{format}");
        let wrong =
            invoke(&trigger, event("UserMigration_Authentication", &pool, &user, Some("Wrong-Passw0rd!"))).await;
        assert_eq!(denial(wrong), message::INCORRECT, "{format}");
    }
    assert!(seen.len() >= 8, "{seen:?}");
    let unknown = invoke(&trigger, event("UserMigration_Authentication", &pool, "nobody-here", Some(PASSWORD))).await;
    assert_eq!(denial(unknown), message::INCORRECT);
    // Forgot-password needs no hash: a row is enough, moved in for a reset.
    let user = unique("forgot").to_lowercase();
    put_row(&aws, &table, &user, "", &format!("{user}@example.com")).await;
    let forgot = invoke(&trigger, event("UserMigration_ForgotPassword", &pool, &user, None)).await.unwrap();
    assert_eq!(forgot["response"]["finalUserStatus"], "RESET_REQUIRED");
    assert_eq!(forgot["response"]["userAttributes"]["email_verified"], "true");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn the_sixth_failure_in_a_row_for_one_name_locks_it() {
    let aws = local_aws().await.unwrap();
    let table = legacy_table(&aws).await;
    let legacy: Arc<dyn LegacyUsers> = Arc::new(aws.legacy_users(table.clone()));
    let user = unique("locked").to_lowercase();
    put_row(&aws, &table, &user, "$2b$04$MGR6MGUYIclOdPS1TAP3uOcGc44qgbKswqSPnQCzvnwlrawjbs4TK", "l@example.com").await;
    let pool = unique("us-east-1_lock");
    let trigger = trigger(&aws, vec![("LEGACY_USERS_TABLE", table)], Some(legacy), None);
    for n in 1..=5 {
        let result = invoke(&trigger, event("UserMigration_Authentication", &pool, &user, Some("nope"))).await;
        assert_eq!(denial(result), message::INCORRECT, "failure {n}");
    }
    let sixth = invoke(&trigger, event("UserMigration_Authentication", &pool, &user, Some("nope"))).await;
    assert_eq!(denial(sixth), "Too many sign-in attempts. Try again in 5 minutes");
    let right = invoke(&trigger, event("UserMigration_Authentication", &pool, &user, Some(PASSWORD))).await;
    assert_eq!(denial(right), "Too many sign-in attempts. Try again in 5 minutes");
    let store = aws.store(table_name());
    let record = store.get(&lockout::key(&pool, &user)).await.unwrap().unwrap();
    assert!(lockout::LockoutState::from_item(&record).locked_until > 0);
}

/// An old pool in moto: a pool, an app client that allows ADMIN_USER_PASSWORD_AUTH, and a user
/// with a permanent password.
async fn old_pool(aws: &Aws) -> (String, String, String) {
    let client = aws_sdk_cognitoidentityprovider::Client::new(aws.sdk_config());
    let pool = client.create_user_pool().pool_name(unique("old-pool")).send().await.unwrap();
    let pool_id = pool.user_pool().unwrap().id().unwrap().to_owned();
    let app = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("migration")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap();
    let client_id = app.user_pool_client().unwrap().client_id().unwrap().to_owned();
    let username = unique("olduser");
    let email = format!("{username}@example.com");
    let attributes = [("email", email.as_str()), ("email_verified", "true"), ("given_name", "Olga")];
    confirmed_user(aws, &pool_id, &username, &attributes, PASSWORD).await.unwrap();
    (pool_id, client_id, username)
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_user_of_an_old_pool_moves_in_with_its_attributes() {
    let aws = local_aws().await.unwrap();
    let (old_pool_id, client_id, username) = old_pool(&aws).await;
    let region = old_pool_id.split('_').next().unwrap().to_owned();
    let old: Arc<dyn OldUserPool> = Arc::new(aws.old_pool(&old_pool_id, &client_id, &region));
    let pairs = vec![
        ("OLD_USER_POOL_ID", old_pool_id.clone()),
        ("OLD_CLIENT_ID", client_id.clone()),
        ("MIGRATION_LOCKOUT", "check".into()),
    ];
    let trigger = trigger(&aws, pairs, None, Some(old));
    let pool = unique("us-east-1_new");
    let answer =
        invoke(&trigger, event("UserMigration_Authentication", &pool, &username, Some(PASSWORD))).await.unwrap();
    let response = &answer["response"];
    assert_eq!(response["userAttributes"]["email"], format!("{username}@example.com"));
    assert_eq!(response["userAttributes"]["email_verified"], "true");
    assert_eq!(response["userAttributes"]["given_name"], "Olga");
    assert!(response["userAttributes"].get("sub").is_none(), "the old pool's sub stays behind");
    assert_eq!(response["finalUserStatus"], "CONFIRMED");
    let wrong =
        invoke(&trigger, event("UserMigration_Authentication", &pool, &username, Some("Wrong-Passw0rd!"))).await;
    assert_eq!(denial(wrong), message::INCORRECT);
    let unknown = invoke(&trigger, event("UserMigration_Authentication", &pool, "nobody-old", Some(PASSWORD))).await;
    assert_eq!(denial(unknown), message::INCORRECT);
    let forgot = invoke(&trigger, event("UserMigration_ForgotPassword", &pool, &username, None)).await.unwrap();
    assert_eq!(forgot["response"]["finalUserStatus"], "RESET_REQUIRED");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn the_fakes_answer_as_the_adapters_do() {
    use trigger_core::fakes::{FakeOldPool, InMemoryLegacyUsers, OldPoolUser};
    use trigger_core::logging::Secret;
    use trigger_core::ports::{LegacyUser, OldPoolSignIn};

    let aws = local_aws().await.unwrap();
    let table = legacy_table(&aws).await;
    put_row(&aws, &table, "same", "$2b$04$MGR6MGUYIclOdPS1TAP3uOcGc44qgbKswqSPnQCzvnwlrawjbs4TK", "s@example.com")
        .await;
    let dynamo = aws.legacy_users(table);
    let real = dynamo.get("same").await.unwrap().unwrap();
    let fake = InMemoryLegacyUsers::with_rows(vec![real.clone()]);
    for name in ["same", "missing"] {
        assert_eq!(dynamo.get(name).await.unwrap(), fake.get(name).await.unwrap(), "{name}");
    }
    assert_eq!(real.attributes.get("email_verified").map(String::as_str), Some("true"), "booleans read as text");
    assert!(matches!(real, LegacyUser { password_hash: Some(_), .. }));

    let (pool_id, client_id, username) = old_pool(&aws).await;
    let cognito = aws.old_pool(&pool_id, &client_id, "us-east-1");
    let user = cognito.get_user(&username).await.unwrap().unwrap();
    let fake = FakeOldPool::with_users(vec![OldPoolUser { user, password: PASSWORD.to_owned(), challenge: None }]);
    for (name, password, expected) in [
        (username.as_str(), PASSWORD, OldPoolSignIn::Authenticated),
        (username.as_str(), "Wrong-Passw0rd!", OldPoolSignIn::Refused),
        ("nobody-at-all", PASSWORD, OldPoolSignIn::Refused),
    ] {
        let secret = Secret::new(password.to_owned());
        assert_eq!(cognito.sign_in(name, &secret).await.unwrap(), expected, "{name}");
        assert_eq!(fake.sign_in(name, &secret).await.unwrap(), expected, "{name}");
        assert_eq!(cognito.get_user(name).await.unwrap().is_some(), fake.get_user(name).await.unwrap().is_some());
    }
}
