//! [`SmsSender`] on Twilio's Programmable Messaging REST API (feature `twilio`).
//!
//! Followed: Twilio's Message resource, "Create a Message resource"
//! (<https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource>):
//! `POST {TWILIO_API_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic
//! authentication with the Account SID and Auth Token, a form body (`To`, `From` or
//! `MessagingServiceSid`, `Body`), `201 Created` with the new message's `sid`; and "Twilio API
//! responses" (<https://www.twilio.com/docs/usage/twilios-response>) with the error dictionary
//! (<https://www.twilio.com/docs/api/errors>): an error is JSON `{"code", "message", "more_info",
//! "status"}`, e.g. 400 / 21211 for a `To` that is no valid number, 401 / 20003 for bad
//! credentials, 429 / 20429 for too many requests.
//!
//! Failure classes: 429 throttled, 5xx / no connection unavailable, the request timeout a timeout
//! (all transient: the invocation fails and Lambda retries), 401 / 403 `Unauthorized` (the secret
//! is read again once and the message sent once more; a second refusal stays `Unauthorized`,
//! transient), any other 4xx `Rejected` (a permanent refusal of this message). An error text
//! carries the status, Twilio's numeric code and its documentation link, never Twilio's
//! `message` (it quotes the number), the number, the text or the credentials.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hyper::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use trigger_core::logging::Secret;
use trigger_core::ports::{PortError, RotatingSecret, SecretSource, SentSms, Sms, SmsSender, json_object, text_field};
use trigger_core::runtime::InitError;
use trigger_core::{ConfigError, Env};

use crate::http::{ApiUrl, Class, HttpTimeouts, HttpsClient, Reply, classify};

const SERVICE: &str = "twilio";
const OPERATION: &str = "CreateMessage";
const FORM: &str = "application/x-www-form-urlencoded";
pub const DEFAULT_API_URL: &str = "https://api.twilio.com";
pub const CREDENTIALS_SETTING: &str = "TWILIO_CREDENTIALS_SECRET";

/// Who the message is sent as: exactly one of `TWILIO_FROM` and `TWILIO_MESSAGING_SERVICE_SID`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TwilioSender {
    /// `From`: a Twilio number (E.164), a short code, or an alphanumeric sender id.
    From(String),
    /// `MessagingServiceSid` (`MG…`): Twilio picks the sender from the service's pool.
    MessagingService(String),
}

/// The Twilio settings, read once at cold start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwilioSettings {
    /// `TWILIO_CREDENTIALS_SECRET` (required): the Secrets Manager secret (name or ARN) holding
    /// `{"accountSid": "AC…", "authToken": "…"}`.
    pub credentials_secret: String,
    pub sender: TwilioSender,
    /// `TWILIO_API_URL` (default `https://api.twilio.com`).
    pub api_url: ApiUrl,
    /// `PROVIDER_CONNECT_TIMEOUT_MS`, `PROVIDER_REQUEST_TIMEOUT_MS`.
    pub timeouts: HttpTimeouts,
}

impl TwilioSettings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let credentials_secret = env.required(CREDENTIALS_SETTING)?.to_owned();
        let sender = match (env.text("TWILIO_FROM"), env.text("TWILIO_MESSAGING_SERVICE_SID")) {
            (Some(from), None) if is_sender(from) => TwilioSender::From(from.to_owned()),
            (Some(from), None) => {
                return Err(ConfigError::invalid(
                    "TWILIO_FROM",
                    from,
                    "expected an E.164 number (+14155550100), a short code or an alphanumeric sender id of up to 11 characters",
                ));
            }
            (None, Some(sid)) if is_sid(sid, "MG") => TwilioSender::MessagingService(sid.to_owned()),
            (None, Some(sid)) => {
                return Err(ConfigError::invalid(
                    "TWILIO_MESSAGING_SERVICE_SID",
                    sid,
                    "expected MG followed by 32 hexadecimal digits",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(ConfigError::invalid(
                    "TWILIO_FROM",
                    "(set)",
                    "set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID, not both",
                ));
            }
            (None, None) => return Err(ConfigError::Missing { variable: "TWILIO_FROM".to_owned() }),
        };
        Ok(Self {
            credentials_secret,
            sender,
            api_url: ApiUrl::from_env(env, "TWILIO_API_URL", DEFAULT_API_URL)?,
            timeouts: HttpTimeouts::from_env(env)?,
        })
    }
}

/// `AC…` / `MG…`: two letters and 32 hexadecimal digits.
fn is_sid(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|hex| hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_sender(text: &str) -> bool {
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let e164 = text.strip_prefix('+').is_some_and(|rest| (8..=15).contains(&rest.len()) && digits(rest));
    let short_code = (5..=6).contains(&text.len()) && digits(text);
    let alphanumeric = (1..=11).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        && text.chars().any(|c| c.is_ascii_alphabetic());
    e164 || short_code || alphanumeric
}

/// The account's credentials, from the secret.
pub struct TwilioCredentials {
    account_sid: String,
    auth_token: Secret<String>,
}

/// `{"accountSid": "AC…", "authToken": "…"}`. The reason never quotes the text.
pub fn parse_credentials(text: &str) -> Result<TwilioCredentials, &'static str> {
    let fields = json_object(text)?;
    let account_sid = text_field(&fields, "accountSid").ok_or("missing a text \"accountSid\"")?;
    let auth_token = text_field(&fields, "authToken").ok_or("missing a text \"authToken\"")?;
    if !is_sid(account_sid.expose(), "AC") {
        return Err("not holding an \"accountSid\" of AC and 32 hexadecimal digits");
    }
    Ok(TwilioCredentials { account_sid: account_sid.expose().clone(), auth_token })
}

fn basic_authorization(account_sid: &str, auth_token: &Secret<String>) -> Secret<String> {
    Secret::new(format!("Basic {}", BASE64.encode(format!("{account_sid}:{}", auth_token.expose()))))
}

/// Twilio's error body (the fields this adapter reads; `message` is left out on purpose).
#[derive(Deserialize)]
struct TwilioError {
    code: Option<i64>,
    more_info: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    sid: Option<String>,
}

/// The Twilio adapter of the SMS port.
pub struct TwilioSms {
    client: HttpsClient,
    api_url: ApiUrl,
    sender: TwilioSender,
    credentials: RotatingSecret<TwilioCredentials>,
}

impl std::fmt::Debug for TwilioSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioSms")
            .field("api_url", &self.api_url)
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

impl TwilioSms {
    /// Cold start: reads the credentials once (a missing or malformed secret fails init naming
    /// `TWILIO_CREDENTIALS_SECRET`) and the system's roots.
    pub async fn connect(settings: &TwilioSettings, secrets: Arc<dyn SecretSource>) -> Result<Self, InitError> {
        let credentials =
            RotatingSecret::load(secrets, CREDENTIALS_SETTING, &settings.credentials_secret, parse_credentials).await?;
        Ok(Self::new(HttpsClient::with_system_roots(settings.timeouts)?, settings, credentials))
    }

    /// With a client of the caller's (tests: other roots).
    pub fn new(client: HttpsClient, settings: &TwilioSettings, credentials: RotatingSecret<TwilioCredentials>) -> Self {
        Self { client, api_url: settings.api_url.clone(), sender: settings.sender.clone(), credentials }
    }

    async fn create_message(&self, credentials: Arc<TwilioCredentials>, sms: &Sms) -> Result<SentSms, PortError> {
        let uri = self.api_url.join(&format!("/2010-04-01/Accounts/{}/Messages.json", credentials.account_sid))?;
        let form = form_body(&self.sender, sms);
        let authorization = basic_authorization(&credentials.account_sid, &credentials.auth_token);
        let mut authorization = HeaderValue::from_str(authorization.expose()).map_err(|_| {
            PortError::new(SERVICE, OPERATION, trigger_core::ports::PortErrorKind::Unauthorized, "credentials unusable")
        })?;
        authorization.set_sensitive(true);
        let reply = self.client.post(SERVICE, uri, vec![(AUTHORIZATION, authorization)], FORM, form).await?;
        answer(&reply)
    }
}

/// `To`, `From` or `MessagingServiceSid`, `Body`, form-encoded.
fn form_body(sender: &TwilioSender, sms: &Sms) -> Vec<u8> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("To", &sms.to);
    match sender {
        TwilioSender::From(from) => form.append_pair("From", from),
        TwilioSender::MessagingService(sid) => form.append_pair("MessagingServiceSid", sid),
    };
    form.append_pair("Body", &sms.text);
    form.finish().into_bytes()
}

/// What Twilio's answer means.
fn answer(reply: &Reply) -> Result<SentSms, PortError> {
    let class = classify(reply.status);
    if class == Class::Sent {
        let sid = serde_json::from_slice::<Created>(&reply.body).ok().and_then(|created| created.sid);
        return Ok(SentSms { message_id: sid.unwrap_or_default() });
    }
    let error = serde_json::from_slice::<TwilioError>(&reply.body).ok();
    let code = error.as_ref().and_then(|e| e.code).map_or_else(|| "none".to_owned(), |code| code.to_string());
    let more_info = error.and_then(|e| e.more_info).unwrap_or_default();
    let detail = format!("HTTP {}, Twilio error {code} {more_info}", reply.status.as_u16());
    tracing::warn!(provider = SERVICE, status = reply.status.as_u16(), class = %class.kind(), code, "message not accepted");
    Err(PortError::new(SERVICE, OPERATION, class.kind(), detail.trim_end()))
}

#[async_trait]
impl SmsSender for TwilioSms {
    async fn send(&self, sms: &Sms) -> Result<SentSms, PortError> {
        self.credentials.with_rotation(|credentials| self.create_message(credentials, sms)).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::time::Duration;

    use rustls::RootCertStore;
    use trigger_core::fakes::FakeSecrets;
    use trigger_core::ports::PortErrorKind;

    use super::*;
    use crate::http::test_support::{Answer, SeenRequest, TestServer};

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const SERVICE_SID: &str = "MG0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "token-0123";
    const TEXT: &str = "Your code is 123456 & more";

    fn created() -> Answer {
        Answer::json(
            201,
            r#"{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","to":"+14155550123","body":"…"}"#,
        )
    }

    /// Twilio's documented error body for a bad `To` (it quotes the number in `message`).
    fn bad_number() -> Answer {
        Answer::json(
            400,
            r#"{"code":21211,"message":"The 'To' number +14155550123 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#,
        )
    }

    fn status(status: u16, code: i64) -> Answer {
        Answer::json(
            status,
            &format!(
                r#"{{"code":{code},"message":"said something","more_info":"https://www.twilio.com/docs/errors/{code}","status":{status}}}"#
            ),
        )
    }

    struct Rig {
        server: TestServer,
        secrets: Arc<FakeSecrets>,
        twilio: TwilioSms,
    }

    async fn rig(answers: Vec<Answer>, extra: &[(&str, &str)]) -> Rig {
        let server = TestServer::start(answers).await;
        let url = server.url("");
        let mut pairs = vec![("TWILIO_CREDENTIALS_SECRET", "twilio"), ("TWILIO_API_URL", url.as_str())];
        pairs.extend_from_slice(extra);
        if !extra.iter().any(|(name, _)| name.starts_with("TWILIO_")) {
            pairs.push(("TWILIO_FROM", "+14155550100"));
        }
        let settings = TwilioSettings::from_env(&Env::from_pairs(pairs)).unwrap();
        let secrets = Arc::new(FakeSecrets::default());
        secrets.put("twilio", &format!(r#"{{"accountSid":"{SID}","authToken":"{TOKEN}"}}"#));
        let credentials =
            RotatingSecret::load(secrets.clone(), CREDENTIALS_SETTING, "twilio", parse_credentials).await.unwrap();
        let client = HttpsClient::with_roots(RootCertStore::empty(), settings.timeouts).unwrap();
        Rig { server, secrets, twilio: TwilioSms::new(client, &settings, credentials) }
    }

    fn sms() -> Sms {
        Sms { to: "+14155550123".into(), text: TEXT.into() }
    }

    /// Every request as Twilio documents it: the path under the account, Basic authentication
    /// with the SID and token, a form body with `To`, the sender and `Body`.
    fn assert_documented(request: &SeenRequest, token: &str, sender: (&str, &str)) {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, format!("/2010-04-01/Accounts/{SID}/Messages.json"));
        let expected = format!("Basic {}", BASE64.encode(format!("{SID}:{token}")));
        assert_eq!(request.header("authorization"), Some(expected.as_str()));
        assert_eq!(request.header("content-type"), Some(FORM));
        let form = request.form();
        let names: Vec<&str> = form.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["To", sender.0, "Body"], "exactly these fields");
        assert_eq!(form[0].1, "+14155550123");
        assert_eq!(form[1].1, sender.1);
        assert_eq!(form[2].1, TEXT, "the text arrives intact (& and spaces encoded)");
    }

    #[tokio::test]
    async fn a_message_is_created_as_documented_and_its_sid_returned() {
        let rig = rig(vec![created()], &[]).await;
        let sent = rig.twilio.send(&sms()).await.unwrap();
        assert_eq!(sent.message_id, "SM0123456789abcdef0123456789abcdef");
        let requests = rig.server.requests();
        assert_eq!(requests.len(), 1);
        assert_documented(&requests[0], TOKEN, ("From", "+14155550100"));
    }

    #[tokio::test]
    async fn a_messaging_service_is_named_instead_of_a_sender() {
        let rig = rig(vec![created()], &[("TWILIO_MESSAGING_SERVICE_SID", SERVICE_SID)]).await;
        rig.twilio.send(&sms()).await.unwrap();
        assert_documented(&rig.server.requests()[0], TOKEN, ("MessagingServiceSid", SERVICE_SID));
    }

    #[tokio::test]
    async fn each_failure_falls_into_its_class_and_its_text_holds_no_number_text_or_token() {
        for (answer, kind, code) in [
            (status(429, 20429), PortErrorKind::Throttled, "20429"),
            (status(500, 20500), PortErrorKind::Unavailable, "20500"),
            (status(503, 20503), PortErrorKind::Unavailable, "20503"),
            (bad_number(), PortErrorKind::Rejected, "21211"),
            (status(404, 20404), PortErrorKind::Rejected, "20404"),
        ] {
            let rig = rig(vec![answer], &[]).await;
            let err = rig.twilio.send(&sms()).await.unwrap_err();
            assert_eq!(err.kind, kind, "{err}");
            let text = err.to_string();
            assert!(text.contains(code) && text.contains("twilio.com/docs/errors"), "{text}");
            for secret in ["4155550123", "123456", TOKEN, "said something"] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
            assert_eq!(rig.server.requests().len(), 1, "sent once, never repeated by the adapter");
            assert_eq!(rig.secrets.reads(), 1, "no re-read unless the credentials are refused");
        }
    }

    #[tokio::test]
    async fn refused_credentials_are_read_again_once_and_the_message_sent_with_the_new_token() {
        let rig = rig(vec![status(401, 20003), created()], &[]).await;
        rig.secrets.put("twilio", &format!(r#"{{"accountSid":"{SID}","authToken":"rotated"}}"#));
        rig.twilio.send(&sms()).await.unwrap();
        let requests = rig.server.requests();
        assert_eq!(requests.len(), 2);
        assert_documented(&requests[0], TOKEN, ("From", "+14155550100"));
        assert_documented(&requests[1], "rotated", ("From", "+14155550100"));
        assert_eq!(rig.secrets.reads(), 2);
    }

    #[tokio::test]
    async fn credentials_refused_twice_are_an_unauthorized_failure_after_one_reread() {
        let rig = rig(vec![status(401, 20003), status(403, 20003)], &[]).await;
        let err = rig.twilio.send(&sms()).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Unauthorized, "{err}");
        assert!(err.is_transient());
        assert!(!err.to_string().contains(TOKEN));
        assert_eq!((rig.server.requests().len(), rig.secrets.reads()), (2, 2));
    }

    #[tokio::test]
    async fn a_slow_twilio_is_a_timeout_within_the_request_timeout() {
        let rig = rig(
            vec![created().after(Duration::from_millis(1_500))],
            &[("PROVIDER_REQUEST_TIMEOUT_MS", "400"), ("PROVIDER_CONNECT_TIMEOUT_MS", "100"), ("TWILIO_FROM", "Acme")],
        )
        .await;
        let started = std::time::Instant::now();
        let err = rig.twilio.send(&sms()).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Timeout, "{err}");
        assert!(started.elapsed() < Duration::from_millis(1_000), "{:?}", started.elapsed());
    }

    #[test]
    fn settings_take_exactly_one_sender_and_fail_naming_the_variable() {
        let base = [("TWILIO_CREDENTIALS_SECRET", "arn:aws:secretsmanager:us-east-1:111122223333:secret:twilio")];
        let read = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = base.to_vec();
            pairs.extend_from_slice(extra);
            TwilioSettings::from_env(&Env::from_pairs(pairs))
        };
        let settings = read(&[("TWILIO_FROM", "+14155550100")]).unwrap();
        assert_eq!(settings.sender, TwilioSender::From("+14155550100".into()));
        assert_eq!(settings.api_url.uri().to_string(), "https://api.twilio.com/");
        for from in ["Acme", "Acme Inc", "12345"] {
            assert!(read(&[("TWILIO_FROM", from)]).is_ok(), "{from}");
        }
        assert_eq!(
            read(&[("TWILIO_MESSAGING_SERVICE_SID", SERVICE_SID)]).unwrap().sender,
            TwilioSender::MessagingService(SERVICE_SID.into())
        );
        for (extra, variable) in [
            (vec![], "TWILIO_FROM"),
            (vec![("TWILIO_FROM", "+14155550100"), ("TWILIO_MESSAGING_SERVICE_SID", SERVICE_SID)], "TWILIO_FROM"),
            (vec![("TWILIO_FROM", "TwelveLetter")], "TWILIO_FROM"),
            (vec![("TWILIO_FROM", "4155550100")], "TWILIO_FROM"),
            (vec![("TWILIO_MESSAGING_SERVICE_SID", "MG123")], "TWILIO_MESSAGING_SERVICE_SID"),
            (vec![("TWILIO_FROM", "Acme"), ("TWILIO_API_URL", "http://api.twilio.com")], "TWILIO_API_URL"),
        ] {
            assert_eq!(read(&extra).unwrap_err().variable(), variable, "{extra:?}");
        }
        let missing = TwilioSettings::from_env(&Env::from_pairs([("TWILIO_FROM", "Acme")])).unwrap_err();
        assert_eq!(missing.variable(), "TWILIO_CREDENTIALS_SECRET");
    }

    #[test]
    fn credentials_parse_from_the_documented_shape_and_errors_quote_nothing() {
        assert!(parse_credentials(&format!(r#"{{"accountSid":"{SID}","authToken":"t"}}"#)).is_ok());
        for bad in [
            "hunter2".to_owned(),
            format!(r#"{{"accountSid":"{SID}"}}"#),
            r#"{"accountSid":"hunter2","authToken":"t"}"#.to_owned(),
        ] {
            let Err(reason) = parse_credentials(&bad) else { panic!("{bad} accepted") };
            assert!(!reason.contains("hunter2"), "{reason}");
        }
    }
}
