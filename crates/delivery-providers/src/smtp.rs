//! [`Mailer`] on an SMTP server of the operator's own (feature `smtp`), with lettre over tokio
//! and rustls (aws-lc-rs, the TLS stack the SDK clients already build).
//!
//! - Security (`SMTP_SECURITY`): `starttls` (default; the server must offer STARTTLS, or nothing
//!   is sent), `tls` (implicit TLS, port 465), `none` (plain text, accepted only for a loopback
//!   host: a code never crosses a network in clear).
//! - Certificates are verified against the platform's roots, read once at cold start
//!   (`SSL_CERT_FILE` / `SSL_CERT_DIR` honoured; on Lambda, the image's CA bundle), never the
//!   SDK's compiled-in Amazon roots: an SMTP server's certificate chains to a public CA or an
//!   organisation's own.
//! - Credentials (`SMTP_CREDENTIALS_SECRET`, optional): a Secrets Manager secret holding
//!   `{"username": …, "password": …}`, read at cold start, read again once when the server
//!   refuses them (AUTH PLAIN or LOGIN, whichever the server offers, only over TLS unless the
//!   host is a loopback one).
//! - Timeouts: `SMTP_CONNECT_TIMEOUT_MS` for the TCP connection, `SMTP_TIMEOUT_MS` for the whole
//!   exchange (connect, TLS, AUTH, MAIL, RCPT, DATA), both inside Cognito's budget.
//! - Failure classes (`PortErrorKind`): 4xx replies, connection, TLS and protocol failures are
//!   `Unavailable`, a timeout `Timeout` (transient: the invocation fails, Lambda retries); 530,
//!   534, 535 and 538 (authentication) are `Unauthorized` (transient, counted); every other 5xx
//!   reply — a refused recipient or message — is `Rejected`, a permanent refusal; so is an
//!   address lettre cannot write into a message.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use trigger_core::logging::Secret;
use trigger_core::ports::{
    Email, Mailer, PortError, PortErrorKind, RotatingSecret, SecretSource, SentEmail, json_object, text_field,
};
use trigger_core::{ConfigError, Env};

const SERVICE: &str = "smtp";
/// The setting naming the credentials' secret: what a bad secret's init error names.
pub const CREDENTIALS_SETTING: &str = "SMTP_CREDENTIALS_SECRET";

/// How the connection is protected (`SMTP_SECURITY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which the server must offer (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: a loopback host only.
    None,
}

impl SmtpSecurity {
    fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

/// The SMTP settings, read once at cold start. Names: docs/triggers/custom-email-sender.md.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpSettings {
    /// `SMTP_HOST` (required): the server's name, as its certificate names it.
    pub host: String,
    /// `SMTP_PORT`: default 587 (`starttls`), 465 (`tls`), 25 (`none`).
    pub port: u16,
    /// `SMTP_SECURITY`: `starttls` (default) | `tls` | `none` (loopback host only).
    pub security: SmtpSecurity,
    /// `SMTP_CREDENTIALS_SECRET`: the secret's name or ARN; none for a server without AUTH.
    pub credentials_secret: Option<String>,
    /// `SMTP_CONNECT_TIMEOUT_MS` (default 1000): the TCP connection.
    pub connect_timeout: Duration,
    /// `SMTP_TIMEOUT_MS` (default 3000): the whole exchange, connection included.
    pub timeout: Duration,
}

impl SmtpSettings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let host = env.required("SMTP_HOST")?.to_owned();
        if host.chars().any(|c| c.is_whitespace() || c == '/' || c == '@') {
            return Err(ConfigError::invalid("SMTP_HOST", &host, "must be a host name or an IP address"));
        }
        let security = env.choice(
            "SMTP_SECURITY",
            &[("starttls", SmtpSecurity::StartTls), ("tls", SmtpSecurity::Tls), ("none", SmtpSecurity::None)],
        )?;
        if security == SmtpSecurity::None && !crate::is_loopback(&host) {
            return Err(ConfigError::invalid(
                "SMTP_SECURITY",
                "none",
                format!("refused for {host}: plain text only to a loopback host (localhost, 127.0.0.1, ::1)"),
            ));
        }
        let settings = Self {
            port: env.number("SMTP_PORT", security.default_port(), 1..=65_535)?,
            credentials_secret: env.text(CREDENTIALS_SETTING).map(str::to_owned),
            connect_timeout: env.millis("SMTP_CONNECT_TIMEOUT_MS", 1_000, 50..=4_000)?,
            timeout: env.millis("SMTP_TIMEOUT_MS", 3_000, 100..=4_800)?,
            host,
            security,
        };
        if settings.connect_timeout > settings.timeout {
            return Err(ConfigError::invalid(
                "SMTP_CONNECT_TIMEOUT_MS",
                &settings.connect_timeout.as_millis().to_string(),
                "must not exceed SMTP_TIMEOUT_MS",
            ));
        }
        Ok(settings)
    }
}

/// The login in `SMTP_CREDENTIALS_SECRET`.
#[derive(Debug)]
pub struct SmtpLogin {
    username: String,
    password: Secret<String>,
}

fn parse_login(text: &str) -> Result<SmtpLogin, &'static str> {
    let fields = json_object(text)?;
    match (text_field(&fields, "username"), text_field(&fields, "password")) {
        (Some(username), Some(password)) => Ok(SmtpLogin { username: username.expose().clone(), password }),
        _ => Err("not JSON with a non-empty text \"username\" and \"password\""),
    }
}

pub struct SmtpMailer {
    settings: SmtpSettings,
    /// Built once: the roots are read and parsed at cold start, not per message.
    tls: Tls,
    login: Option<RotatingSecret<SmtpLogin>>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// Cold start: the TLS parameters (the platform's roots) and, when configured, the
    /// credentials from `secrets`. A secret that cannot be read or parsed fails init, naming
    /// `SMTP_CREDENTIALS_SECRET`.
    pub async fn new(settings: SmtpSettings, secrets: Arc<dyn SecretSource>) -> Result<Self, ConfigError> {
        Self::trusting(settings, secrets, None).await
    }

    /// As [`SmtpMailer::new`], trusting one more root (PEM) on top of the platform's: the tests'
    /// throwaway CA, without touching the process environment.
    pub async fn trusting(
        settings: SmtpSettings,
        secrets: Arc<dyn SecretSource>,
        extra_root_pem: Option<&[u8]>,
    ) -> Result<Self, ConfigError> {
        let tls = tls(&settings, extra_root_pem)?;
        let login = match &settings.credentials_secret {
            Some(id) => Some(RotatingSecret::load(secrets, CREDENTIALS_SETTING, id, parse_login).await?),
            None => None,
        };
        Ok(Self { settings, tls, login })
    }

    /// One SMTP exchange with `login`, within the whole-exchange timeout.
    async fn deliver(&self, message: &Message, login: Option<&SmtpLogin>) -> Result<SentEmail, PortError> {
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.settings.host.as_str())
            .port(self.settings.port)
            .tls(self.tls.clone())
            .timeout(Some(self.settings.connect_timeout))
            .hello_name(ClientId::Domain(hello_name(message)));
        if let Some(login) = login {
            transport = transport
                .credentials(Credentials::new(login.username.clone(), login.password.expose().clone()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        let transport = transport.build();
        match tokio::time::timeout(self.settings.timeout, transport.send(message.clone())).await {
            Ok(Ok(response)) => Ok(SentEmail { message_id: response.message().collect::<Vec<_>>().join(" ") }),
            Ok(Err(err)) => Err(port_error(&err)),
            Err(_) => Err(PortError::new(
                SERVICE,
                "send",
                PortErrorKind::Timeout,
                format!("no answer within SMTP_TIMEOUT_MS ({} ms)", self.settings.timeout.as_millis()),
            )),
        }
    }
}

/// The roots and the server name the certificate is checked against, once.
fn tls(settings: &SmtpSettings, extra_root_pem: Option<&[u8]>) -> Result<Tls, ConfigError> {
    if settings.security == SmtpSecurity::None {
        return Ok(Tls::None);
    }
    let mut parameters = TlsParameters::builder(settings.host.clone());
    if let Some(pem) = extra_root_pem {
        let root = Certificate::from_pem(pem)
            .map_err(|err| ConfigError::invalid("SMTP_HOST", &settings.host, format!("extra root refused: {err}")))?;
        parameters = parameters.add_root_certificate(root);
    }
    let parameters = parameters
        .build_rustls()
        .map_err(|err| ConfigError::invalid("SMTP_HOST", &settings.host, format!("no TLS configuration: {err}")))?;
    Ok(match settings.security {
        SmtpSecurity::Tls => Tls::Wrapper(parameters),
        _ => Tls::Required(parameters),
    })
}

/// What the client calls itself in EHLO: the sender's domain (Lambda's host name means nothing
/// to the server, and some refuse a bare `localhost`).
fn hello_name(message: &Message) -> String {
    message
        .envelope()
        .from()
        .map(|from| from.domain().to_owned())
        .filter(|domain| !domain.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// The MIME message: text, and HTML as its alternative; the delivery's Message-ID.
fn message(email: &Email) -> Result<Message, PortError> {
    let address = |field: &'static str, text: &str| {
        text.parse::<Mailbox>().map_err(|err| {
            PortError::new(SERVICE, "message", PortErrorKind::Rejected, format!("{field} is not an address: {err}"))
        })
    };
    let builder = Message::builder()
        .from(address("from", &email.from)?)
        .to(address("to", &email.to)?)
        .subject(email.subject.clone())
        .message_id(email.message_id.clone());
    let built = match &email.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(email.text.clone(), html.clone())),
        None => builder.singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone())),
    };
    built.map_err(|err| PortError::new(SERVICE, "message", PortErrorKind::Rejected, format!("not built: {err}")))
}

/// An SMTP failure in the terms of the failure policy (module docs).
fn port_error(err: &lettre::transport::smtp::Error) -> PortError {
    let code = err.status().map(u16::from);
    let kind = match code {
        Some(530 | 534 | 535 | 538) => PortErrorKind::Unauthorized,
        Some(500..=599) => PortErrorKind::Rejected,
        Some(_) => PortErrorKind::Unavailable,
        None if err.is_timeout() => PortErrorKind::Timeout,
        None => PortErrorKind::Unavailable,
    };
    // The server's reply text (a refused address is masked by the log writer); lettre's errors
    // hold neither the message nor the credentials.
    PortError::new(SERVICE, "send", kind, crate::error_chain(err))
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<SentEmail, PortError> {
        let message = message(email)?;
        match &self.login {
            None => self.deliver(&message, None).await,
            Some(login) => {
                login
                    .with_rotation(|login| {
                        let message = &message;
                        async move { self.deliver(message, Some(&login)).await }
                    })
                    .await
            }
        }
    }
}

#[cfg(test)]
mod tests;
