//! The mailer port (SESv2 in production).

use async_trait::async_trait;

use super::PortError;

/// One e-mail. Values placed into `html` must already be HTML-escaped by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Escapes the five characters that are special in HTML text and attribute values: every user
/// value placed into [`Email::html`] goes through this.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// What the mail service said about a sent message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentEmail {
    pub message_id: String,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one message. Not idempotent by itself: callers that may run twice claim an
    /// idempotency record in the store first.
    async fn send(&self, email: &Email) -> Result<SentEmail, PortError>;
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            super::escape_html(r#"<b>"Tom" & 'Jerry'</b>"#),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }
}
