//! Security regression tests (issue 22): sign-in — the passwordless code and the lockout — walked
//! as an attacker would, end to end through the local user pool (cognito-local behind the auth
//! front, which runs pre-authentication and the three custom-auth triggers as Cognito does). Each
//! test names the attack; docs/security.md lists them. Needs the local stack (`make test`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use e2e::lockout::{attempt_sign_in, triggers_admin};
use e2e::passwordless::{Step, answer, codes_to, latest_code, start};
use e2e::{LocalPool, password, unique};

fn session(step: Result<Step, (String, String)>) -> String {
    match step {
        Ok(Step::Challenge { session, .. }) => session,
        other => panic!("expected a code challenge, got {other:?}"),
    }
}

/// The answer gave no tokens: a challenge again or a refusal, whatever it is.
fn refused(step: Result<Step, (String, String)>, what: &str) {
    if let Ok(Step::Tokens(_)) = step {
        panic!("{what}");
    }
}

/// Two users of a case-sensitive pool, `Jane.Doe-…` (the attacker, whose mailbox this is) and
/// `jane.doe-…` (the victim), each with a verified address of their own.
struct CaseTwins {
    pool: LocalPool,
    attacker: String,
    attacker_email: String,
    victim: String,
    victim_email: String,
}

async fn case_twins(name: &str) -> CaseTwins {
    let pool = LocalPool::create_free_form(name).await.unwrap();
    let tag = unique("doe");
    let (attacker, victim) = (format!("Jane.{tag}"), format!("jane.{tag}"));
    let attacker_email = format!("{}@example.com", unique("attacker"));
    let victim_email = format!("{}@example.com", unique("victim"));
    pool.sign_up_confirmed_as(&attacker, &attacker_email, &password()).await.unwrap();
    pool.sign_up_confirmed_as(&victim, &victim_email, &password()).await.unwrap();
    CaseTwins { pool, attacker, attacker_email, victim, victim_email }
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn attack_a_code_mailed_to_one_user_signs_in_as_another_whose_name_differs_only_in_case() {
    // On 5a923f4 the issue row was keyed by the lower-cased name: the second start within 15 s
    // reused the attacker's challenge, mailed nothing to the victim, and the attacker's own code
    // signed in as the victim.
    let twins = case_twins("e2e-attack-code-case").await;
    let (pool, client) = (&twins.pool, &twins.pool.client_id);
    session(start(pool, client, &twins.attacker).await);
    let attackers_code = latest_code(&twins.attacker_email).unwrap();

    let victims_session = session(start(pool, client, &twins.victim).await);
    assert_eq!(codes_to(&twins.victim_email).unwrap().len(), 1, "the victim's own sign-in mails the victim a code");
    let step = answer(pool, client, &twins.victim, &victims_session, &attackers_code).await;
    refused(step, "the attacker's code signed in as the victim");
    pool.client.delete_user_pool().user_pool_id(&pool.pool_id).send().await.ok();
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn attack_a_used_code_is_replayed_in_a_new_sign_in_within_the_retry_window() {
    // On 5a923f4 a create within 15 s of the last one answered with the stored challenge whether
    // or not its code had been used: someone who saw a used code signed in with it again.
    let twins = case_twins("e2e-attack-code-replay").await;
    let (pool, client) = (&twins.pool, &twins.pool.client_id);
    let first = session(start(pool, client, &twins.victim).await);
    let code = latest_code(&twins.victim_email).unwrap();
    assert!(
        matches!(answer(pool, client, &twins.victim, &first, &code).await, Ok(Step::Tokens(_))),
        "the owner signs in"
    );

    let replay = session(start(pool, client, &twins.victim).await);
    assert_eq!(
        codes_to(&twins.victim_email).unwrap().len(),
        2,
        "a used code is never handed out again: a new one is mailed"
    );
    refused(answer(pool, client, &twins.victim, &replay, &code).await, "a used code signed in a second time");
    pool.client.delete_user_pool().user_pool_id(&pool.pool_id).send().await.ok();
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn attack_own_successful_sign_ins_reset_the_lockout_of_a_name_that_differs_only_in_case() {
    // The attacker owns `Jane.…` and guesses the password of `jane.…`, a name the pool does not
    // hold (a legacy user not migrated yet; pre-authentication counts it with userNotFound). On
    // 5a923f4 both were one record: every own sign-in reset the count, and guessing never ended.
    let pool = LocalPool::create_free_form("e2e-attack-lockout-case").await.unwrap();
    let tag = unique("doe");
    let (attacker, target) = (format!("Jane.{tag}"), format!("jane.{tag}"));
    let secret = password();
    pool.sign_up_confirmed_as(&attacker, &format!("{}@example.com", unique("attacker")), &secret).await.unwrap();

    let locked = |(code, message): &(String, String)| {
        code == "UserLambdaValidationException" && message.contains("Too many sign-in attempts")
    };
    // Four guesses, then an own sign-in, three times over: LOCKOUT_MAX_ATTEMPTS=5 guesses pass,
    // the sixth is refused whatever the attacker's own account does in between.
    let mut guesses_before_the_lock = 0;
    'rounds: for _ in 0..3 {
        for _ in 0..4 {
            let refused = attempt_sign_in(&pool, &target, "Wrong-password-1!").await.unwrap_err();
            if locked(&refused) {
                break 'rounds;
            }
            guesses_before_the_lock += 1;
        }
        attempt_sign_in(&pool, &attacker, &secret).await.expect("the attacker's own sign-in is another user's");
    }
    assert_eq!(guesses_before_the_lock, 5, "the count survived the attacker's own sign-ins");
    let shown = triggers_admin(&["show", &pool.pool_id, &target]).unwrap();
    assert!(shown.contains("LOCKED until") || shown.contains("5 attempt(s)"), "{shown}");
    pool.client.delete_user_pool().user_pool_id(&pool.pool_id).send().await.ok();
}
