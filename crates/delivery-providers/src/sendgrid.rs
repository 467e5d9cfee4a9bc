//! [`Mailer`] on SendGrid's v3 Mail Send API (feature `sendgrid`).
//!
//! Followed: "Mail Send API Overview" (<https://www.twilio.com/docs/sendgrid/api-reference/mail-send>:
//! base URL `https://api.sendgrid.com`, `https://api.eu.sendgrid.com` for EU subusers; the API key
//! as a Bearer token in `Authorization`), the Mail Send operation
//! (<https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send>: `POST /v3/mail/send`,
//! JSON body with `personalizations[].to[].email`, `from.email`, `subject`, `content[]` of
//! `{type, value}` with `text/plain` first and then `text/html`, `headers`; `202 Accepted` with an
//! empty body and the message's id in the `X-Message-Id` header), "Personalizations"
//! (<https://www.twilio.com/docs/sendgrid/for-developers/sending-email/personalizations>) and the
//! Mail Send errors (<https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors>: a
//! refusal is `{"errors": [{"message", "field", "help"}]}`).
//!
//! The delivery's `Message-ID` (`Email::message_id`) goes into `headers`, so that a receiving
//! system can drop a duplicate. Failure classes as every HTTP provider ([`crate::http::classify`]):
//! 429 throttled, 5xx / no connection unavailable, the request timeout a timeout (transient), 401 /
//! 403 `Unauthorized` (the key is read again once and the message sent once more), other 4xx
//! `Rejected` (permanent: bad recipient, unverified sender). An error text names the status and
//! the refused fields (`personalizations.0.to.0.email`), never SendGrid's `message` (it may quote
//! the address), the address, the text or the key.

use std::sync::Arc;

use async_trait::async_trait;
use hyper::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};
use trigger_core::logging::Secret;
use trigger_core::ports::{Email, Mailer, PortError, PortErrorKind, RotatingSecret, SecretSource, SentEmail};
use trigger_core::runtime::InitError;
use trigger_core::{ConfigError, Env};

use crate::http::{ApiUrl, Class, HttpTimeouts, HttpsClient, Reply, classify};

const SERVICE: &str = "sendgrid";
const OPERATION: &str = "MailSend";
const PATH: &str = "/v3/mail/send";
pub const DEFAULT_API_URL: &str = "https://api.sendgrid.com";
pub const KEY_SETTING: &str = "SENDGRID_API_KEY_SECRET";

/// The SendGrid settings, read once at cold start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendGridSettings {
    /// `SENDGRID_API_KEY_SECRET` (required): the Secrets Manager secret (name or ARN) holding the
    /// API key (the plain key, or JSON `{"apiKey": "…"}`), a key with the "Mail Send" permission.
    pub api_key_secret: String,
    /// `SENDGRID_API_URL` (default `https://api.sendgrid.com`; `https://api.eu.sendgrid.com` for
    /// EU subusers): the base URL, `/v3/mail/send` is appended.
    pub api_url: ApiUrl,
    /// `PROVIDER_CONNECT_TIMEOUT_MS`, `PROVIDER_REQUEST_TIMEOUT_MS`.
    pub timeouts: HttpTimeouts,
}

impl SendGridSettings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            api_key_secret: env.required(KEY_SETTING)?.to_owned(),
            api_url: ApiUrl::from_env(env, "SENDGRID_API_URL", DEFAULT_API_URL)?,
            timeouts: HttpTimeouts::from_env(env)?,
        })
    }
}

/// The API key from the secret: its whole text, or the `apiKey` field of a JSON object. The
/// reason never quotes the text.
pub fn parse_api_key(text: &str) -> Result<Secret<String>, &'static str> {
    let key = if text.trim_start().starts_with('{') {
        let fields = trigger_core::ports::json_object(text)?;
        trigger_core::ports::text_field(&fields, "apiKey").ok_or("a JSON object without a text \"apiKey\"")?
    } else {
        Secret::new(text.trim().to_owned())
    };
    let key_text = key.expose();
    if key_text.is_empty() {
        return Err("empty");
    }
    if !key_text.chars().all(|c| c.is_ascii_graphic()) {
        return Err("not an API key (spaces or characters an HTTP header cannot carry)");
    }
    Ok(key)
}

/// SendGrid's error body.
#[derive(Deserialize)]
struct Refusal {
    #[serde(default)]
    errors: Vec<RefusalItem>,
}

#[derive(Deserialize)]
struct RefusalItem {
    field: Option<String>,
}

/// The SendGrid adapter of the mailer port.
pub struct SendGridMailer {
    client: HttpsClient,
    api_url: ApiUrl,
    key: RotatingSecret<Secret<String>>,
}

impl std::fmt::Debug for SendGridMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendGridMailer").field("api_url", &self.api_url).finish_non_exhaustive()
    }
}

impl SendGridMailer {
    /// Cold start: reads the key once (a missing or malformed secret fails init naming
    /// `SENDGRID_API_KEY_SECRET`, never the value) and the system's roots.
    pub async fn connect(settings: &SendGridSettings, secrets: Arc<dyn SecretSource>) -> Result<Self, InitError> {
        let key = RotatingSecret::load(secrets, KEY_SETTING, &settings.api_key_secret, parse_api_key).await?;
        Ok(Self::new(HttpsClient::with_system_roots(settings.timeouts)?, settings, key))
    }

    /// With a client of the caller's (tests: other roots).
    pub fn new(client: HttpsClient, settings: &SendGridSettings, key: RotatingSecret<Secret<String>>) -> Self {
        Self { client, api_url: settings.api_url.clone(), key }
    }

    async fn mail_send(&self, key: Arc<Secret<String>>, body: Vec<u8>) -> Result<SentEmail, PortError> {
        let uri = self.api_url.join(PATH)?;
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
            .map_err(|_| PortError::new(SERVICE, OPERATION, PortErrorKind::Unauthorized, "API key unusable"))?;
        authorization.set_sensitive(true);
        let reply =
            self.client.post(SERVICE, uri, vec![(AUTHORIZATION, authorization)], "application/json", body).await?;
        answer(&reply)
    }
}

/// The v3 Mail Send body of `email`.
pub fn mail_send_body(email: &Email) -> Value {
    let mut content = vec![json!({ "type": "text/plain", "value": email.text })];
    if let Some(html) = &email.html {
        content.push(json!({ "type": "text/html", "value": html }));
    }
    let mut body = json!({
        "personalizations": [{ "to": [{ "email": email.to }] }],
        "from": address(&email.from),
        "subject": email.subject,
        "content": content,
    });
    if let Some(message_id) = &email.message_id {
        body["headers"] = json!({ "Message-ID": message_id });
    }
    body
}

/// `{"email"}`, or `{"email", "name"}` for `Name <address>`.
fn address(text: &str) -> Value {
    match text.trim().strip_suffix('>').and_then(|rest| rest.rsplit_once('<')) {
        Some((name, email)) if !name.trim().is_empty() => {
            json!({ "email": email.trim(), "name": name.trim().trim_matches('"') })
        }
        Some((_, email)) => json!({ "email": email.trim() }),
        None => json!({ "email": text.trim() }),
    }
}

/// What SendGrid's answer means.
fn answer(reply: &Reply) -> Result<SentEmail, PortError> {
    let class = classify(reply.status);
    if class == Class::Sent {
        let id = reply.headers.get("x-message-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
        return Ok(SentEmail { message_id: id.to_owned() });
    }
    let fields: Vec<String> = serde_json::from_slice::<Refusal>(&reply.body)
        .map(|refusal| refusal.errors.into_iter().filter_map(|item| item.field).collect())
        .unwrap_or_default();
    let fields = if fields.is_empty() { "none named".to_owned() } else { fields.join(", ") };
    tracing::warn!(provider = SERVICE, status = reply.status.as_u16(), class = %class.kind(), fields, "message not accepted");
    Err(PortError::new(SERVICE, OPERATION, class.kind(), format!("HTTP {}, fields: {fields}", reply.status.as_u16())))
}

#[async_trait]
impl Mailer for SendGridMailer {
    async fn send(&self, email: &Email) -> Result<SentEmail, PortError> {
        let body = serde_json::to_vec(&mail_send_body(email))
            .map_err(|err| PortError::new(SERVICE, OPERATION, PortErrorKind::Rejected, format!("body: {err}")))?;
        self.key.with_rotation(|key| self.mail_send(key, body.clone())).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::time::Duration;

    use rustls::RootCertStore;
    use trigger_core::fakes::FakeSecrets;

    use super::*;
    use crate::http::test_support::{Answer, SeenRequest, TestServer};

    const KEY: &str = "SG.test-key.0123";

    fn accepted() -> Answer {
        Answer::json(202, "").with_header("x-message-id", "sg-id-1")
    }

    /// SendGrid's documented refusal of a bad recipient (the message quotes the address).
    fn bad_recipient() -> Answer {
        Answer::json(
            400,
            r#"{"errors":[{"message":"Does not contain a valid address: jane@@example.com","field":"personalizations.0.to.0.email","help":"http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.personalizations.to"}]}"#,
        )
    }

    fn refusal(status: u16, message: &str) -> Answer {
        Answer::json(status, &format!(r#"{{"errors":[{{"message":"{message}","field":null,"help":null}}]}}"#))
    }

    struct Rig {
        server: TestServer,
        secrets: Arc<FakeSecrets>,
        mailer: SendGridMailer,
    }

    async fn rig(answers: Vec<Answer>, extra: &[(&str, &str)]) -> Rig {
        let server = TestServer::start(answers).await;
        let url = server.url("");
        let mut pairs = vec![("SENDGRID_API_KEY_SECRET", "sendgrid"), ("SENDGRID_API_URL", url.as_str())];
        pairs.extend_from_slice(extra);
        let settings = SendGridSettings::from_env(&Env::from_pairs(pairs)).unwrap();
        let secrets = Arc::new(FakeSecrets::default());
        secrets.put("sendgrid", KEY);
        let key = RotatingSecret::load(secrets.clone(), KEY_SETTING, "sendgrid", parse_api_key).await.unwrap();
        let client = HttpsClient::with_roots(RootCertStore::empty(), settings.timeouts).unwrap();
        Rig { server, secrets, mailer: SendGridMailer::new(client, &settings, key) }
    }

    fn email() -> Email {
        Email {
            from: "no-reply@example.com".into(),
            to: "jane@example.com".into(),
            subject: "Your code".into(),
            text: "Your code is 123456".into(),
            html: Some("<p>Your code is <b>123456</b></p>".into()),
            message_id: Some("<9f86d081@example.com>".into()),
        }
    }

    /// Every request as SendGrid documents it.
    fn assert_documented(request: &SeenRequest, key: &str) {
        assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/v3/mail/send"));
        assert_eq!(request.header("authorization"), Some(format!("Bearer {key}").as_str()));
        assert_eq!(request.header("content-type"), Some("application/json"));
        let body = request.json();
        assert_eq!(
            body,
            json!({
                "personalizations": [{ "to": [{ "email": "jane@example.com" }] }],
                "from": { "email": "no-reply@example.com" },
                "subject": "Your code",
                "content": [
                    { "type": "text/plain", "value": "Your code is 123456" },
                    { "type": "text/html", "value": "<p>Your code is <b>123456</b></p>" },
                ],
                "headers": { "Message-ID": "<9f86d081@example.com>" },
            })
        );
    }

    #[tokio::test]
    async fn a_message_is_sent_as_documented_and_its_id_returned() {
        let rig = rig(vec![accepted()], &[]).await;
        let sent = rig.mailer.send(&email()).await.unwrap();
        assert_eq!(sent.message_id, "sg-id-1");
        let requests = rig.server.requests();
        assert_eq!(requests.len(), 1);
        assert_documented(&requests[0], KEY);
    }

    #[test]
    fn a_text_only_message_has_one_content_and_no_headers_without_an_id() {
        let plain = Email { html: None, message_id: None, from: "Acme <no-reply@example.com>".into(), ..email() };
        let body = mail_send_body(&plain);
        assert_eq!(body["content"], json!([{ "type": "text/plain", "value": "Your code is 123456" }]));
        assert_eq!(body["from"], json!({ "email": "no-reply@example.com", "name": "Acme" }));
        assert!(body.get("headers").is_none());
    }

    #[tokio::test]
    async fn each_failure_falls_into_its_class_and_its_text_holds_no_address_code_or_key() {
        for (answer, kind, field) in [
            (refusal(429, "too many requests"), PortErrorKind::Throttled, "none named"),
            (refusal(500, "internal error"), PortErrorKind::Unavailable, "none named"),
            (Answer::json(503, "upstream down"), PortErrorKind::Unavailable, "none named"),
            (bad_recipient(), PortErrorKind::Rejected, "personalizations.0.to.0.email"),
            (refusal(413, "payload too large"), PortErrorKind::Rejected, "none named"),
        ] {
            let rig = rig(vec![answer], &[]).await;
            let err = rig.mailer.send(&email()).await.unwrap_err();
            assert_eq!(err.kind, kind, "{err}");
            let text = err.to_string();
            assert!(text.contains(field), "{text}");
            for secret in ["jane", "123456", KEY, "valid address"] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
            assert_eq!((rig.server.requests().len(), rig.secrets.reads()), (1, 1));
        }
    }

    #[tokio::test]
    async fn a_refused_key_is_read_again_once_and_the_message_sent_with_the_new_key() {
        let rig = rig(vec![refusal(401, "authorization required"), accepted()], &[]).await;
        rig.secrets.put("sendgrid", r#"{"apiKey": "SG.rotated"}"#);
        rig.mailer.send(&email()).await.unwrap();
        let requests = rig.server.requests();
        assert_eq!(requests.len(), 2);
        assert_documented(&requests[0], KEY);
        assert_documented(&requests[1], "SG.rotated");
        assert_eq!(rig.secrets.reads(), 2);
    }

    #[tokio::test]
    async fn a_key_refused_twice_is_an_unauthorized_failure_after_one_reread() {
        let rig = rig(vec![refusal(401, "no"), refusal(403, "no")], &[]).await;
        let err = rig.mailer.send(&email()).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Unauthorized, "{err}");
        assert!(err.is_transient() && !err.to_string().contains(KEY));
        assert_eq!((rig.server.requests().len(), rig.secrets.reads()), (2, 2));
    }

    #[tokio::test]
    async fn a_slow_sendgrid_is_a_timeout_within_the_request_timeout() {
        let slow = vec![accepted().after(Duration::from_millis(1_500))];
        let rig = rig(slow, &[("PROVIDER_REQUEST_TIMEOUT_MS", "400"), ("PROVIDER_CONNECT_TIMEOUT_MS", "100")]).await;
        let started = std::time::Instant::now();
        let err = rig.mailer.send(&email()).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Timeout, "{err}");
        assert!(started.elapsed() < Duration::from_millis(1_000), "{:?}", started.elapsed());
    }

    #[test]
    fn settings_default_to_the_public_endpoint_and_fail_naming_the_variable() {
        let settings = SendGridSettings::from_env(&Env::from_pairs([("SENDGRID_API_KEY_SECRET", "sg")])).unwrap();
        assert_eq!(settings.api_url.join(PATH).unwrap().to_string(), "https://api.sendgrid.com/v3/mail/send");
        assert_eq!(SendGridSettings::from_env(&Env::default()).unwrap_err().variable(), "SENDGRID_API_KEY_SECRET");
        let plain =
            Env::from_pairs([("SENDGRID_API_KEY_SECRET", "sg"), ("SENDGRID_API_URL", "http://api.sendgrid.com")]);
        assert_eq!(SendGridSettings::from_env(&plain).unwrap_err().variable(), "SENDGRID_API_URL");
    }

    #[test]
    fn keys_parse_plain_or_as_json_and_errors_quote_nothing() {
        assert_eq!(parse_api_key(" SG.abc \n").unwrap().expose(), "SG.abc");
        assert_eq!(parse_api_key(r#"{"apiKey":"SG.abc"}"#).unwrap().expose(), "SG.abc");
        for bad in ["", "  ", "SG.hunter2 with spaces", r#"{"key":"SG.hunter2"}"#] {
            let Err(reason) = parse_api_key(bad) else { panic!("{bad:?} accepted") };
            assert!(!reason.contains("hunter2"), "{reason}");
        }
    }
}
