//! What the trigger's moto tests share: events as Cognito sends them, a legacy table with rows,
//! an old user pool with a user, and the trigger wired to the adapters given.
#![allow(dead_code)] // each test file uses a part of it
#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::aws::Aws;
use trigger_core::ports::{LegacyUsers, OldUserPool, SystemClock};
use trigger_core::testing::{confirmed_user, table_name, unique};
use user_migration::{Ports, Settings, UserMigration};

/// The password of the users these tests create (and of the bcrypt rows they write).
pub const PASSWORD: &str = "Legacy-Passw0rd!";
/// bcrypt, cost 4, of [`PASSWORD`] (Python's bcrypt).
pub const BCRYPT_OF_PASSWORD: &str = "$2b$04$MGR6MGUYIclOdPS1TAP3uOcGc44qgbKswqSPnQCzvnwlrawjbs4TK";

pub fn event(source: &str, pool: &str, user: &str, password: Option<&str>) -> Value {
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

pub async fn legacy_table(aws: &Aws) -> String {
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

pub async fn put_row(aws: &Aws, table: &str, username: &str, hash: &str, email: &str) {
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

pub fn trigger(
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
        directory: Arc::new(aws.directory()),
        legacy_users: legacy,
        old_pool: old,
        clock: Arc::new(SystemClock),
        events: trigger_core::domain_events::Events::disabled(),
    };
    UserMigration::new(settings, ports)
}

/// An old pool in moto: a pool, an app client that allows ADMIN_USER_PASSWORD_AUTH, and a user
/// with a permanent password.
pub async fn old_pool(aws: &Aws) -> (String, String, String) {
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
