//! Sign-ups through the local user pool, decided by our own `pre-signup` binary.
//! Needs the local stack (`make test` starts it); `local/functions.env` denies `blocked.example`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use e2e::{LocalPool, error_text, password, unique};

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_denied_domain_reaches_the_client_as_cognito_delivers_it() {
    let pool = LocalPool::create("e2e-deny").await.unwrap();
    let err = pool.sign_up(&format!("{}@Blocked.Example", unique("mallory")), &password()).await.unwrap_err();
    let (code, message) = error_text(&err);
    assert_eq!(code, "UserLambdaValidationException");
    // Cognito: "PreSignUp failed with error <message>." cognito-local names the function instead of
    // the trigger ("pre-signup failed with error …"); the rest, trailing period included, is the same.
    assert!(message.ends_with(" failed with error Sign-up with this e-mail domain is not allowed."), "{message}");
    pool.delete().await;
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn an_allowed_sign_up_confirms_and_signs_in() {
    let pool = LocalPool::create("e2e-allow").await.unwrap();
    let email = format!("{}@example.com", unique("jane"));
    let secret = password();
    let answer = pool.sign_up(&email, &secret).await.unwrap();
    assert!(!answer.user_confirmed(), "no auto-confirm rule is configured");
    pool.confirm(&email).await.unwrap();
    let id_token = pool.sign_in(&email, &secret).await.unwrap();
    let claims = e2e::jwt_claims(&id_token).unwrap();
    assert_eq!(claims["email"], email.as_str());
    assert_eq!(claims["sub"], answer.user_sub(), "the token is the signed-up user's");
    pool.delete().await;
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_second_sign_up_with_the_same_address_in_other_letters_is_refused() {
    let pool = LocalPool::create("e2e-unique").await.unwrap();
    let email = format!("{}@example.com", unique("uma"));
    pool.sign_up(&email, &password()).await.unwrap();
    let err = pool.sign_up(&email.to_uppercase(), &password()).await.unwrap_err();
    let (code, message) = error_text(&err);
    assert_eq!(code, "UserLambdaValidationException");
    assert!(
        message.ends_with(" failed with error An account with this e-mail address already exists. Please sign in or reset your password."),
        "{message}"
    );
    pool.delete().await;
}
