//! `make demo`: a scripted user journey through the local user pool, step by step, in plain words.
//! Every step is decided by the real trigger binaries that cognito-local invokes.

use std::process::ExitCode;

use e2e::{Error, LocalPool, error_text, password, unique};

fn step(number: u32, text: &str) {
    println!("\n{number}. {text}");
}

fn outcome(text: &str) {
    println!("   -> {text}");
}

async fn journey() -> Result<(), Error> {
    step(1, "Create a user pool in the local Cognito (cognito-local), with our triggers wired in");
    let pool = LocalPool::create("demo").await?;
    outcome(&format!("user pool {} with app client {}", pool.pool_id, pool.client_id));

    let blocked = format!("{}@blocked.example", unique("mallory"));
    step(2, &format!("Mallory signs up with an address at a denied domain ({blocked})"));
    match pool.sign_up(&blocked, &password()).await {
        Err(err) => {
            let (code, message) = error_text(&err);
            outcome(&format!("refused by pre-signup, as the app sees it: {code}: {message}"));
        }
        Ok(_) => return Err("the denied domain was accepted: pre-signup is not wired in".into()),
    }

    let email = format!("{}@example.com", unique("jane"));
    let secret = password();
    step(3, &format!("Jane signs up with {email}"));
    let answer = pool.sign_up(&email, &secret).await?;
    outcome(&format!("accepted by pre-signup; user {} is waiting for confirmation", answer.user_sub()));

    step(4, "Jane confirms with the code Cognito e-mailed her (cognito-local keeps it in its database)");
    pool.confirm(&email).await?;
    outcome("confirmed");

    step(5, "Jane signs in with her password (USER_PASSWORD_AUTH)");
    let id_token = pool.sign_in(&email, &secret).await?;
    let claims = e2e::jwt_claims(&id_token).ok_or("the ID token is not a JWT")?;
    outcome(&format!(
        "signed in; ID token for {} (sub {}, email {})",
        claims["cognito:username"].as_str().unwrap_or("?"),
        claims["sub"].as_str().unwrap_or("?"),
        claims["email"].as_str().unwrap_or("?"),
    ));
    pool.delete().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    println!("cognito-triggers demo: a user journey through the local user pool ({})", e2e::endpoint());
    match journey().await {
        Ok(()) => {
            println!("\nJourney complete: Jane is signed in.");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("\nThe journey stopped: {err}");
            ExitCode::FAILURE
        }
    }
}
