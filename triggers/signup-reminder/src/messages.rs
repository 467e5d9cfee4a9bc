//! The two e-mails, from the message catalogue (kinds `sign-up-reminder` and `sign-up-expired`)
//! in the user's language. The catalogue escapes every value in the HTML body (the Mailer port
//! expects that of its callers): the address, the name and the sign-up link.

use message_catalogue::{MessageKind, RenderError, Slot, Values};
use trigger_core::ports::{DirectoryUser, Email};

use crate::settings::Settings;

/// Whom an e-mail goes to: the address, and the directory's entry (gone for a notice after a
/// retry found the user deleted) for the language and the greeting.
#[derive(Clone, Copy, Debug)]
pub struct Recipient<'a> {
    pub to: &'a str,
    pub user: Option<&'a DirectoryUser>,
}

impl Recipient<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.user.and_then(|user| user.attribute(name)).filter(|v| !v.trim().is_empty())
    }
}

/// "Please confirm": sent once, while the user is still unconfirmed.
pub fn reminder(settings: &Settings, recipient: Recipient<'_>) -> Result<Email, RenderError> {
    compose(settings, recipient, MessageKind::SignUpReminder)
}

/// "Removed; you can sign up again": sent once, after the unconfirmed user was deleted.
pub fn expiry_notice(settings: &Settings, recipient: Recipient<'_>) -> Result<Email, RenderError> {
    compose(settings, recipient, MessageKind::SignUpExpired)
}

/// The language: the user's `locale` attribute, else the catalogue's default (`DEFAULT_LOCALE`):
/// the rule of every catalogue message, without client metadata (the state machine has none).
fn compose(settings: &Settings, recipient: Recipient<'_>, kind: MessageKind) -> Result<Email, RenderError> {
    let locale = settings.catalogue.locale_for([recipient.attribute("locale")]);
    let values = Values {
        link: settings.signup_url.clone().map(Slot::Text),
        name: recipient.attribute("name").or_else(|| recipient.attribute("given_name")).map(str::to_owned),
        email: Some(recipient.to.to_owned()),
        ..Values::default()
    };
    let message = settings.catalogue.render(locale, kind, &values)?;
    Ok(Email {
        from: settings.from.clone(),
        to: recipient.to.to_owned(),
        subject: message.subject,
        text: message.text,
        html: Some(message.html),
        // Sent through SES, which sets its own (the idempotency record keeps it to one send).
        message_id: None,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use trigger_core::Env;
    use trigger_core::ports::UserStatus;

    use super::*;

    fn settings(url: Option<&str>) -> Settings {
        let mut pairs = vec![("TABLE_NAME", "t"), ("REMINDER_EMAIL_FROM", "no-reply@example.com")];
        if let Some(url) = url {
            pairs.push(("SIGNUP_URL", url));
        }
        Settings::from_env(&Env::from_pairs(pairs)).unwrap()
    }

    fn user(attributes: &[(&str, &str)]) -> DirectoryUser {
        DirectoryUser {
            username: "u".into(),
            status: UserStatus::Unconfirmed,
            enabled: true,
            created_at: None,
            attributes: attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn values_are_escaped_in_html_and_plain_in_text() {
        let to = "o'neil+<b>@example.com";
        let someone = user(&[("name", "<img src=x onerror=alert(1)>")]);
        let email =
            reminder(&settings(Some("https://example.com/s?a=1&b=2")), Recipient { to, user: Some(&someone) }).unwrap();
        let html = email.html.unwrap();
        assert!(html.contains("o&#x27;neil+&lt;b&gt;@example.com"), "{html}");
        assert!(html.contains("href=\"https:&#x2f;&#x2f;example.com&#x2f;s?a=1&amp;b=2\""), "{html}");
        assert!(!html.contains("<b>@") && !html.contains("<img"), "{html}");
        assert!(email.text.contains(to));
        assert!(email.text.contains("<img src=x onerror=alert(1)>"), "text is plain: {}", email.text);
        assert!(email.text.contains("https://example.com/s?a=1&b=2"));
        assert_eq!(email.subject, "Please confirm your sign-up");
        assert_eq!(email.from, "no-reply@example.com");
        assert_eq!(email.to, to);
    }

    #[test]
    fn the_notice_says_the_sign_up_was_removed_and_can_be_repeated() {
        let email = expiry_notice(&settings(None), Recipient { to: "jane@example.com", user: None }).unwrap();
        assert_eq!(email.subject, "Your unconfirmed sign-up was removed");
        assert!(email.text.contains("was removed"));
        assert!(email.text.contains("You can sign up again"));
        assert!(!email.html.unwrap().contains("href"), "no link without SIGNUP_URL");
        let with_url = expiry_notice(
            &settings(Some("https://example.com/signup")),
            Recipient { to: "jane@example.com", user: None },
        )
        .unwrap();
        assert!(with_url.text.contains("You can sign up again at any time: https://example.com/signup"));
    }

    #[test]
    fn both_go_out_in_the_users_language_else_the_default() {
        let german = user(&[("locale", "de-AT"), ("given_name", "Jana")]);
        let to = "jana@example.com";
        let email = reminder(&settings(None), Recipient { to, user: Some(&german) }).unwrap();
        assert_eq!(email.subject, "Bitte bestätigen Sie Ihre Registrierung");
        assert!(email.text.starts_with("Hallo Jana,"), "{}", email.text);
        let email =
            expiry_notice(&settings(None), Recipient { to, user: Some(&user(&[("locale", "pt_BR")])) }).unwrap();
        assert_eq!(email.subject, "O seu cadastro não confirmado foi removido");
        let email = reminder(&settings(None), Recipient { to, user: Some(&user(&[("locale", "ja")])) }).unwrap();
        assert_eq!(email.subject, "Please confirm your sign-up", "a language the catalogue lacks: the default");
    }
}
