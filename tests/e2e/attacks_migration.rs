//! Security regression tests (issue 22): user migration, walked as an attacker would, end to end
//! through the local user pool: the auth front runs pre-authentication, cognito-local calls the
//! real `user-migration` binary (`UserMigration_Authentication`), which reads the legacy table and
//! the project table in moto. cognito-local never sends `UserMigration_ForgotPassword`, and sends
//! its events one at a time per sign-in: the forgot-password, MFA and burst paths are walked on the
//! binary's handler with the in-memory fakes and against moto instead
//! (`triggers/user-migration/tests/handler.rs`, `local_stack.rs`, `timing.rs`; docs/security.md
//! lists them). Needs the local stack (`make test`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::time::{SystemTime, UNIX_EPOCH};

use e2e::migration::{LEGACY_PASSWORD, delete_legacy_user, put_legacy_row, put_legacy_user};
use e2e::{LocalPool, jwt_claims, unique};
use trigger_core::ports::Store;
use trigger_core::reservations::{self, Kind};
use trigger_core::testing::{local_aws, table_name};

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

/// Attack (item 1): in a case-sensitive pool `ALICE-…` is not `alice-…`. At 5a923f4 the legacy table
/// was read lower-cased whatever the pool, so whoever signed in as the capitalised variant with
/// the legacy user's password was moved in as a second account holding her row (her verified
/// address, her attributes); by forgot-password the variant took the row without a password.
#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_case_variant_of_a_legacy_name_never_takes_its_row() {
    let pool = LocalPool::create_free_form("e2e-attack-migration-case").await.unwrap();
    let owner = unique("alice"); // lower case: what the legacy system stored
    let email = format!("{owner}@example.com");
    put_legacy_row(&owner, &[("email", &email), ("email_verified", "true")]).await.unwrap();

    let variant = owner.to_uppercase();
    let taken = pool.sign_in(&variant, LEGACY_PASSWORD).await;
    assert!(taken.is_err(), "the variant was moved in with the owner's row");
    let token = pool.sign_in(&owner, LEGACY_PASSWORD).await.expect("the owner herself moves in");
    assert_eq!(jwt_claims(&token).unwrap()["email"], email.as_str());
    delete_legacy_user(&owner).await.unwrap();
    pool.delete().await;
}

/// Attack (item 6): someone signs up with a legacy user's address and never confirms. At 5a923f4
/// the pending reservation refused the real owner's migration for a day, renewable by signing up
/// again. Pre sign-up now refuses legacy addresses at sign-up; a reservation it could not stop (from
/// before the guard, or a sign-up it could not check) is written here directly. The owner, whose
/// address the old system verified, signs in and takes it over.
#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_squatters_unconfirmed_reservation_does_not_block_the_legacy_owner() {
    let pool = LocalPool::create("e2e-attack-migration-squat").await.unwrap();
    let email = format!("{}@example.com", unique("squatted"));
    put_legacy_user(&email, "Rightful Owner").await.unwrap(); // e-mail verified by the old system
    let store = local_aws().await.unwrap().store(table_name());
    let key = reservations::key(&pool.pool_id, Kind::Email, &email);
    let squatter = unique("squatter");
    store.put(&reservations::pending_item(&key, &squatter, now() - 120, now() + 86_400), None).await.unwrap();

    let token = pool.sign_in(&email, LEGACY_PASSWORD).await.expect("the owner is not blocked by the squatter");
    assert_eq!(jwt_claims(&token).unwrap()["email"], email.as_str());
    let row = store.get(&key).await.unwrap().expect("the reservation");
    assert_ne!(row.str(reservations::OWNER), Some(squatter.as_str()), "taken over");
    assert_eq!(row.str(reservations::STATUS), Some(reservations::CONFIRMED));
    delete_legacy_user(&email).await.unwrap();
    pool.delete().await;
}

/// Attack (item 7): the old system's custom attributes (`custom:role=admin`) came along by default
/// at 5a923f4 (`MIGRATE_ATTRIBUTES` ended in `custom:*`), into a pool whose app may read them as
/// privileges. Now only what is listed moves.
#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_legacy_users_custom_attributes_stay_behind_unless_listed() {
    let pool = LocalPool::create_free_form("e2e-attack-migration-custom").await.unwrap();
    let name = unique("carl");
    let email = format!("{name}@example.com");
    let attributes = [("email", email.as_str()), ("email_verified", "true"), ("custom:role", "admin")];
    put_legacy_row(&name, &attributes).await.unwrap();
    let token = pool.sign_in(&name, LEGACY_PASSWORD).await.expect("moved in");
    // cognito-local writes every custom attribute of the user into the ID token.
    let claims = jwt_claims(&token).unwrap();
    assert_eq!(claims["email"], email.as_str(), "the listed attributes came along");
    assert!(claims.get("custom:role").is_none(), "a custom attribute came along: {claims}");
    delete_legacy_user(&name).await.unwrap();
    pool.delete().await;
}
