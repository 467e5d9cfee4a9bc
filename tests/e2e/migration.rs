//! User migration through the local user pool: a user who exists only in the legacy password
//! table signs in with USER_PASSWORD_AUTH, cognito-local calls the real `user-migration` binary,
//! the user is created and gets tokens, and the next sign-in no longer needs the legacy row.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use e2e::migration::{LEGACY_PASSWORD, delete_legacy_user, put_legacy_user};
use e2e::{LocalPool, jwt_claims, unique};

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_legacy_user_is_moved_in_at_the_first_sign_in_and_signs_in_natively_after() {
    let pool = LocalPool::create("e2e-migration").await.unwrap();
    let email = format!("{}@example.com", unique("legacy"));
    put_legacy_user(&email, "Lea Gacy").await.unwrap();

    let wrong = pool.sign_in(&email, "Not-The-Passw0rd!").await;
    assert!(wrong.is_err(), "a wrong password migrates nobody");

    let token = pool.sign_in(&email, LEGACY_PASSWORD).await.expect("migrated at the first sign-in");
    let claims = jwt_claims(&token).unwrap();
    assert_eq!(claims["email"], email.as_str(), "the allowlisted attributes came along");

    // The legacy row is gone: the user now signs in as a native one, without the trigger's help.
    delete_legacy_user(&email).await.unwrap();
    pool.sign_in(&email, LEGACY_PASSWORD).await.expect("a migrated user signs in natively");
    pool.delete().await;
}
