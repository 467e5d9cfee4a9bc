//! pre-signup against the local stack: DynamoDB, Cognito admin APIs and Step Functions in moto;
//! the AdminLinkProviderForUser call, which no stand-in implements, through a replay endpoint.
//! Run by `make test` (these tests are ignored by a plain `cargo test`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
use aws_sdk_cognitoidentityprovider::types::AttributeType;
use pre_signup::federated::native_user_name;
use pre_signup::legacy::OldPoolUsers;
use pre_signup::{EMAIL_TAKEN, LegacyStores, Ports, PreSignUp, Settings, USERNAME_TAKEN};
use serde_json::{Value, json};
use trigger_core::aws::{Aws, CognitoDirectory};
use trigger_core::logging::Secret;
use trigger_core::ports::{
    Clock, CreateOutcome, DeleteOutcome, DirectoryUser, Item, LegacyUsers, LinkOutcome, PortError, ProviderUser,
    SearchableAttribute, Store, SystemClock, UserDirectory, UserStatus,
};
use trigger_core::reservations::{self, Kind};
use trigger_core::runtime::run_within;
use trigger_core::testing::{ReplayEndpoint, confirmed_user, local_aws, table_name, unique};
use trigger_core::{Env, TriggerError};

fn settings(extra: &[(&str, &str)]) -> Settings {
    let table = table_name();
    let mut pairs = vec![("TABLE_NAME", table.as_str())];
    pairs.extend_from_slice(extra);
    Settings::from_env(&Env::from_pairs(pairs)).unwrap()
}

fn ports(aws: &Aws, directory: Arc<dyn UserDirectory>) -> Ports {
    Ports {
        store: Some(Arc::new(aws.store(table_name()))),
        directory,
        scheduler: Arc::new(aws.scheduler()),
        clock: Arc::new(SystemClock),
        events: trigger_core::domain_events::Events::disabled(),
    }
}

async fn moto_pool(aws: &Aws) -> (CognitoClient, String) {
    let client = CognitoClient::new(aws.sdk_config());
    let pool = client.create_user_pool().pool_name(unique("pre-signup")).send().await.unwrap();
    (client, pool.user_pool().unwrap().id().unwrap().to_owned())
}

fn sign_up(pool: &str, username: &str, email: &str) -> Value {
    json!({
        "version": "1", "triggerSource": "PreSignUp_SignUp", "region": "us-east-1", "userPoolId": pool,
        "userName": username, "callerContext": { "clientId": "local" },
        "request": { "userAttributes": { "email": email } }, "response": {}
    })
}

async fn decide(trigger: &PreSignUp, event: Value) -> Result<Value, TriggerError> {
    run_within(trigger, Duration::from_secs(30), event).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the local stack: run with `make test`"]
async fn two_hundred_concurrent_sign_ups_for_one_address_let_exactly_one_through() {
    let aws = local_aws().await.unwrap();
    let (_, pool) = moto_pool(&aws).await;
    let trigger = Arc::new(PreSignUp::new(settings(&[]), ports(&aws, Arc::new(aws.directory()))));
    let address = format!("{}@example.com", unique("race"));
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let trigger = trigger.clone();
            // The same address in other letter cases must count as the same address.
            let email = if i % 2 == 0 { address.to_uppercase() } else { address.clone() };
            let event = sign_up(&pool, &format!("racer-{i}"), &email);
            tokio::spawn(async move { decide(&trigger, event).await })
        })
        .collect();
    let mut allowed = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(_) => allowed.push(i),
            Err(err) => assert_eq!(err.user_message(), EMAIL_TAKEN, "racer-{i}: {err}"),
        }
    }
    assert_eq!(allowed.len(), 1, "exactly one of 200 sign-ups may hold the address, got {allowed:?}");
    let winner = format!("racer-{}", allowed[0]);
    for _ in 0..3 {
        decide(&trigger, sign_up(&pool, &winner, &address)).await.expect("the winner's retries pass");
    }
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_user_from_before_the_trigger_is_found_through_list_users() {
    let aws = local_aws().await.unwrap();
    let (_, pool) = moto_pool(&aws).await;
    let address = format!("{}@example.com", unique("legacy"));
    native_user(&aws, &pool, "legacy-user", &address, true).await;
    // One who never proved the address holds nothing: an address is trusted only when proved.
    let typed = format!("{}@example.com", unique("typed"));
    native_user(&aws, &pool, "typed-user", &typed, false).await;
    let trigger = PreSignUp::new(settings(&[]), ports(&aws, Arc::new(aws.directory())));
    decide(&trigger, sign_up(&pool, "newcomer", &typed)).await.expect("an unverified address does not block");
    let err = decide(&trigger, sign_up(&pool, "newcomer", &address)).await.unwrap_err();
    assert_eq!(err.user_message(), EMAIL_TAKEN);
    let row = aws.store(table_name()).get(&reservations::key(&pool, Kind::Email, &address)).await.unwrap().unwrap();
    assert_eq!(row.str(reservations::OWNER), Some("legacy-user"), "the row now names the user who has the address");
    assert_eq!(row.str(reservations::STATUS), Some(reservations::CONFIRMED));
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn an_expired_unconfirmed_reservation_is_taken_over_and_its_user_removed() {
    let aws = local_aws().await.unwrap();
    let (client, pool) = moto_pool(&aws).await;
    let app = client.create_user_pool_client().user_pool_id(&pool).client_name("t").send().await.unwrap();
    let client_id = app.user_pool_client().unwrap().client_id().unwrap().to_owned();
    let address = format!("{}@example.com", unique("stale"));
    client
        .sign_up()
        .client_id(&client_id)
        .username("stale-user")
        .password("Aa1!stale-password")
        .user_attributes(AttributeType::builder().name("email").value(&address).build().unwrap())
        .send()
        .await
        .unwrap();
    let store = aws.store(table_name());
    let now = SystemClock.epoch_seconds();
    let key = reservations::key(&pool, Kind::Email, &address);
    let stale: Item = reservations::pending_item(&key, "stale-user", now - 10 * 86_400, now - 86_400);
    store.put(&stale, None).await.unwrap();

    let trigger = PreSignUp::new(settings(&[]), ports(&aws, Arc::new(aws.directory())));
    decide(&trigger, sign_up(&pool, "fresh-user", &address)).await.expect("the dead sign-up's address is free again");
    assert_eq!(store.get(&key).await.unwrap().unwrap().str(reservations::OWNER), Some("fresh-user"));
    assert!(aws.directory().get_user(&pool, "stale-user").await.unwrap().is_none(), "the stale user is removed");

    // The fresh reservation is the new user's now: the next sign-up for the address is refused.
    let err = decide(&trigger, sign_up(&pool, "third", &address)).await.unwrap_err();
    assert_eq!(err.user_message(), EMAIL_TAKEN);
}

/// moto for every directory call but the link, which goes to a replay of Cognito's answer.
struct LinkReplayed {
    moto: CognitoDirectory,
    replay: CognitoDirectory,
}

#[async_trait]
impl UserDirectory for LinkReplayed {
    async fn find_by_attribute(
        &self,
        pool: &str,
        attribute: SearchableAttribute,
        value: &str,
    ) -> Result<Vec<DirectoryUser>, PortError> {
        self.moto.find_by_attribute(pool, attribute, value).await
    }
    async fn get_user(&self, pool: &str, username: &str) -> Result<Option<DirectoryUser>, PortError> {
        self.moto.get_user(pool, username).await
    }
    async fn delete_user(&self, pool: &str, username: &str) -> Result<DeleteOutcome, PortError> {
        self.moto.delete_user(pool, username).await
    }
    async fn create_user(
        &self,
        pool: &str,
        username: &str,
        attributes: &[(String, String)],
        password: &Secret<String>,
    ) -> Result<CreateOutcome, PortError> {
        self.moto.create_user(pool, username, attributes, password).await
    }
    async fn link_provider(
        &self,
        pool: &str,
        destination: &str,
        source: &ProviderUser,
    ) -> Result<LinkOutcome, PortError> {
        self.replay.link_provider(pool, destination, source).await
    }
    async fn update_attributes(
        &self,
        pool: &str,
        username: &str,
        attributes: &[(String, String)],
    ) -> Result<(), PortError> {
        self.moto.update_attributes(pool, username, attributes).await
    }
    async fn add_to_group(&self, pool: &str, username: &str, group: &str) -> Result<(), PortError> {
        self.moto.add_to_group(pool, username, group).await
    }
}

fn federated(pool: &str, email: &str) -> Value {
    json!({
        "version": "1", "triggerSource": "PreSignUp_ExternalProvider", "region": "us-east-1", "userPoolId": pool,
        "userName": "google_10897734", "callerContext": { "clientId": "local" },
        "request": { "userAttributes": { "email": email, "email_verified": "true", "name": "Fed Erated" } }, "response": {}
    })
}

const LINKING: &[(&str, &str)] = &[("LINK_FEDERATED_USERS", "true"), ("LINK_TRUSTED_PROVIDERS", "Google")];

/// A native user, CONFIRMED (permanent password), with `email_verified` as given.
async fn native_user(aws: &Aws, pool: &str, username: &str, email: &str, verified: bool) {
    let attributes = [("email", email), ("email_verified", if verified { "true" } else { "false" })];
    confirmed_user(aws, pool, username, &attributes, &format!("Aa1!{}", unique("pw"))).await.unwrap();
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn federated_sign_ups_link_to_an_existing_or_a_new_native_user() {
    let aws = local_aws().await.unwrap();
    let (_, pool) = moto_pool(&aws).await;
    let existing = format!("{}@example.com", unique("native"));
    native_user(&aws, &pool, "native-user", &existing, true).await;
    // A native user that never proved its address: linking into it would be a takeover.
    let unproved = format!("{}@example.com", unique("unproved"));
    native_user(&aws, &pool, "unproved-user", &unproved, false).await;
    let endpoint = ReplayEndpoint::start(vec![(200, json!({}))]).unwrap();
    let directory = Arc::new(LinkReplayed { moto: aws.directory(), replay: endpoint.directory() });
    let trigger = PreSignUp::new(settings(LINKING), ports(&aws, directory));
    decide(&trigger, federated(&pool, &unproved)).await.unwrap();
    assert!(endpoint.recorded().is_empty(), "no AdminLinkProviderForUser into an unverified account");
    let found = aws.directory().find_by_attribute(&pool, SearchableAttribute::Email, &unproved).await.unwrap();
    assert_eq!(found.len(), 1, "and no second native user");

    for (email, expected_destination) in
        [(existing.clone(), "native-user".to_owned()), (format!("{}@example.com", unique("newfed")), String::new())]
    {
        let endpoint = ReplayEndpoint::start(vec![(200, json!({}))]).unwrap();
        let directory = Arc::new(LinkReplayed { moto: aws.directory(), replay: endpoint.directory() });
        let trigger = PreSignUp::new(settings(LINKING), ports(&aws, directory));
        decide(&trigger, federated(&pool, &email)).await.unwrap();
        let [link] = endpoint.recorded().try_into().unwrap();
        assert_eq!(link.target, "AWSCognitoIdentityProviderService.AdminLinkProviderForUser");
        assert_eq!(
            link.body["SourceUser"],
            json!({ "ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "10897734" })
        );
        let destination = link.body["DestinationUser"]["ProviderAttributeValue"].as_str().unwrap().to_owned();
        if expected_destination.is_empty() {
            // Created in the local pool: confirmed, e-mail verified, found by its address.
            let created = aws.directory().find_by_attribute(&pool, SearchableAttribute::Email, &email).await.unwrap();
            assert_eq!(created.len(), 1);
            assert_eq!(created[0].username, destination);
            assert_eq!(created[0].attribute("email_verified"), Some("true"));
            assert_eq!(created[0].status, trigger_core::ports::UserStatus::Confirmed);
        } else {
            assert_eq!(destination, expected_destination);
        }
    }
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn the_reminder_starts_once_per_sign_up_however_often_the_trigger_runs() {
    let aws = local_aws().await.unwrap();
    let (_, pool) = moto_pool(&aws).await;
    let sfn = aws_sdk_sfn::Client::new(aws.sdk_config());
    let definition = json!({ "StartAt": "Done", "States": { "Done": { "Type": "Pass", "End": true } } });
    let machine = sfn
        .create_state_machine()
        .name(unique("reminder"))
        .definition(definition.to_string())
        .role_arn("arn:aws:iam::123456789012:role/local")
        .send()
        .await
        .unwrap();
    let arn = machine.state_machine_arn().to_owned();
    let trigger =
        PreSignUp::new(settings(&[("REMINDER_STATE_MACHINE_ARN", &arn)]), ports(&aws, Arc::new(aws.directory())));
    let email = format!("{}@example.com", unique("remind"));
    for _ in 0..3 {
        decide(&trigger, sign_up(&pool, "remind-me", &email)).await.unwrap();
    }
    let executions = sfn.list_executions().state_machine_arn(&arn).send().await.unwrap();
    assert_eq!(executions.executions().len(), 1);
    let described =
        sfn.describe_execution().execution_arn(executions.executions()[0].execution_arn()).send().await.unwrap();
    let input: Value = serde_json::from_str(described.input().unwrap()).unwrap();
    assert_eq!(input["userName"], "remind-me");
    assert_eq!(input["email"], email.as_str());
    assert_eq!(input["userPoolId"], pool.as_str());
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_confirmed_reservation_of_a_departed_or_moved_holder_is_taken_over() {
    let aws = local_aws().await.unwrap();
    let (_, pool) = moto_pool(&aws).await;
    let store = aws.store(table_name());
    let now = SystemClock.epoch_seconds();
    let trigger = PreSignUp::new(settings(&[]), ports(&aws, Arc::new(aws.directory())));

    // Orphaned: the holder was deleted from the pool, its CONFIRMED row stayed.
    let orphaned = format!("{}@example.com", unique("orphaned"));
    let key = reservations::key(&pool, Kind::Email, &orphaned);
    store.put(&reservations::confirmed_item(&key, "deleted-user", now - 3_600), None).await.unwrap();
    decide(&trigger, sign_up(&pool, "successor", &orphaned)).await.expect("a departed holder blocks nobody");
    let row = store.get(&key).await.unwrap().unwrap();
    assert_eq!(row.str(reservations::OWNER), Some("successor"));
    assert_eq!(row.str(reservations::STATUS), Some(reservations::PENDING));

    // Moved: the holder changed its address; the old one is free, the new one is not.
    let old = format!("{}@example.com", unique("old"));
    let new = format!("{}@example.com", unique("new"));
    native_user(&aws, &pool, "mover", &new, true).await;
    let old_key = reservations::key(&pool, Kind::Email, &old);
    store.put(&reservations::confirmed_item(&old_key, "mover", now - 3_600), None).await.unwrap();
    let new_key = reservations::key(&pool, Kind::Email, &new);
    store.put(&reservations::confirmed_item(&new_key, "mover", now - 60), None).await.unwrap();
    decide(&trigger, sign_up(&pool, "taker", &old)).await.expect("the old address is free");
    let err = decide(&trigger, sign_up(&pool, "taker", &new)).await.unwrap_err();
    assert_eq!(err.user_message(), EMAIL_TAKEN, "the holder's current, verified address stays theirs");
}

// Issue 22's attacks on the AWS adapters. cognito-local never sends `PreSignUp_ExternalProvider`,
// so the linking attacks run the handler here: DynamoDB and the Cognito admin APIs in moto, the
// AdminLinkProviderForUser call through the replay endpoint. tests/e2e/attacks_sign_up.rs walks
// the squatting attack through the local user pool itself.

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn attack_domain_auto_verified_account_never_receives_the_owners_federated_identity() {
    let aws = local_aws().await.unwrap();
    let (_, pool) = moto_pool(&aws).await;
    let domain = format!("{}.corp.example", unique("d"));
    let settings = settings(&[
        ("LINK_FEDERATED_USERS", "true"),
        ("LINK_TRUSTED_PROVIDERS", "Google"),
        ("AUTO_CONFIRM_EMAIL_DOMAINS", &domain),
    ]);
    let endpoint = ReplayEndpoint::start(vec![(200, json!({}))]).unwrap();
    let directory = Arc::new(LinkReplayed { moto: aws.directory(), replay: endpoint.directory() });
    let trigger = PreSignUp::new(settings, ports(&aws, directory));
    let ceo = format!("ceo@{domain}");

    // The attacker signs up with the CEO's address; the domain rule confirms and verifies it.
    let answer = decide(&trigger, sign_up(&pool, "attacker", &ceo)).await.unwrap();
    assert_eq!(answer["response"]["autoVerifyEmail"], true);
    let row = aws.store(table_name()).get(&reservations::key(&pool, Kind::Email, &ceo)).await.unwrap().unwrap();
    assert!(reservations::is_verified_by_rule(&row, "attacker"), "the reservation records how it was verified");
    // What Cognito then creates: CONFIRMED, email_verified = true, the attacker's password.
    native_user(&aws, &pool, "attacker", &ceo, true).await;

    // The CEO's first sign-in through Google.
    let mut event = federated(&pool, &ceo);
    event["userName"] = json!("google_ceo4242");
    decide(&trigger, event).await.expect("the federated user is created on its own");
    assert!(endpoint.recorded().is_empty(), "no AdminLinkProviderForUser into the attacker's account");
    let holders = aws.directory().find_by_attribute(&pool, SearchableAttribute::Email, &ceo).await.unwrap();
    assert_eq!(holders.len(), 1, "and no second native user");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn attack_user_name_squatted_with_the_victims_address_never_receives_the_victims_identity() {
    let aws = local_aws().await.unwrap();
    let (_, pool) = moto_pool(&aws).await;
    let victim = format!("{}@gmail.com", unique("victim"));
    // A pool with free-form user names: the attacker registered the victim's address as a user
    // name, with an address of their own, proved.
    let own = format!("{}@evil.example", unique("attacker"));
    native_user(&aws, &pool, &victim, &own, true).await;
    let endpoint = ReplayEndpoint::start(vec![(200, json!({}))]).unwrap();
    let directory = Arc::new(LinkReplayed { moto: aws.directory(), replay: endpoint.directory() });
    let trigger = PreSignUp::new(settings(LINKING), ports(&aws, directory));
    decide(&trigger, federated(&pool, &victim)).await.unwrap();

    let [link] = endpoint.recorded().try_into().unwrap();
    let destination = link.body["DestinationUser"]["ProviderAttributeValue"].as_str().unwrap().to_owned();
    let identity = ProviderUser { provider_name: "Google".into(), provider_user_id: "10897734".into() };
    assert_eq!(destination, native_user_name(&pool, &identity), "a user of its own, not the squatter");
    let created = aws.directory().get_user(&pool, &destination).await.unwrap().unwrap();
    assert_eq!(created.status, UserStatus::Confirmed);
    assert_eq!(created.attribute("email"), Some(victim.as_str()));
    assert_eq!(created.attribute("email_verified"), Some("true"));
    let squatter = aws.directory().get_user(&pool, &victim).await.unwrap().unwrap();
    assert_eq!(squatter.attribute("email"), Some(own.as_str()), "the squatter's account is untouched");
}

/// A legacy table in moto with an index on a top-level `email` (what `LEGACY_USERS_EMAIL_INDEX`
/// names), and one row keyed by user name.
async fn legacy_table_with_email_index(aws: &Aws, key: &str, email: &str) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
        ProjectionType, ScalarAttributeType,
    };
    let client = aws_sdk_dynamodb::Client::new(aws.sdk_config());
    let table = unique("legacy-users");
    let attribute = |name: &str| {
        AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().unwrap()
    };
    let hash = |name: &str| KeySchemaElement::builder().attribute_name(name).key_type(KeyType::Hash).build().unwrap();
    client
        .create_table()
        .table_name(&table)
        .attribute_definitions(attribute("username"))
        .attribute_definitions(attribute("email"))
        .key_schema(hash("username"))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by-email")
                .key_schema(hash("email"))
                .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    client
        .put_item()
        .table_name(&table)
        .item("username", AttributeValue::S(key.to_owned()))
        .item("email", AttributeValue::S(email.to_owned()))
        .item("passwordHash", AttributeValue::S("$2b$05$not-checked-here".to_owned()))
        .send()
        .await
        .unwrap();
    table
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn attack_sign_up_of_a_legacy_users_name_or_address_is_refused_on_the_aws_adapters() {
    let aws = local_aws().await.unwrap();
    let (_, pool) = moto_pool(&aws).await;
    // The old system: a table keyed by user name (its address indexed), and an old user pool.
    let legacy_name = unique("legacy-user");
    let legacy_address = format!("{legacy_name}@old.example");
    let table = legacy_table_with_email_index(&aws, &legacy_name, &legacy_address).await;
    let (_, old_pool) = moto_pool(&aws).await;
    let old_address = format!("{}@old.example", unique("old-pool-user"));
    confirmed_user(&aws, &old_pool, "old-pool-user", &[("email", old_address.as_str())], "Aa1!old-pool-pw")
        .await
        .unwrap();
    let legacy = LegacyStores {
        table: Some(Arc::new(aws.legacy_users(table).with_email_index("by-email")) as Arc<dyn LegacyUsers>),
        old_pool: Some(OldPoolUsers { directory: Arc::new(aws.directory_in("us-east-1")), user_pool_id: old_pool }),
    };
    let trigger = PreSignUp::new(settings(&[]), ports(&aws, Arc::new(aws.directory()))).with_legacy(legacy);
    let fresh = || format!("{}@example.com", unique("fresh"));

    let name = decide(&trigger, sign_up(&pool, &legacy_name, &fresh())).await.unwrap_err();
    assert_eq!(name.user_message(), USERNAME_TAKEN, "the legacy table's user name (GetItem)");
    let address = decide(&trigger, sign_up(&pool, "squatter", &legacy_address)).await.unwrap_err();
    assert_eq!(address.user_message(), EMAIL_TAKEN, "the legacy table's address (Query on the index)");
    let old_name = decide(&trigger, sign_up(&pool, "old-pool-user", &fresh())).await.unwrap_err();
    assert_eq!(old_name.user_message(), USERNAME_TAKEN, "the old pool's user name (AdminGetUser)");
    let old = decide(&trigger, sign_up(&pool, "squatter", &old_address.to_uppercase())).await.unwrap_err();
    assert_eq!(old.user_message(), EMAIL_TAKEN, "the old pool's address (ListUsers)");
    let store = aws.store(table_name());
    for refused in [&legacy_address, &old_address] {
        let row = store.get(&reservations::key(&pool, Kind::Email, refused)).await.unwrap();
        assert!(row.is_none(), "a refused sign-up reserves nothing");
    }
    decide(&trigger, sign_up(&pool, "newcomer", &fresh())).await.expect("what no legacy user holds passes");
}
