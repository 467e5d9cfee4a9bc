//! The custom senders' own delivery providers (issue 24): adapters of trigger-core's `Mailer`
//! and `SmsSender` ports for an SMTP server, SendGrid and Twilio. Each behind a feature, so a
//! sender compiles only the clients it can choose from.

#[cfg(feature = "smtp")]
pub mod smtp;

#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "sendgrid")]
pub mod sendgrid;
#[cfg(feature = "twilio")]
pub mod twilio;

/// An error and its causes on one line (`connect: tls: …`): the providers' clients nest the
/// reason a call failed several sources deep. Their error texts hold the server's reply, never
/// the message or the credentials.
#[cfg(any(feature = "smtp", feature = "http"))]
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `localhost`, or an IP address of the loopback network (`[::1]` as a URL writes it): the only
/// hosts a provider may be reached at without TLS (a local test server).
#[cfg(any(feature = "smtp", feature = "http"))]
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
