//! The SMTP mailer against a scripted server on a loopback port (`SMTP_SECURITY=none`): the
//! failure classes, the credentials' re-read, the timeouts, the message. TLS and a real server
//! are the local stack's (triggers/custom-email-sender/tests/smtp_local_stack.rs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Mutex;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use trigger_core::fakes::FakeSecrets;

use super::*;

/// What the scripted server answers to a command (its first word), `None` for the default.
type Script = fn(&str) -> Option<&'static str>;

/// A loopback SMTP server that answers by `script`; records every command line and message.
struct ScriptedServer {
    port: u16,
    commands: Arc<Mutex<Vec<String>>>,
    messages: Arc<Mutex<Vec<String>>>,
}

impl ScriptedServer {
    async fn start(script: Script) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let commands = Arc::new(Mutex::new(Vec::new()));
        let messages = Arc::new(Mutex::new(Vec::new()));
        let (seen, received) = (commands.clone(), messages.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, received) = (seen.clone(), received.clone());
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 scripted ESMTP\r\n").await.unwrap();
                    while let Ok(Some(line)) = lines.next_line().await {
                        seen.lock().unwrap().push(line.clone());
                        let verb = line.split(' ').next().unwrap_or_default().to_ascii_uppercase();
                        let answer = match script(&verb) {
                            Some(answer) => answer.to_owned(),
                            None => match verb.as_str() {
                                "EHLO" => "250-scripted\r\n250 AUTH PLAIN LOGIN".to_owned(),
                                "AUTH" => "235 2.7.0 accepted".to_owned(),
                                "DATA" => {
                                    write.write_all(b"354 go on\r\n").await.unwrap();
                                    let mut body = String::new();
                                    while let Ok(Some(line)) = lines.next_line().await {
                                        if line == "." {
                                            break;
                                        }
                                        body.push_str(&line);
                                        body.push('\n');
                                    }
                                    received.lock().unwrap().push(body);
                                    "250 2.0.0 queued as A1".to_owned()
                                }
                                "QUIT" => "221 bye".to_owned(),
                                _ => "250 ok".to_owned(),
                            },
                        };
                        if answer == "hang" {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                        }
                        write.write_all(format!("{answer}\r\n").as_bytes()).await.unwrap();
                        if verb == "QUIT" {
                            break;
                        }
                    }
                });
            }
        });
        Self { port, commands, messages }
    }

    fn commands(&self) -> Vec<String> {
        self.commands.lock().unwrap().clone()
    }

    fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

fn settings(port: u16, secret: Option<&str>) -> SmtpSettings {
    let mut pairs = vec![
        ("SMTP_HOST", "127.0.0.1".to_owned()),
        ("SMTP_PORT", port.to_string()),
        ("SMTP_SECURITY", "none".to_owned()),
    ];
    if let Some(secret) = secret {
        pairs.push(("SMTP_CREDENTIALS_SECRET", secret.to_owned()));
    }
    SmtpSettings::from_env(&Env::from_pairs(pairs)).unwrap()
}

fn email() -> Email {
    Email {
        from: "no-reply@mail.example.com".into(),
        to: "jane.doe@example.com".into(),
        subject: "Your code".into(),
        text: "Your code is 123456".into(),
        html: Some("<p>Your code is <b>123456</b></p>".into()),
        message_id: Some("<9f86d081@mail.example.com>".into()),
    }
}

async fn mailer(server: &ScriptedServer, secrets: &Arc<FakeSecrets>) -> SmtpMailer {
    secrets.put("smtp-login", r#"{"username": "mailer", "password": "s3cret-pass"}"#);
    SmtpMailer::new(settings(server.port, Some("smtp-login")), secrets.clone()).await.unwrap()
}

#[test]
fn settings_default_by_security_and_refuse_plain_text_off_loopback() {
    let env = |pairs: &[(&str, &str)]| Env::from_pairs(pairs.iter().copied());
    let starttls = SmtpSettings::from_env(&env(&[("SMTP_HOST", "smtp.example.com")])).unwrap();
    assert_eq!((starttls.security, starttls.port, starttls.credentials_secret), (SmtpSecurity::StartTls, 587, None));
    assert_eq!(
        (starttls.connect_timeout, starttls.timeout),
        (Duration::from_millis(1_000), Duration::from_millis(3_000))
    );
    let tls = SmtpSettings::from_env(&env(&[("SMTP_HOST", "smtp.example.com"), ("SMTP_SECURITY", "tls")])).unwrap();
    assert_eq!(tls.port, 465);
    for host in ["localhost", "127.0.0.1", "::1", "[::1]", "127.3.4.5"] {
        let plain = SmtpSettings::from_env(&env(&[("SMTP_HOST", host), ("SMTP_SECURITY", "none")])).unwrap();
        assert_eq!((plain.security, plain.port), (SmtpSecurity::None, 25), "{host}");
    }
    for (pairs, variable) in [
        (&[("SMTP_HOST", "smtp.example.com"), ("SMTP_SECURITY", "none")][..], "SMTP_SECURITY"),
        (&[("SMTP_HOST", "10.0.0.7"), ("SMTP_SECURITY", "none")][..], "SMTP_SECURITY"),
        (&[("SMTP_HOST", "localhost.example.com"), ("SMTP_SECURITY", "none")][..], "SMTP_SECURITY"),
        (&[("SMTP_HOST", "smtp.example.com"), ("SMTP_SECURITY", "ssl")][..], "SMTP_SECURITY"),
        (&[("SMTP_HOST", "smtp.example.com"), ("SMTP_PORT", "0")][..], "SMTP_PORT"),
        (&[("SMTP_HOST", "smtp.example.com"), ("SMTP_TIMEOUT_MS", "9000")][..], "SMTP_TIMEOUT_MS"),
        (
            &[("SMTP_HOST", "smtp.example.com"), ("SMTP_CONNECT_TIMEOUT_MS", "2000"), ("SMTP_TIMEOUT_MS", "1000")][..],
            "SMTP_CONNECT_TIMEOUT_MS",
        ),
        (&[("SMTP_HOST", "smtp://smtp.example.com")][..], "SMTP_HOST"),
        (&[][..], "SMTP_HOST"),
    ] {
        assert_eq!(SmtpSettings::from_env(&env(pairs)).unwrap_err().variable(), variable, "{pairs:?}");
    }
}

#[tokio::test]
async fn a_bad_credentials_secret_fails_init_naming_the_setting_never_the_value() {
    let secrets = Arc::new(FakeSecrets::default());
    for text in [r#"{"username": "mailer"}"#, r#"{"username": "mailer", "password": 42424242}"#, "hunter2-plain"] {
        secrets.put("smtp-login", text);
        let err = SmtpMailer::new(settings(2525, Some("smtp-login")), secrets.clone()).await.unwrap_err();
        assert_eq!(err.variable(), CREDENTIALS_SETTING);
        let shown = err.to_string();
        assert!(!shown.contains("hunter2") && !shown.contains("42424242"), "{shown}");
    }
    let err = SmtpMailer::new(settings(2525, Some("no-such-secret")), secrets).await.unwrap_err();
    assert_eq!(err.variable(), CREDENTIALS_SETTING);
}

#[tokio::test]
async fn a_message_goes_out_with_auth_its_message_id_and_both_bodies() {
    let server = ScriptedServer::start(|_| None).await;
    let secrets = Arc::new(FakeSecrets::default());
    let mailer = mailer(&server, &secrets).await;
    let sent = mailer.send(&email()).await.unwrap();
    assert!(sent.message_id.contains("queued as A1"), "{sent:?}");
    let commands = server.commands();
    assert!(commands.iter().any(|c| c.starts_with("EHLO mail.example.com")), "{commands:?}");
    assert!(commands.iter().any(|c| c.starts_with("AUTH PLAIN ")), "{commands:?}");
    assert!(commands.iter().any(|c| c == "RCPT TO:<jane.doe@example.com>"), "{commands:?}");
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert!(message.contains("Message-ID: <9f86d081@mail.example.com>"), "{message}");
    assert!(message.contains("text/plain") && message.contains("text/html"), "{message}");
    assert!(message.contains("123456"), "{message}");
}

#[tokio::test]
async fn refused_credentials_are_read_again_once_then_unauthorized_and_nothing_is_sent() {
    let server =
        ScriptedServer::start(|verb| (verb == "AUTH").then_some("535 5.7.8 Authentication credentials invalid")).await;
    let secrets = Arc::new(FakeSecrets::default());
    let mailer = mailer(&server, &secrets).await;
    let err = mailer.send(&email()).await.unwrap_err();
    assert_eq!(err.kind, PortErrorKind::Unauthorized, "{err}");
    assert!(err.is_transient(), "the recipient was not refused");
    assert_eq!(secrets.reads(), 2, "cold start, then one re-read after the refusal");
    let auths = server.commands().iter().filter(|c| c.starts_with("AUTH")).count();
    assert_eq!(auths, 2, "tried with the old and the re-read credentials, no more");
    assert!(server.messages().is_empty());
    assert!(!err.to_string().contains("s3cret-pass"), "{err}");
}

#[tokio::test]
async fn a_refused_recipient_is_a_permanent_refusal_and_a_4xx_is_transient() {
    let refused =
        ScriptedServer::start(|verb| (verb == "RCPT").then_some("550 5.1.1 <jane.doe@example.com>: no such user"))
            .await;
    let secrets = Arc::new(FakeSecrets::default());
    let err = mailer(&refused, &secrets).await.send(&email()).await.unwrap_err();
    assert_eq!(err.kind, PortErrorKind::Rejected, "{err}");
    assert!(err.detail.contains("550"), "{err}");
    let busy = ScriptedServer::start(|verb| (verb == "MAIL").then_some("421 4.7.0 try again later")).await;
    let err = mailer(&busy, &secrets).await.send(&email()).await.unwrap_err();
    assert_eq!(err.kind, PortErrorKind::Unavailable, "{err}");
    let full = ScriptedServer::start(|verb| (verb == "DATA").then_some("552 5.3.4 message too big")).await;
    assert_eq!(mailer(&full, &secrets).await.send(&email()).await.unwrap_err().kind, PortErrorKind::Rejected);
    let mut bad = email();
    bad.to = "not an address".into();
    assert_eq!(mailer(&full, &secrets).await.send(&bad).await.unwrap_err().kind, PortErrorKind::Rejected);
}

#[tokio::test]
async fn a_server_that_stops_answering_or_is_not_there_is_transient_and_bounded() {
    let silent = ScriptedServer::start(|verb| (verb == "MAIL").then_some("hang")).await;
    let secrets = Arc::new(FakeSecrets::default());
    secrets.put("smtp-login", r#"{"username": "mailer", "password": "s3cret-pass"}"#);
    let env = Env::from_pairs([
        ("SMTP_HOST", "127.0.0.1".to_owned()),
        ("SMTP_PORT", silent.port.to_string()),
        ("SMTP_SECURITY", "none".to_owned()),
        ("SMTP_TIMEOUT_MS", "400".to_owned()),
        ("SMTP_CONNECT_TIMEOUT_MS", "200".to_owned()),
    ]);
    let mailer = SmtpMailer::new(SmtpSettings::from_env(&env).unwrap(), secrets.clone()).await.unwrap();
    let started = tokio::time::Instant::now();
    let err = mailer.send(&email()).await.unwrap_err();
    assert_eq!(err.kind, PortErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_millis(1_000), "{:?}", started.elapsed());

    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = SmtpMailer::new(settings(port, None), secrets).await.unwrap().send(&email()).await.unwrap_err();
    assert!(err.is_transient() && err.kind != PortErrorKind::Unauthorized, "{err}");
}
