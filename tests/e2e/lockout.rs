//! The sign-in lockout through the local user pool: the auth front (local/auth_front.py) runs our
//! `pre-authentication` binary before each password sign-in, as Cognito does, and cognito-local
//! runs `post-authentication` after a success. Needs the local stack (`make test` starts it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use e2e::lockout::{attempt_sign_in, profile, triggers_admin};
use e2e::{LocalPool, password, unique};

// Cognito appends "." to the trigger's own sentence, which therefore ends without one.
const LOCKED: &str = "PreAuthentication failed with error Too many sign-in attempts. Try again in 5 minutes.";

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn wrong_passwords_lock_the_account_until_an_operator_unlocks_it() {
    let pool = LocalPool::create("e2e-lockout").await.unwrap();
    let email = format!("{}@example.com", unique("jane"));
    let secret = password();
    let sub = pool.sign_up(&email, &secret).await.unwrap().user_sub().to_owned();
    pool.confirm(&email).await.unwrap();

    // LOCKOUT_MAX_ATTEMPTS=5 (local/functions.env): five attempts reach the password check...
    for n in 1..=5 {
        let (code, message) = attempt_sign_in(&pool, &email, "Wrong-password-1!").await.unwrap_err();
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("NotAuthorizedException", "Incorrect username or password."),
            "attempt {n}"
        );
    }
    // ...the sixth is refused by pre-authentication, as Cognito delivers a trigger's denial,
    let (code, message) = attempt_sign_in(&pool, &email, "Wrong-password-1!").await.unwrap_err();
    assert_eq!((code.as_str(), message.as_str()), ("UserLambdaValidationException", LOCKED));
    // and so is the right password while the lock lasts (without extending it).
    let (code, message) = attempt_sign_in(&pool, &email, &secret).await.unwrap_err();
    assert_eq!((code.as_str(), message.as_str()), ("UserLambdaValidationException", LOCKED));
    assert!(profile(&sub).await.unwrap().is_none_or(|p| !p.contains_key("loginCount")), "no sign-in yet");

    // The operator sees the lock and clears it, naming the user by e-mail address.
    let shown = triggers_admin(&["show", &pool.pool_id, &email]).unwrap();
    assert!(shown.contains("LOCKED until"), "{shown}");
    let unlocked = triggers_admin(&["unlock", &pool.pool_id, &email]).unwrap();
    assert!(unlocked.contains("unlocked (was locked"), "{unlocked}");

    let token = attempt_sign_in(&pool, &email, &secret).await.unwrap();
    assert_eq!(e2e::jwt_claims(&token).unwrap()["sub"], sub.as_str());

    // post-authentication recorded the sign-in in the profile row.
    let row = profile(&sub).await.unwrap().expect("a profile row");
    assert_eq!(row.get("loginCount").map(String::as_str), Some("1"), "{row:?}");
    assert_eq!(row.get("lastClientId"), Some(&pool.client_id));
    assert!(row.contains_key("lastLoginAt"));
    // And it reset the lockout: the record is gone.
    assert!(triggers_admin(&["show", &pool.pool_id, &email]).unwrap().contains("no lockout record"));
    pool.delete().await;
}
