//! The real `signup-reminder` binary (served by `cargo lambda watch`, settings from
//! `local/functions.env`) on users of the local user pool, invoked the way the state machine's
//! `lambda:invoke` task does: through the Lambda Invoke API (the adapter on :9001). Mail is read
//! back from moto's SES. Needs the local stack (`make test` starts it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use e2e::{LocalPool, password, unique};
use serde_json::{Value, json};

/// HTTP/1.0 to a local server; returns (status line and headers, body).
fn http(host: &str, method: &str, path: &str, body: &str) -> (String, String) {
    let mut stream = TcpStream::connect(host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.to_owned(), body.to_owned())
}

/// Invokes the function as Step Functions' `lambda:invoke` does and returns its answer.
fn invoke(task: &Value) -> Value {
    let (head, body) =
        http("127.0.0.1:9001", "POST", "/2015-03-31/functions/signup-reminder/invocations", &task.to_string());
    assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}\n{body}");
    assert!(!head.to_ascii_lowercase().contains("x-amz-function-error"), "function error: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Messages moto's SES holds for `to`.
fn mail_to(to: &str) -> usize {
    let (_, body) = http("127.0.0.1:4566", "GET", "/moto-api/data.json", "");
    let data: Value = serde_json::from_str(&body).unwrap();
    data["ses"]["Message"].as_array().map(|all| all.iter().filter(|m| m.to_string().contains(to)).count()).unwrap_or(0)
}

fn task(action: &str, pool: &LocalPool, user_name: &str, email: &str) -> Value {
    json!({
        "action": action, "userPoolId": pool.pool_id, "userName": user_name, "email": email,
        // What pre sign-up puts in the execution input: the step identifies the user by it.
        "signedUpAt": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
        "remindAfterSeconds": 1, "expireAfterSeconds": 1, "execution": { "name": format!("signup-{user_name}") },
    })
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn an_unconfirmed_sign_up_is_reminded_once_then_expired() {
    let pool = LocalPool::create("e2e-reminder").await.unwrap();
    let email = format!("{}@example.com", unique("rita"));
    let answer = pool.sign_up(&email, &password()).await.unwrap();
    // With e-mail sign-in the user name is the sub, as in the events Cognito sends.
    let user_name = answer.user_sub().to_owned();
    assert_eq!(invoke(&task("remind", &pool, &user_name, &email))["outcome"], "sent");
    assert_eq!(invoke(&task("remind", &pool, &user_name, &email))["outcome"], "already-sent");
    assert_eq!(mail_to(&email), 1, "one reminder");
    let expired = invoke(&task("expire", &pool, &user_name, &email));
    assert_eq!(expired["outcome"], "expired");
    assert_eq!(expired["remindAfterSeconds"], 1, "the input comes back with the outcome");
    let gone = pool.client.admin_get_user().user_pool_id(&pool.pool_id).username(&user_name).send().await;
    assert!(gone.is_err(), "the unconfirmed user is deleted");
    assert_eq!(mail_to(&email), 2, "reminder + one expiry notice");
    pool.delete().await;
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn a_confirmed_user_is_left_alone() {
    let pool = LocalPool::create("e2e-reminder-ok").await.unwrap();
    let email = format!("{}@example.com", unique("carl"));
    let answer = pool.sign_up(&email, &password()).await.unwrap();
    pool.confirm(&email).await.unwrap();
    // post-confirmation may have sent a welcome message: count from here.
    let before = mail_to(&email);
    let user_name = answer.user_sub().to_owned();
    assert_eq!(invoke(&task("remind", &pool, &user_name, &email))["outcome"], "skipped-confirmed");
    assert_eq!(invoke(&task("expire", &pool, &user_name, &email))["outcome"], "skipped-confirmed");
    pool.client.admin_get_user().user_pool_id(&pool.pool_id).username(&user_name).send().await.unwrap();
    assert_eq!(mail_to(&email), before, "no reminder, no notice");
    pool.delete().await;
}
