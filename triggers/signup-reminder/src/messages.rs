//! The two e-mails, as text and HTML. Every value placed into HTML is escaped here (the Mailer
//! port expects that of its callers).

use trigger_core::ports::Email;

use crate::settings::Settings;

pub use trigger_core::html::escape as escape_html;

/// "Please confirm": sent once, while the user is still unconfirmed.
pub fn reminder(settings: &Settings, to: &str) -> Email {
    let mut text = format!(
        "Hello,\n\nYou started signing up with {to} but have not confirmed your account yet. \
         Please enter the confirmation code we sent you to finish signing up.\n"
    );
    let mut html = format!(
        "<p>Hello,</p><p>You started signing up with <strong>{}</strong> but have not confirmed your account yet. \
         Please enter the confirmation code we sent you to finish signing up.</p>",
        escape_html(to)
    );
    if let Some(url) = &settings.signup_url {
        text.push_str(&format!("\nContinue here: {url}\n"));
        html.push_str(&format!("<p><a href=\"{}\">Continue signing up</a></p>", escape_html(url)));
    }
    let ignore = "If you did not sign up, ignore this message: the unconfirmed sign-up will be removed automatically.";
    text.push_str(&format!("\n{ignore}\n"));
    html.push_str(&format!("<p>{ignore}</p>"));
    email(settings, to, &settings.reminder_subject, text, html)
}

/// "Removed; you can sign up again": sent once, after the unconfirmed user was deleted.
pub fn expiry_notice(settings: &Settings, to: &str) -> Email {
    let again = match &settings.signup_url {
        Some(url) => (format!("You can sign up again at any time: {url}"), {
            format!("You can <a href=\"{}\">sign up again</a> at any time.", escape_html(url))
        }),
        None => ("You can sign up again at any time.".to_owned(), "You can sign up again at any time.".to_owned()),
    };
    let text = format!(
        "Hello,\n\nYour unconfirmed sign-up with {to} was removed because it was not confirmed in time. {}\n",
        again.0
    );
    let html = format!(
        "<p>Hello,</p><p>Your unconfirmed sign-up with <strong>{}</strong> was removed because it was not confirmed \
         in time. {}</p>",
        escape_html(to),
        again.1
    );
    email(settings, to, &settings.expiry_subject, text, html)
}

fn email(settings: &Settings, to: &str, subject: &str, text: String, html: String) -> Email {
    Email { from: settings.from.clone(), to: to.to_owned(), subject: subject.to_owned(), text, html: Some(html) }
}

#[cfg(test)]
mod tests {
    use trigger_core::Env;

    use super::*;

    fn settings(url: Option<&str>) -> Settings {
        let mut pairs = vec![("TABLE_NAME", "t"), ("REMINDER_EMAIL_FROM", "no-reply@example.com")];
        if let Some(url) = url {
            pairs.push(("SIGNUP_URL", url));
        }
        Settings::from_env(&Env::from_pairs(pairs)).unwrap()
    }

    #[test]
    fn values_are_escaped_in_html_and_plain_in_text() {
        let to = "o'neil+<b>@example.com";
        let email = reminder(&settings(Some("https://example.com/s?a=1&b=2")), to);
        let html = email.html.unwrap();
        assert!(html.contains("o&#39;neil+&lt;b&gt;@example.com"), "{html}");
        assert!(html.contains("href=\"https://example.com/s?a=1&amp;b=2\""), "{html}");
        assert!(!html.contains("<b>@"), "{html}");
        assert!(email.text.contains(to));
        assert!(email.text.contains("https://example.com/s?a=1&b=2"));
        assert_eq!(email.subject, "Please confirm your sign-up");
        assert_eq!(email.from, "no-reply@example.com");
    }

    #[test]
    fn the_notice_says_the_sign_up_was_removed_and_can_be_repeated() {
        let email = expiry_notice(&settings(None), "jane@example.com");
        assert!(email.text.contains("was removed"));
        assert!(email.text.contains("You can sign up again"));
        assert!(!email.html.unwrap().contains("href"), "no link without SIGNUP_URL");
        assert_eq!(escape_html(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
