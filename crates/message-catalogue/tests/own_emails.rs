//! The suite's own e-mails — the welcome e-mail (post-confirmation), the sign-up reminder and the
//! expiry notice (signup-reminder) — from the catalogue: every built-in locale, overrides,
//! hostile values, the filters a template may use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use message_catalogue::{BUILTIN_LOCALES, Catalogue, MessageKind, Slot, Values};
use support::Dir;

use crate::support;

const OWN: [MessageKind; 3] = [MessageKind::Welcome, MessageKind::SignUpReminder, MessageKind::SignUpExpired];

fn values(name: Option<&str>, link: Option<&str>) -> Values {
    Values {
        username: Some(Slot::Text("jane.doe".into())),
        name: name.map(str::to_owned),
        email: Some("jane@example.com".into()),
        link: link.map(|l| Slot::Text(l.to_owned())),
        ..Values::default()
    }
}

#[test]
fn every_own_email_renders_in_every_built_in_locale_with_and_without_name_and_link() {
    let catalogue = Catalogue::builtin("en").unwrap();
    for locale in BUILTIN_LOCALES {
        for kind in OWN {
            for (name, link) in [(Some("Jana"), Some("https://example.com/signup")), (None, None)] {
                let message = catalogue.render(locale, kind, &values(name, link)).unwrap();
                let at = format!("{locale}/{kind} name={name:?} link={link:?}");
                assert!(!message.subject.is_empty() && !message.subject.contains('\n'), "{at}");
                assert!(message.html.contains(&format!("<html lang=\"{locale}\">")), "{at}");
                assert!(message.html.contains(&format!("<title>{}</title>", message.subject)), "{at}");
                assert!(message.sms.is_empty(), "e-mail only: {at}");
                for body in [&message.html, &message.text] {
                    assert!(body.contains("jane@example.com"), "the address: {at}: {body}");
                    assert_eq!(body.contains("Jana"), name.is_some(), "the greeting: {at}: {body}");
                    assert!(!body.contains("none"), "an absent value printed: {at}: {body}");
                    if kind != MessageKind::Welcome {
                        let printed = body.contains("example.com&#x2f;signup") || body.contains("example.com/signup");
                        assert_eq!(printed, link.is_some(), "the sign-up link: {at}: {body}");
                    }
                }
                if let (Some(_), MessageKind::SignUpReminder | MessageKind::SignUpExpired) = (link, kind) {
                    assert!(message.html.contains("<a href=\"https:&#x2f;&#x2f;example.com&#x2f;signup\">"), "{at}");
                }
            }
        }
    }
}

#[test]
fn each_locale_speaks_its_own_language() {
    let catalogue = Catalogue::builtin("en").unwrap();
    let subject = |locale: &str, kind| catalogue.render(locale, kind, &values(None, None)).unwrap().subject;
    assert_eq!(subject("en", MessageKind::Welcome), "Welcome");
    assert_eq!(subject("de", MessageKind::Welcome), "Willkommen");
    assert_eq!(subject("pt", MessageKind::Welcome), "Boas-vindas");
    assert_eq!(subject("en", MessageKind::SignUpReminder), "Please confirm your sign-up");
    assert_eq!(subject("de", MessageKind::SignUpReminder), "Bitte bestätigen Sie Ihre Registrierung");
    assert_eq!(subject("pt", MessageKind::SignUpReminder), "Falta confirmar o seu cadastro");
    assert_eq!(subject("en", MessageKind::SignUpExpired), "Your unconfirmed sign-up was removed");
    assert_eq!(subject("de", MessageKind::SignUpExpired), "Ihre unbestätigte Registrierung wurde entfernt");
    assert_eq!(subject("pt", MessageKind::SignUpExpired), "O seu cadastro não confirmado foi removido");
    // The welcome text of earlier releases, word for word, when the user has no name.
    let welcome = catalogue.render("en", MessageKind::Welcome, &values(None, None)).unwrap();
    assert_eq!(welcome.text, "Hello there, welcome! Your account for jane@example.com is ready.");
}

#[test]
fn hostile_values_are_escaped_in_html_and_plain_in_text() {
    let catalogue = Catalogue::builtin("en").unwrap();
    let hostile = Values {
        name: Some("<script>alert(1)</script>".into()),
        email: Some("o'neil+\"<b>\"@example.com".into()),
        link: Some(Slot::Text("https://example.com/s?a=1&b=\"><script>".into())),
        username: Some(Slot::Text("{{ 7 * 7 }}".into())),
        ..Values::default()
    };
    for kind in OWN {
        let message = catalogue.render("en", kind, &hostile).unwrap();
        assert!(!message.html.contains("<script>") && !message.html.contains("<b>"), "{kind}: {}", message.html);
        assert!(message.html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "{kind}: {}", message.html);
        assert!(message.html.contains("o&#x27;neil+&quot;&lt;b&gt;&quot;@example.com"), "{kind}: {}", message.html);
        assert!(message.text.contains("<script>alert(1)</script>"), "text is plain: {kind}");
        assert!(!message.text.contains("49"), "a value is never run as template code: {kind}");
        if kind != MessageKind::Welcome {
            assert!(message.html.contains("a=1&amp;b=&quot;&gt;&lt;script&gt;"), "{kind}: {}", message.html);
            assert!(message.text.contains("https://example.com/s?a=1&b=\"><script>"), "{kind}");
        }
    }
}

#[test]
fn a_value_cannot_break_a_subject_into_two_header_lines() {
    let dir = Dir::new();
    dir.write("en/welcome.subject.txt", "Welcome, {{ name }}");
    let catalogue = dir.load().unwrap();
    let mut injected = values(Some("Jana\r\nBcc: everyone@example.com"), None);
    let err = catalogue.render("en", MessageKind::Welcome, &injected).unwrap_err();
    assert!(err.to_string().contains("a subject must be one line"), "{err}");
    injected.name = Some("Jana".into());
    assert_eq!(catalogue.render("en", MessageKind::Welcome, &injected).unwrap().subject, "Welcome, Jana");
}

#[test]
fn overrides_replace_the_built_in_texts_and_filters_work() {
    let dir = Dir::new();
    dir.write(
        "de/welcome.txt",
        "Servus {{ name | default(\"du\", true) | upper }}! {{ email | replace(\"@\", \" at \") }}",
    )
    .write("en/sign-up-reminder.subject.txt", "{{ \"  still there?  \" | trim | capitalize }}")
    .write("en/sign-up-expired.txt", "{{ \"gone FOR good\" | title }} {{ email | lower }} {{ link or \"\" }}");
    let catalogue = dir.load().unwrap();
    let welcome = catalogue.render("de", MessageKind::Welcome, &values(Some("Jana"), None)).unwrap();
    assert_eq!(welcome.text, "Servus JANA! jane at example.com");
    assert_eq!(welcome.subject, "Willkommen", "the parts not overridden stay built in");
    let nameless = catalogue.render("de", MessageKind::Welcome, &values(None, None)).unwrap();
    assert_eq!(nameless.text, "Servus DU! jane at example.com");
    let reminder = catalogue.render("en", MessageKind::SignUpReminder, &values(None, None)).unwrap();
    assert_eq!(reminder.subject, "Still there?");
    let expired = catalogue.render("en", MessageKind::SignUpExpired, &values(None, Some("https://x.example"))).unwrap();
    assert_eq!(expired.text, "Gone For Good jane@example.com https://x.example");
    assert_eq!(catalogue.origin("de/welcome.txt"), Some(dir.0.join("de/welcome.txt").to_str().unwrap()));
}

#[test]
fn mistakes_in_own_email_overrides_are_reported_with_file_and_line() {
    let dir = Dir::new();
    dir.write("en/welcome.sms.txt", "Welcome!")
        .write("en/welcome.txt", "Hello\n{{ name | no_such_filter }}")
        .write("en/sign-up-reminder.html", "{{ code }}")
        .write("fr/welcome.txt", "Bonjour {{ name }}");
    let text = dir.problems().to_string();
    let root = dir.0.display().to_string();
    assert!(text.contains(&format!("{root}/en/welcome.sms.txt: not a message template")), "no SMS part: {text}");
    assert!(text.contains("welcome, sign-up-reminder, sign-up-expired"), "the error names the kinds: {text}");
    assert!(text.contains(&format!("{root}/en/welcome.txt:2: unknown filter")), "{text}");
    assert!(text.contains(&format!("{root}/en/sign-up-reminder.html:1: undefined value")), "no code here: {text}");
    assert!(text.contains(&format!("{root}/fr/welcome.html: missing")), "{text}");
    assert!(!text.contains(&format!("{root}/fr/welcome.sms.txt")), "an SMS part is never required: {text}");
}

#[test]
fn the_locale_choice_for_own_emails_is_the_catalogues_rule() {
    let catalogue = Catalogue::builtin("de").unwrap();
    assert_eq!(catalogue.locale_for([Some("pt-BR"), Some("en")]), "pt");
    assert_eq!(catalogue.locale_for([None, Some("en-GB")]), "en", "the next preference");
    assert_eq!(catalogue.locale_for([Some("ja")]), "de", "else DEFAULT_LOCALE");
}
