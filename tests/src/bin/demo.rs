//! `make demo`: a scripted user journey through the local user pool, step by step, in plain words.
//! Every step is decided by the real trigger binaries that cognito-local invokes.

use std::process::ExitCode;

use e2e::{Error, LocalPool, error_text, password, unique};

/// Steps number themselves, so that a trigger's issue can add its steps anywhere in the journey.
static STEP: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn step(text: &str) {
    let number = STEP.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    println!("\n{number}. {text}");
}

fn outcome(text: &str) {
    println!("   -> {text}");
}

async fn journey() -> Result<(), Error> {
    step("Create a user pool in the local Cognito (cognito-local), with our triggers wired in");
    let pool = LocalPool::create("demo").await?;
    outcome(&format!("user pool {} with app client {}", pool.pool_id, pool.client_id));

    let blocked = format!("{}@blocked.example", unique("mallory"));
    step(&format!("Mallory signs up with an address at a denied domain ({blocked})"));
    match pool.sign_up(&blocked, &password()).await {
        Err(err) => {
            let (code, message) = error_text(&err);
            outcome(&format!("refused by pre-signup, as the app sees it: {code}: {message}"));
        }
        Ok(_) => return Err("the denied domain was accepted: pre-signup is not wired in".into()),
    }

    let email = format!("{}@example.com", unique("jane"));
    let secret = password();
    step(&format!("Jane signs up with {email}"));
    let answer = pool.sign_up(&email, &secret).await?;
    outcome(&format!(
        "accepted by pre-signup, which reserved the address; user {} is waiting for confirmation",
        answer.user_sub()
    ));

    let twin = email.to_uppercase();
    step(&format!("Someone else signs up with Jane's address in other letters ({twin})"));
    match pool.sign_up(&twin, &password()).await {
        Err(err) => {
            let (code, message) = error_text(&err);
            outcome(&format!("refused by pre-signup: {code}: {message}"));
        }
        Ok(_) => return Err("a second account got Jane's address: uniqueness is not working".into()),
    }

    step("Jane confirms with the code Cognito e-mailed her (cognito-local keeps it in its database)");
    pool.confirm(&email).await?;
    outcome("confirmed");

    step("Jane signs in with her password (USER_PASSWORD_AUTH)");
    let id_token = pool.sign_in(&email, &secret).await?;
    let claims = e2e::jwt_claims(&id_token).ok_or("the ID token is not a JWT")?;
    outcome(&format!(
        "signed in; ID token for {} (sub {}, email {})",
        claims["cognito:username"].as_str().unwrap_or("?"),
        claims["sub"].as_str().unwrap_or("?"),
        claims["email"].as_str().unwrap_or("?"),
    ));
    // Claims pre-token-generation added from the profile row post-confirmation wrote
    // (CLAIMS_FROM_PROFILE in local/functions.env).
    for claim in ["member_since", "account_status"] {
        outcome(&format!(
            "{claim} (from the profile row): {}",
            claims.get(claim).map_or("missing".to_owned(), |v| v.to_string())
        ));
    }

    // Sign-in lockout (pre-authentication through local/auth_front.py, post-authentication, triggers-admin).
    step("Mallory guesses Jane's password six times in a row");
    for _ in 0..6 {
        match e2e::lockout::attempt_sign_in(&pool, &email, "Guess-1234!").await {
            Err((code, message)) => outcome(&format!("{code}: {message}")),
            Ok(_) => return Err("a wrong password signed in".into()),
        }
    }
    step("Jane now signs in with her right password, while the lock lasts");
    match e2e::lockout::attempt_sign_in(&pool, &email, &secret).await {
        Err((code, message)) => outcome(&format!("refused by pre-authentication: {code}: {message}")),
        Ok(_) => return Err("the lock did not hold: pre-authentication is not wired in".into()),
    }
    step(&format!("An operator checks and clears the lock: triggers-admin unlock {} {email}", pool.pool_id));
    let shown = e2e::lockout::triggers_admin(&["show", &pool.pool_id, &email])?;
    shown.lines().for_each(outcome);
    let unlocked = e2e::lockout::triggers_admin(&["unlock", &pool.pool_id, &email])?;
    unlocked.lines().for_each(outcome);
    step("Jane signs in again");
    e2e::lockout::attempt_sign_in(&pool, &email, &secret)
        .await
        .map_err(|(code, message)| format!("sign-in after the unlock failed: {code}: {message}"))?;
    let row = e2e::lockout::profile(answer.user_sub()).await?.unwrap_or_default();
    outcome(&format!(
        "signed in; post-authentication recorded it in her profile row: lastLoginAt {}, lastClientId {}",
        row.get("lastLoginAt").map_or("missing", String::as_str),
        row.get("lastClientId").map_or("missing", String::as_str),
    ));

    // Passwordless sign-in (define/create/verify-auth-challenge through local/auth_front.py's CUSTOM_AUTH).
    step("Jane signs in without her password: she asks for a code by e-mail (CUSTOM_AUTH)");
    let client = e2e::passwordless::custom_auth_client(&pool).await?;
    e2e::passwordless::verify_email(&pool, &email).await?;
    let session = match e2e::passwordless::start(&pool, &client, &email).await {
        Ok(e2e::passwordless::Step::Challenge { session, parameters }) => {
            outcome(&format!("create-auth-challenge e-mailed a code; the app is asked for it: {parameters:?}"));
            session
        }
        other => return Err(format!("no code challenge: {other:?}").into()),
    };
    let code = e2e::passwordless::latest_code(&email)?;
    outcome("the e-mail arrived (moto's SES); its code is valid for 5 minutes and kept nowhere but in it");
    step("Jane first mistypes the code, then types it right");
    let session = match e2e::passwordless::answer(&pool, &client, &email, &session, "000000x").await {
        Ok(e2e::passwordless::Step::Challenge { session, .. }) => {
            outcome("verify-auth-challenge-response: wrong; define-auth-challenge: try again (at most three answers)");
            session
        }
        other => return Err(format!("a wrong code was not refused: {other:?}").into()),
    };
    match e2e::passwordless::answer(&pool, &client, &email, &session, &code).await {
        Ok(e2e::passwordless::Step::Tokens(token)) => {
            let claims = e2e::jwt_claims(&token).ok_or("the ID token is not a JWT")?;
            outcome(&format!("signed in without a password; ID token for {}", claims["email"].as_str().unwrap_or("?")));
        }
        other => return Err(format!("the right code did not sign in: {other:?}").into()),
    }
    let nobody = format!("{}@example.com", unique("nobody"));
    step(&format!("Someone asks for a code for an address that has no account ({nobody})"));
    match e2e::passwordless::start(&pool, &client, &nobody).await {
        Ok(e2e::passwordless::Step::Challenge { parameters, .. }) => outcome(&format!(
            "the same challenge as Jane's ({parameters:?}), and {} e-mails sent: nothing tells the address has no account",
            e2e::passwordless::mail_to(&nobody)?.len()
        )),
        other => return Err(format!("an unknown address was answered differently: {other:?}").into()),
    }

    // User migration (user-migration, from the legacy password table in moto).
    let legacy = format!("{}@example.com", unique("leo"));
    step(&format!("Leo, a user of the old system, signs in for the first time ({legacy})"));
    e2e::migration::put_legacy_user(&legacy, "Leo Legacy").await?;
    let token = pool.sign_in(&legacy, e2e::migration::LEGACY_PASSWORD).await?;
    let claims = e2e::jwt_claims(&token).ok_or("the ID token is not a JWT")?;
    outcome(&format!(
        "user-migration verified his bcrypt hash and moved him in: signed in, ID token for {}",
        claims["email"].as_str().unwrap_or("?")
    ));
    e2e::migration::delete_legacy_user(&legacy).await?;
    step("Leo signs in again, with the old system's row gone");
    pool.sign_in(&legacy, e2e::migration::LEGACY_PASSWORD).await?;
    outcome("signed in as a user of this pool: the migration was needed once");

    // The message catalogue (custom-message), in the user's language.
    step("Cognito asks custom-message for the sign-up e-mail of Jonas, whose locale is de-AT");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/events/custom-message-cognito-local.json");
    let mut event: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(fixture)?)?;
    event["request"]["userAttributes"]["locale"] = "de-AT".into();
    event["request"]["userAttributes"]["given_name"] = "Jonas".into();
    let answer = e2e::invoke_function("custom-message", &event)?;
    let response = &answer["response"];
    outcome(&format!("subject: {}", response["emailSubject"].as_str().unwrap_or("missing")));
    outcome(&format!("SMS: {}", response["smsMessage"].as_str().unwrap_or("missing")));
    outcome("(de-AT fell back to the built-in German templates; Cognito puts the code where {####} stands)");

    // The custom e-mail sender, delivering through the operator's own SMTP server (issue 24).
    step("In a pool whose e-mails go through custom-email-sender, Ana signs up: her code goes out over SMTP");
    let senders = LocalPool::create_at("demo-senders", &e2e::senders_endpoint(), true).await?;
    let ana = format!("{}@example.com", unique("ana"));
    senders.sign_up(&ana, &password()).await?;
    let mut received = Vec::new();
    for _ in 0..50 {
        received = e2e::smtp_messages_to(&ana)?;
        if !received.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let mail =
        received.first().ok_or("no e-mail reached the local SMTP server (make local-status: smtp, watch-senders)")?;
    outcome(&format!(
        "the SMTP server on 127.0.0.1:9025 received \"{}\" for {ana}: STARTTLS {}, authenticated as {}, Message-ID {}",
        mail["subject"].as_str().unwrap_or("?"),
        if mail["tls"] == true { "yes" } else { "no" },
        mail["authenticated_as"].as_str().unwrap_or("nobody"),
        mail["message_id"].as_str().unwrap_or("?"),
    ));
    outcome(
        "(cognito-local encrypted the code with KMS; custom-email-sender decrypted it and sent it once; the message is in .local/smtp/maildir)",
    );
    senders.delete().await;

    // Domain events (docs/events.md): the triggers put them on the local bus; the example listener
    // (a rule to an SQS queue, local/provision.py) received them.
    step("A listener on the event bus (a rule to an SQS queue) shows the domain events it received");
    let events = e2e::events::received_by_listener(&pool.pool_id, 1).await?;
    if events.is_empty() {
        return Err("the listener received no domain events: is EVENT_BUS_NAME set in local/functions.env?".into());
    }
    for event in &events {
        outcome(&e2e::events::describe(event));
    }
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
