//! Talking to the local user pool (cognito-local on 127.0.0.1:9229, started by `make local-up`),
//! which invokes the real trigger binaries. Used by the end-to-end tests and by `make demo`.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::BehaviorVersion;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::{Credentials, Region};
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ExplicitAuthFlowsType, UsernameAttributeType, VerifiedAttributeType,
};
use serde_json::Value;

pub mod binaries;
pub mod events;
pub mod lockout;
pub mod migration;
pub mod passwordless;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// cognito-local rewrites its shared `clients.json` without locking, so two pools created or
/// deleted at the same moment corrupt it. Tests in one binary run in parallel: they take turns here.
static POOL_CATALOGUE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Where cognito-local listens (`COGNITO_LOCAL_ENDPOINT`, default `http://127.0.0.1:9229`).
pub fn endpoint() -> String {
    std::env::var("COGNITO_LOCAL_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:9229".to_owned())
}

/// Where the custom e-mail sender's own cognito-local listens (`COGNITO_LOCAL_SENDERS_ENDPOINT`,
/// default `http://127.0.0.1:9230`): a pool with only CustomEmailSender wired (local/stack.sh).
pub fn senders_endpoint() -> String {
    std::env::var("COGNITO_LOCAL_SENDERS_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:9230".to_owned())
}

/// cognito-local's state folder (`LOCAL_STATE_DIR`, default `<repo>/.local`).
fn state_dir() -> PathBuf {
    std::env::var("LOCAL_STATE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.local"))
}

/// The messages the local SMTP server accepted for `address` (`<state>/smtp/messages.jsonl`,
/// local/smtp_server.py), oldest first. The same reader as `trigger_core::testing::smtp_messages_to`,
/// which the demo binary cannot use (trigger-core's `testing` feature is for dev-dependencies only).
pub fn smtp_messages_to(address: &str) -> Result<Vec<Value>, Error> {
    let journal = state_dir().join("smtp/messages.jsonl");
    let text = match std::fs::read_to_string(&journal) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err.into()),
    };
    let mut messages = Vec::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let message: Value = serde_json::from_str(line)?;
        if message["rcpt_tos"].as_array().is_some_and(|all| all.iter().any(|r| r == address)) {
            messages.push(message);
        }
    }
    Ok(messages)
}

/// The trigger → function map cognito-local was started with (`TriggerFunctions` of its
/// `.cognito/config.json`): global for every pool.
pub fn wired_triggers() -> Result<Value, Error> {
    let path = state_dir().join("cognito-local/.cognito/config.json");
    let config: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    Ok(config["TriggerFunctions"].clone())
}

/// A name no other run uses.
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{prefix}-{nanos:x}")
}

/// A password that meets cognito-local's default policy. Never printed.
pub fn password() -> String {
    format!("Aa1!{}", unique("pw"))
}

/// The error code and message of a failed call: what an app would show.
pub fn error_text<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    err: &SdkError<E, R>,
) -> (String, String) {
    match err {
        SdkError::ServiceError(service) => {
            (service.err().code().unwrap_or("?").to_owned(), service.err().message().unwrap_or_default().to_owned())
        }
        other => ("(no answer)".to_owned(), format!("{other:?}")),
    }
}

/// The claims of a JWT (its payload, base64url-decoded). Reading only: nothing is verified.
pub fn jwt_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&base64url_decode(payload)?).ok()
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// A fresh user pool in cognito-local that signs users in by e-mail address (the common
/// production set-up: Cognito then names each user by its `sub`), with an app client that allows
/// USER_PASSWORD_AUTH.
pub struct LocalPool {
    pub client: Client,
    pub pool_id: String,
    pub client_id: String,
}

impl LocalPool {
    pub async fn create(name: &str) -> Result<Self, Error> {
        Self::create_at(name, &endpoint(), false).await
    }

    /// The same, in the cognito-local at `endpoint` (e.g. [`senders_endpoint`]); with
    /// `auto_verify_email` the pool verifies e-mail addresses (`AutoVerifiedAttributes: email`),
    /// so that a sign-up sends its code through the pool's messaging (CustomEmailSender).
    pub async fn create_at(name: &str, endpoint: &str, auto_verify_email: bool) -> Result<Self, Error> {
        Self::create_with(name, endpoint, auto_verify_email, true).await
    }

    /// A pool with free-form user names (no `UsernameAttributes`), case-sensitive as CloudFormation
    /// creates a pool without `UsernameConfiguration`: `Jane.Doe` and `jane.doe` are two users.
    /// Its app client allows USER_PASSWORD_AUTH and CUSTOM_AUTH and prevents user-existence errors.
    pub async fn create_free_form(name: &str) -> Result<Self, Error> {
        let pool = Self::create_with(name, &endpoint(), false, false).await?;
        let _turn = POOL_CATALOGUE.lock().await;
        let app = pool
            .client
            .create_user_pool_client()
            .user_pool_id(&pool.pool_id)
            .client_name("e2e-free-form")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowCustomAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .prevent_user_existence_errors(
                aws_sdk_cognitoidentityprovider::types::PreventUserExistenceErrorTypes::Enabled,
            )
            .send()
            .await?;
        let client_id =
            app.user_pool_client().and_then(|c| c.client_id()).ok_or("CreateUserPoolClient returned no id")?.to_owned();
        Ok(Self { client_id, ..pool })
    }

    async fn create_with(name: &str, endpoint: &str, auto_verify_email: bool, by_email: bool) -> Result<Self, Error> {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("local", "local", None, None, "e2e"))
            .endpoint_url(endpoint)
            .load()
            .await;
        let client = Client::new(&config);
        let _turn = POOL_CATALOGUE.lock().await;
        let pool = client
            .create_user_pool()
            .pool_name(unique(name))
            // cognito-local fills absent (or empty: lodash merge) UsernameAttributes from its default,
            // e-mail, and then wants every user name to be an address. A free-form pool is asked for
            // as phone-number aliases instead: cognito-local checks no user name against those, and
            // looks names up byte for byte, as a case-sensitive Cognito pool does.
            .username_attributes(if by_email {
                UsernameAttributeType::Email
            } else {
                UsernameAttributeType::PhoneNumber
            })
            .set_auto_verified_attributes(auto_verify_email.then(|| vec![VerifiedAttributeType::Email]))
            .send()
            .await?;
        let pool_id = pool.user_pool().and_then(|p| p.id()).ok_or("CreateUserPool returned no id")?.to_owned();
        let app = client
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name("e2e")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await?;
        let client_id =
            app.user_pool_client().and_then(|c| c.client_id()).ok_or("CreateUserPoolClient returned no id")?.to_owned();
        Ok(Self { client, pool_id, client_id })
    }

    /// Signs up `user_name` (a free-form pool) with `email`, confirms the sign-up and marks the
    /// address verified (as Cognito's confirmation by e-mailed code does; cognito-local does not).
    pub async fn sign_up_confirmed_as(&self, user_name: &str, email: &str, password: &str) -> Result<String, Error> {
        let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build();
        let signed_up = self
            .client
            .sign_up()
            .client_id(&self.client_id)
            .username(user_name)
            .password(password)
            .user_attributes(attribute("email", email)?)
            .send()
            .await?;
        let code = self.confirmation_code(email)?;
        self.client
            .confirm_sign_up()
            .client_id(&self.client_id)
            .username(user_name)
            .confirmation_code(code)
            .send()
            .await?;
        self.client
            .admin_update_user_attributes()
            .user_pool_id(&self.pool_id)
            .username(user_name)
            .user_attributes(attribute("email", email)?)
            .user_attributes(attribute("email_verified", "true")?)
            .send()
            .await?;
        Ok(signed_up.user_sub().to_owned())
    }

    /// Signs up with the e-mail address as the user name.
    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
    ) -> Result<
        aws_sdk_cognitoidentityprovider::operation::sign_up::SignUpOutput,
        SdkError<aws_sdk_cognitoidentityprovider::operation::sign_up::SignUpError>,
    > {
        let address =
            AttributeType::builder().name("email").value(email).build().map_err(SdkError::construction_failure)?;
        self.client
            .sign_up()
            .client_id(&self.client_id)
            .username(email)
            .password(password)
            .user_attributes(address)
            .send()
            .await
    }

    /// The confirmation code cognito-local "sent" to `email`: it keeps it in its database file,
    /// under the user's `sub`.
    pub fn confirmation_code(&self, email: &str) -> Result<String, Error> {
        let path = state_dir().join("cognito-local/.cognito/db").join(format!("{}.json", self.pool_id));
        let db: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        let has_email = |user: &&Value| {
            user["Attributes"].as_array().is_some_and(|attributes| {
                attributes.iter().any(|a| a["Name"] == "email" && a["Value"].as_str() == Some(email))
            })
        };
        db["Users"]
            .as_object()
            .and_then(|users| users.values().find(has_email))
            .and_then(|user| user["ConfirmationCode"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| format!("no confirmation code for that address in {}", path.display()).into())
    }

    pub async fn confirm(&self, email: &str) -> Result<(), Error> {
        let code = self.confirmation_code(email)?;
        self.client.confirm_sign_up().client_id(&self.client_id).username(email).confirmation_code(code).send().await?;
        Ok(())
    }

    /// Signs in with USER_PASSWORD_AUTH and returns the ID token.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<String, Error> {
        let answer = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", password)
            .send()
            .await?;
        answer
            .authentication_result()
            .and_then(|r| r.id_token())
            .map(str::to_owned)
            .ok_or_else(|| "sign-in returned no ID token".into())
    }

    pub async fn delete(self) {
        // Best effort: a pool left behind only costs a file under .local.
        let _turn = POOL_CATALOGUE.lock().await;
        let _ = self.client.delete_user_pool().user_pool_id(&self.pool_id).send().await;
    }
}

/// Invokes function `name` through the local stack's Lambda Invoke API (the adapter,
/// `LAMBDA_ENDPOINT`, default `http://127.0.0.1:9001`) and returns its answer; a function error is
/// an error carrying the function's own error payload.
pub fn invoke_function(name: &str, event: &Value) -> Result<Value, Error> {
    use std::io::{Read, Write};
    let endpoint = std::env::var("LAMBDA_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:9001".to_owned());
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let body = event.to_string();
    let mut stream = std::net::TcpStream::connect(&host)?;
    // A first invocation may start (and so build) the function.
    stream.set_read_timeout(Some(std::time::Duration::from_secs(120)))?;
    write!(
        stream,
        "POST /2015-03-31/functions/{name}/invocations HTTP/1.0\r\nHost: {host}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or("no HTTP body in the adapter's answer")?;
    if !(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200")) {
        return Err(format!("{}: {body}", head.lines().next().unwrap_or_default()).into());
    }
    if head.to_ascii_lowercase().contains("x-amz-function-error") {
        return Err(format!("function error: {body}").into());
    }
    Ok(serde_json::from_str(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_jwt_payload() {
        // {"sub":"abc","email":"a@b.c"} base64url-encoded, without padding.
        let token = "h.eyJzdWIiOiJhYmMiLCJlbWFpbCI6ImFAYi5jIn0.s";
        assert_eq!(jwt_claims(token).unwrap(), serde_json::json!({ "sub": "abc", "email": "a@b.c" }));
        assert_eq!(jwt_claims("nodots"), None);
    }
}
