//! Sign-up → confirmation → sign-in through the local user pool, which invokes our
//! `post-confirmation` and `pre-token-generation` binaries itself. `local/functions.env` sets
//! `CLAIMS_FROM_PROFILE=createdAt:member_since,status:account_status` and
//! `WELCOME_EMAIL_FROM=no-reply@example.com`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use e2e::{LocalPool, password, unique};

/// Welcome e-mails moto's SES holds for `address` (moto: `AWS_ENDPOINT_URL`, set by `make test`).
fn welcome_emails_to(address: &str) -> usize {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:4566".to_owned());
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut stream = TcpStream::connect(&host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET /moto-api/data.json HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (_, body) = response.split_once("\r\n\r\n").unwrap();
    let data: serde_json::Value = serde_json::from_str(body).unwrap();
    data["ses"]["Message"]
        .as_array()
        .map(|all| all.iter().filter(|m| m.to_string().contains(address)).count())
        .unwrap_or(0)
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn the_id_token_carries_the_profile_claims_and_the_users_groups() {
    let pool = LocalPool::create("e2e-tokens").await.unwrap();
    let email = format!("{}@example.com", unique("tina"));
    let secret = password();
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let signed_up = pool.sign_up(&email, &secret).await.unwrap();
    pool.confirm(&email).await.unwrap();
    assert_eq!(welcome_emails_to(&email), 1, "post-confirmation sent one welcome e-mail");

    pool.client.create_group().user_pool_id(&pool.pool_id).group_name("readers").send().await.unwrap();
    pool.client
        .admin_add_user_to_group()
        .user_pool_id(&pool.pool_id)
        .username(&email)
        .group_name("readers")
        .send()
        .await
        .unwrap();

    let claims = e2e::jwt_claims(&pool.sign_in(&email, &secret).await.unwrap()).unwrap();
    assert_eq!(claims["sub"], signed_up.user_sub());
    assert_eq!(claims["account_status"], "CONFIRMED", "from the profile row: {claims}");
    let since: u64 = claims["member_since"].as_str().unwrap().parse().unwrap();
    assert!(since >= before && since <= before + 60, "the profile row was created at confirmation: {since}");
    assert_eq!(claims["cognito:groups"], serde_json::json!(["readers"]), "groups kept: {claims}");
    assert_eq!(claims["email"], email.as_str());
    // A second sign-in reads the same row: the claim does not move.
    let again = e2e::jwt_claims(&pool.sign_in(&email, &secret).await.unwrap()).unwrap();
    assert_eq!(again["member_since"], claims["member_since"]);
    assert_eq!(welcome_emails_to(&email), 1, "still one welcome e-mail");
    pool.delete().await;
}
