//! Passwordless sign-in by e-mailed code through the local user pool: the auth front
//! (local/auth_front.py) runs the CUSTOM_AUTH flow through our `define-auth-challenge`,
//! `create-auth-challenge` and `verify-auth-challenge-response` binaries, as Cognito does;
//! create-auth-challenge sends the code through moto's SES, read back here from
//! `/moto-api/data.json`. Needs the local stack (`make test` starts it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use e2e::passwordless::{Step, answer, codes_to, custom_auth_client, latest_code, mail_to, start, verify_email};
use e2e::{LocalPool, password, unique};

const FAILED: (&str, &str) = ("NotAuthorizedException", "Incorrect username or password.");

fn challenge(step: Result<Step, (String, String)>) -> (String, Vec<(String, String)>) {
    match step {
        Ok(Step::Challenge { session, parameters }) => (session, parameters),
        other => panic!("expected a code challenge, got {other:?}"),
    }
}

fn refused(step: Result<Step, (String, String)>) -> (String, String) {
    match step {
        Err(error) => error,
        Ok(other) => panic!("expected a refusal, got {other:?}"),
    }
}

/// The challenge parameters without the user name (which is the name typed, or the user's own).
fn shape(parameters: &[(String, String)]) -> Vec<(String, String)> {
    parameters.iter().filter(|(k, _)| k != "USERNAME").cloned().collect()
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_user_signs_in_with_the_e_mailed_code_and_three_wrong_codes_fail_the_session() {
    let pool = LocalPool::create("e2e-passwordless").await.unwrap();
    let client = custom_auth_client(&pool).await.unwrap();
    let email = format!("{}@example.com", unique("pia"));
    let sub = pool.sign_up(&email, &password()).await.unwrap().user_sub().to_owned();
    pool.confirm(&email).await.unwrap();
    verify_email(&pool, &email).await.unwrap();

    let (session, parameters) = challenge(start(&pool, &client, &email).await);
    assert_eq!(shape(&parameters), [("codeLength".into(), "6".into()), ("method".into(), "EMAIL_CODE".into())]);
    assert_eq!(codes_to(&email).unwrap().len(), 1, "one e-mail with the code");
    let code = latest_code(&email).unwrap();
    assert_eq!(code.len(), 6, "SIGN_IN_CODE_LENGTH=6");
    let wrong = if code == "000000" { "000001" } else { "000000" };

    // One wrong answer first: the same challenge again, in a new session, and no new e-mail.
    let (session, _) = challenge(answer(&pool, &client, &email, &session, wrong).await);
    assert_eq!(codes_to(&email).unwrap().len(), 1, "a later round e-mails nothing");
    match answer(&pool, &client, &email, &session, &code).await {
        Ok(Step::Tokens(id_token)) => assert_eq!(e2e::jwt_claims(&id_token).unwrap()["sub"], sub.as_str()),
        other => panic!("expected tokens for the right code, got {other:?}"),
    }
    // A session answers once.
    let (code_type, _) = refused(answer(&pool, &client, &email, &session, &code).await);
    assert_eq!(code_type, "NotAuthorizedException");

    // A new sign-in, three wrong answers: the third fails the session.
    let (mut session, _) = challenge(start(&pool, &client, &email).await);
    for round in 1..=2 {
        (session, _) = challenge(answer(&pool, &client, &email, &session, wrong).await);
        assert!(!session.is_empty(), "round {round}");
    }
    let (code_type, message) = refused(answer(&pool, &client, &email, &session, wrong).await);
    assert_eq!((code_type.as_str(), message.as_str()), FAILED);
    pool.delete().await;
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn an_unknown_user_gets_the_same_challenge_and_answers_and_nothing_is_sent() {
    let pool = LocalPool::create("e2e-passwordless-unknown").await.unwrap();
    let client = custom_auth_client(&pool).await.unwrap();
    let known = format!("{}@example.com", unique("ken"));
    pool.sign_up(&known, &password()).await.unwrap();
    pool.confirm(&known).await.unwrap();
    verify_email(&pool, &known).await.unwrap();
    let nobody = format!("{}@example.com", unique("nobody"));

    let mut walks = Vec::new();
    for name in [&known, &nobody] {
        let (mut session, parameters) = challenge(start(&pool, &client, name).await);
        let mut steps = vec![shape(&parameters)];
        for _ in 1..=2 {
            let (next, parameters) = challenge(answer(&pool, &client, name, &session, "123").await);
            steps.push(shape(&parameters));
            session = next;
        }
        steps.push(vec![refused(answer(&pool, &client, name, &session, "123").await)]);
        walks.push(steps);
    }
    assert_eq!(walks[0], walks[1], "the same steps and answers for a name without an account");
    assert_eq!(walks[1][3], [(FAILED.0.to_owned(), FAILED.1.to_owned())]);
    assert_eq!(codes_to(&known).unwrap().len(), 1, "the known user got the code");
    assert!(mail_to(&nobody).unwrap().is_empty(), "nothing is sent for an unknown name");
    // The user name the client is shown is an id for both, never the address typed.
    for name in [&known, &nobody] {
        let (_, parameters) = challenge(start(&pool, &client, name).await);
        let shown = parameters.iter().find(|(k, _)| k == "USERNAME").map(|(_, v)| v.clone()).unwrap();
        assert!(!shown.contains('@') && shown.len() == 36, "{shown}");
    }
    pool.delete().await;
}
