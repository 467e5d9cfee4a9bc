//! Passwordless sign-in by e-mailed code (CUSTOM_AUTH) as the end-to-end tests and the demo drive
//! it: the auth front (local/auth_front.py) runs define → create → verify, create-auth-challenge
//! sends the code through moto's SES, and the code is read back from moto's inspection API.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, PreventUserExistenceErrorTypes,
};
use serde_json::Value;

use crate::{Error, LocalPool, error_text};

/// What the pool answered to one step of a code sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Asked for the code: the session to answer with and the challenge parameters.
    Challenge { session: String, parameters: Vec<(String, String)> },
    /// Signed in: the ID token.
    Tokens(String),
}

/// An app client of `pool` that allows CUSTOM_AUTH and prevents user-existence errors (Cognito
/// then runs the custom-auth triggers for unknown user names too, with `userNotFound`).
pub async fn custom_auth_client(pool: &LocalPool) -> Result<String, Error> {
    let app = pool
        .client
        .create_user_pool_client()
        .user_pool_id(&pool.pool_id)
        .client_name("e2e-passwordless")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowCustomAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .send()
        .await?;
    Ok(app.user_pool_client().and_then(|c| c.client_id()).ok_or("CreateUserPoolClient returned no id")?.to_owned())
}

/// Marks the user's address verified (Cognito does so when the sign-up is confirmed by an e-mailed
/// code; cognito-local does not): create-auth-challenge sends codes to verified addresses only.
pub async fn verify_email(pool: &LocalPool, email: &str) -> Result<(), Error> {
    let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build();
    pool.client
        .admin_update_user_attributes()
        .user_pool_id(&pool.pool_id)
        .username(email)
        .user_attributes(attribute("email", email)?)
        .user_attributes(attribute("email_verified", "true")?)
        .send()
        .await?;
    Ok(())
}

fn step_of(
    name: Option<&ChallengeNameType>,
    session: Option<&str>,
    parameters: Option<&std::collections::HashMap<String, String>>,
    id_token: Option<&str>,
) -> Result<Step, (String, String)> {
    if let Some(token) = id_token {
        return Ok(Step::Tokens(token.to_owned()));
    }
    match (name, session) {
        (Some(ChallengeNameType::CustomChallenge), Some(session)) => {
            let mut parameters: Vec<(String, String)> =
                parameters.map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
            parameters.sort();
            Ok(Step::Challenge { session: session.to_owned(), parameters })
        }
        other => Err(("(unexpected answer)".to_owned(), format!("{other:?}"))),
    }
}

/// `InitiateAuth` with `AuthFlow=CUSTOM_AUTH`: the challenge, or the (error code, message) the app sees.
pub async fn start(pool: &LocalPool, client_id: &str, user_name: &str) -> Result<Step, (String, String)> {
    let answer = pool
        .client
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", user_name)
        .send()
        .await
        .map_err(|err| error_text(&err))?;
    step_of(
        answer.challenge_name(),
        answer.session(),
        answer.challenge_parameters(),
        answer.authentication_result().and_then(|r| r.id_token()),
    )
}

/// `RespondToAuthChallenge` with the code: the next challenge, the tokens, or the error.
pub async fn answer(
    pool: &LocalPool,
    client_id: &str,
    user_name: &str,
    session: &str,
    code: &str,
) -> Result<Step, (String, String)> {
    let answer = pool
        .client
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::CustomChallenge)
        .session(session)
        .challenge_responses("USERNAME", user_name)
        .challenge_responses("ANSWER", code)
        .send()
        .await
        .map_err(|err| error_text(&err))?;
    step_of(
        answer.challenge_name(),
        answer.session(),
        answer.challenge_parameters(),
        answer.authentication_result().and_then(|r| r.id_token()),
    )
}

fn moto_host() -> String {
    let url = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:4566".to_owned());
    url.trim_start_matches("http://").trim_end_matches('/').to_owned()
}

/// moto's whole state. Its dump fails (500) when a concurrent request changes an object while it
/// serialises: a few tries (as `trigger_core::testing`'s reader, which this crate does not link).
fn moto_data() -> Result<Value, Error> {
    let host = moto_host();
    for _ in 0..5 {
        let mut stream = TcpStream::connect(&host)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(stream, "GET /moto-api/data.json HTTP/1.0\r\nHost: {host}\r\n\r\n")?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let (head, body) = response.split_once("\r\n\r\n").ok_or("no HTTP body from moto")?;
        if head.contains(" 200 ") {
            return Ok(serde_json::from_str(body)?);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("moto's /moto-api/data.json kept failing".into())
}

/// Every message moto's SES holds whose text mentions `to`, oldest first.
pub fn mail_to(to: &str) -> Result<Vec<String>, Error> {
    let data = moto_data()?;
    Ok(data["ses"]["Message"]
        .as_array()
        .map(|all| all.iter().map(Value::to_string).filter(|m| m.contains(to)).collect())
        .unwrap_or_default())
}

/// The code in a sign-in-code e-mail: the digits after "sign-in code is" (the built-in English text).
pub fn code_in(message: &str) -> Option<String> {
    let (_, after) = message.split_once("sign-in code is")?;
    let digits: String = after.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// The codes of the sign-in-code e-mails to `to`, oldest first (other mail, the welcome e-mail
/// say, is left out).
pub fn codes_to(to: &str) -> Result<Vec<String>, Error> {
    Ok(mail_to(to)?.iter().filter_map(|m| code_in(m)).collect())
}

/// The code of the latest sign-in-code e-mail to `to`.
pub fn latest_code(to: &str) -> Result<String, Error> {
    codes_to(to)?.pop().ok_or_else(|| "no sign-in code e-mail in moto's SES".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_code_after_the_sentence() {
        assert_eq!(code_in(r#"{"Body":"Your sign-in code is 042917. Never share it."}"#).as_deref(), Some("042917"));
        assert_eq!(code_in("Your sign-in code is <strong>555123</strong>.").as_deref(), Some("555123"));
        assert_eq!(code_in("Welcome 123456"), None);
    }
}
