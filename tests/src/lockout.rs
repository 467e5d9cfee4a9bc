//! The sign-in lockout as the end-to-end tests and the demo drive it: sign-in attempts that report
//! the error an app would see, the operator's `triggers-admin` command, and the profile row
//! post-authentication keeps in the table (moto).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use aws_config::BehaviorVersion;
use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::{Error, LocalPool, endpoint, error_text};

/// One USER_PASSWORD_AUTH sign-in: the ID token, or the (error code, message) the app receives.
pub async fn attempt_sign_in(pool: &LocalPool, email: &str, password: &str) -> Result<String, (String, String)> {
    let answer = pool
        .client
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", email)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map_err(|err| error_text(&err))?;
    answer
        .authentication_result()
        .and_then(|r| r.id_token())
        .map(str::to_owned)
        .ok_or_else(|| ("(no token)".to_owned(), "sign-in returned no ID token".to_owned()))
}

fn moto_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:4566".to_owned())
}

fn table_name() -> String {
    std::env::var("TABLE_NAME").unwrap_or_else(|_| "cognito-triggers-local".to_owned())
}

/// Runs the built `target/debug/triggers-admin` against the local stack (the table in moto, user
/// look-ups in the local pool) and returns what it printed.
pub fn triggers_admin(args: &[&str]) -> Result<String, Error> {
    let binary = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/triggers-admin");
    if !binary.is_file() {
        return Err(format!("{} is not built (cargo build -p triggers-admin)", binary.display()).into());
    }
    let output = Command::new(&binary)
        .args(args)
        .env("TABLE_NAME", table_name())
        .env("EVENT_BUS_NAME", crate::events::bus_name())
        .env("AWS_ENDPOINT_URL", moto_endpoint())
        .env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!("triggers-admin {args:?} failed: {}{text}", String::from_utf8_lossy(&output.stderr)).into());
    }
    Ok(text)
}

/// The profile row (`USER#<sub>` / `PROFILE`) as strings and numbers' text, read from moto.
pub async fn profile(sub: &str) -> Result<Option<HashMap<String, String>>, Error> {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "e2e"))
        .endpoint_url(moto_endpoint())
        .load()
        .await;
    let answer = aws_sdk_dynamodb::Client::new(&config)
        .get_item()
        .table_name(table_name())
        .key("pk", AttributeValue::S(format!("USER#{sub}")))
        .key("sk", AttributeValue::S("PROFILE".to_owned()))
        .consistent_read(true)
        .send()
        .await?;
    Ok(answer.item().map(|item| {
        item.iter()
            .map(|(k, v)| {
                let text = match v {
                    AttributeValue::S(s) | AttributeValue::N(s) => s.clone(),
                    AttributeValue::Bool(b) => b.to_string(),
                    other => format!("{other:?}"),
                };
                (k.clone(), text)
            })
            .collect()
    }))
}
