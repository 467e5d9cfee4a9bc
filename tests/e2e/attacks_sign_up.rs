//! Security regression tests (issue 22): sign-up and federated linking, walked as an attacker
//! would. See docs/security.md.
//!
//! Through the local user pool (cognito-local runs the real `pre-signup` binary with
//! `local/functions.env`, whose `LEGACY_USERS_TABLE` is the migration's legacy table):
//! - squatting during a migration: a sign-up with a legacy user's address, or under a legacy
//!   user's name, is refused, and the legacy user still migrates at their first sign-in.
//!
//! cognito-local never sends `PreSignUp_ExternalProvider`, so the linking attacks run the handler
//! on the AWS adapters against moto instead, in `triggers/pre-signup/tests/local_stack.rs`:
//! - `attack_domain_auto_verified_account_never_receives_the_owners_federated_identity`
//! - `attack_user_name_squatted_with_the_victims_address_never_receives_the_victims_identity`
//! - `attack_sign_up_of_a_legacy_users_name_or_address_is_refused_on_the_aws_adapters` (the old
//!   pool and the e-mail index, which the local pool's settings do not configure)
//!
//! Needs the local stack (`make test`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use aws_sdk_dynamodb::types::AttributeValue;
use e2e::migration::{LEGACY_HASH, LEGACY_PASSWORD, LEGACY_TABLE, delete_legacy_user, put_legacy_user};
use e2e::{LocalPool, error_text, jwt_claims, password, unique};

/// What a refused sign-up shows: cognito-local names the function where Cognito names the
/// trigger ("PreSignUp failed with error …"); the text after it is the same.
fn refused_with(err: &(String, String), text: &str) {
    let (code, message) = err;
    assert_eq!(code, "UserLambdaValidationException", "{message}");
    assert!(message.ends_with(&format!(" failed with error {text}.")), "{message}");
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn attack_unconfirmed_sign_up_with_a_legacy_users_address_is_refused_and_the_owner_still_migrates() {
    let pool = LocalPool::create("e2e-squat-address").await.unwrap();
    let email = format!("{}@example.com", unique("legacy-owner"));
    put_legacy_user(&email, "Lea Gacy").await.unwrap();

    // The squatter signs up first with the legacy user's address (in other letters), to leave an
    // unconfirmed sign-up that would hold it against the owner's migration.
    let err = pool.sign_up(&email.to_uppercase(), &password()).await.unwrap_err();
    refused_with(
        &error_text(&err),
        "An account with this e-mail address already exists. Please sign in or reset your password",
    );

    // The owner signs in with the old password and is moved in.
    let token = pool.sign_in(&email, LEGACY_PASSWORD).await.expect("the owner's migration is not blocked");
    assert_eq!(jwt_claims(&token).unwrap()["email"], email.as_str());
    delete_legacy_user(&email).await.unwrap();
    pool.delete().await;
}

/// A legacy row keyed by a user name (not an address), as a system with free-form names has them.
async fn put_legacy_name(user_name: &str, email: &str) {
    let aws = trigger_core::testing::local_aws().await.unwrap();
    let attributes = AttributeValue::M(
        [
            ("email".to_owned(), AttributeValue::S(email.to_owned())),
            ("email_verified".to_owned(), AttributeValue::S("true".to_owned())),
        ]
        .into(),
    );
    aws_sdk_dynamodb::Client::new(aws.sdk_config())
        .put_item()
        .table_name(LEGACY_TABLE)
        .item("username", AttributeValue::S(user_name.to_owned()))
        .item("passwordHash", AttributeValue::S(LEGACY_HASH.to_owned()))
        .item("attributes", attributes)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn attack_native_sign_up_of_a_legacy_user_name_is_refused_and_the_owner_still_migrates() {
    let pool = LocalPool::create_free_form("e2e-squat-name").await.unwrap();
    let name = unique("legacy-name");
    let owner_email = format!("{name}@old.example");
    put_legacy_name(&name, &owner_email).await;

    // The squatter takes the legacy user name with an address of their own: had it passed, the
    // name would be theirs for good and the legacy user could never migrate.
    let squatter_email = format!("{}@example.com", unique("squatter"));
    let address = aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
        .name("email")
        .value(&squatter_email)
        .build()
        .unwrap();
    let err = pool
        .client
        .sign_up()
        .client_id(&pool.client_id)
        .username(&name)
        .password(password())
        .user_attributes(address)
        .send()
        .await
        .unwrap_err();
    refused_with(
        &error_text(&err),
        "An account with this user name already exists. Please sign in or reset your password",
    );

    let token = pool.sign_in(&name, LEGACY_PASSWORD).await.expect("the owner's migration is not blocked");
    assert_eq!(jwt_claims(&token).unwrap()["email"], owner_email.as_str());
    delete_legacy_user(&name).await.unwrap();
    pool.delete().await;
}
