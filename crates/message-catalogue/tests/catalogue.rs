//! The catalogue as the triggers and `make check-templates` use it: built-in templates, locale
//! fallbacks, escaping, and override directories with every kind of mistake.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::fs;
use std::path::Path;

use message_catalogue::{BUILTIN_LOCALES, Catalogue, CatalogueError, MessageKind, Notice, Slot, Values};
use support::Dir;

use crate::support;

fn builtin() -> Catalogue {
    Catalogue::builtin("en").unwrap()
}

fn placeholders(kind: MessageKind) -> Values {
    Values {
        code: kind.needs_code().then(|| Slot::Placeholder("{####}".into())),
        username: Some(Slot::Placeholder("{username}".into())),
        ..Values::default()
    }
}

#[test]
fn the_built_in_catalogue_has_every_kind_in_every_locale_and_nothing_unlisted() {
    let catalogue = builtin();
    assert_eq!(catalogue.locales().collect::<Vec<_>>(), ["de", "en", "pt"]);
    // 8 kinds × 4 parts and 3 e-mail-only kinds × 3 parts, × 3 locales, and the shared layout.
    assert_eq!(catalogue.template_count(), (8 * 4 + 3 * 3) * 3 + 1);
    let on_disk: usize = ["de", "en", "pt"]
        .iter()
        .map(|l| fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates").join(l)).unwrap().count())
        .sum();
    assert_eq!(on_disk, (8 * 4 + 3 * 3) * 3, "a template file exists that the built-in list does not compile in");
    assert_eq!(BUILTIN_LOCALES.len(), 3);
}

#[test]
fn every_built_in_message_carries_cognitos_placeholders_within_the_limits() {
    let catalogue = builtin();
    for locale in BUILTIN_LOCALES {
        for kind in MessageKind::ALL {
            let message = catalogue.render(locale, kind, &placeholders(kind)).unwrap();
            assert!(!message.subject.is_empty() && !message.subject.contains('\n'), "{locale}/{kind}");
            assert!(message.html.starts_with("<!DOCTYPE html>"), "{locale}/{kind}");
            assert!(message.html.contains(&format!("<html lang=\"{locale}\">")), "{locale}/{kind}");
            assert!(message.html.contains(&format!("<title>{}</title>", message.subject)), "{locale}/{kind}");
            for body in [&message.html, &message.text, &message.sms] {
                assert_eq!(body.contains("{####}"), kind.needs_code(), "{locale}/{kind}: {body}");
                if kind == MessageKind::AdminInvitation {
                    assert!(body.contains("{username}"), "{locale}/{kind}: {body}");
                }
            }
            assert!(message.sms.chars().count() <= 140, "{locale}/{kind}");
            assert!(message.html.chars().count() <= 20_000, "{locale}/{kind}");
        }
    }
    let de = catalogue.render("de", MessageKind::SignUp, &placeholders(MessageKind::SignUp)).unwrap();
    assert_eq!(de.subject, "Bestätigen Sie Ihre Registrierung");
    assert_eq!(de.sms, "Ihr Bestätigungscode lautet {####}");
    assert!(de.text.starts_with("Hallo,\n\nvielen Dank"), "{}", de.text);
}

#[test]
fn a_verification_link_replaces_the_code_where_the_message_offers_one() {
    let catalogue = builtin();
    let values = Values {
        link: Some(Slot::Placeholder("{##Verify \"my\" e-mail & go##}".into())),
        ..placeholders(MessageKind::SignUp)
    };
    let message = catalogue.render("en", MessageKind::SignUp, &values).unwrap();
    // A Cognito placeholder reaches Cognito verbatim, even in HTML, or Cognito cannot swap it.
    assert!(message.html.contains("Confirm your e-mail address here: {##Verify \"my\" e-mail & go##}"));
    assert!(!message.html.contains("{####}"));
    // The forgot-password message always sends the code.
    let reset = catalogue.render("en", MessageKind::ForgotPassword, &values).unwrap();
    assert!(reset.html.contains("<strong>{####}</strong>"));
}

#[test]
fn hostile_names_are_escaped_in_html_and_never_interpreted_anywhere() {
    let catalogue = builtin();
    let values = Values {
        name: Some("<script>alert(1)</script> {{ 7*7 }} {% if true %}x{% endif %}".into()),
        ..placeholders(MessageKind::SignUp)
    };
    let message = catalogue.render("en", MessageKind::SignUp, &values).unwrap();
    assert!(message.html.contains("Hello &lt;script&gt;alert(1)&lt;&#x2f;script&gt; {{ 7*7 }} {% if true %}x"));
    assert!(!message.html.contains("<script>"));
    assert!(!message.html.contains("49"));
    assert!(message.text.starts_with("Hello <script>alert(1)</script> {{ 7*7 }} {% if true %}x{% endif %},"));
}

#[test]
fn real_values_are_escaped_in_html_and_still_count_as_printed() {
    let catalogue = builtin();
    let values = Values {
        code: Some(Slot::Text("a<b&c".into())),
        username: Some(Slot::Text("jane\"doe".into())),
        ..Values::default()
    };
    let message = catalogue.render("en", MessageKind::AdminInvitation, &values).unwrap();
    assert!(message.html.contains("<strong>a&lt;b&amp;c</strong>"));
    assert!(message.html.contains("<strong>jane&quot;doe</strong>"));
    assert!(message.text.contains("Temporary password: a<b&c"));
}

fn notice(action: &str) -> Notice {
    Notice {
        action: action.into(),
        login_time: Some("Mon Dec 07 20:40:16 UTC 2026".into()),
        ip_address: Some("192.0.2.44".into()),
        city: Some("Lisbon".into()),
        country: None,
        device: Some("Chrome <b>130</b>, Windows".into()),
        link_was_me: Some("https://cognito-idp.example/feedback?valid=true&token=T0K\"EN".into()),
        link_was_not_me: Some("https://cognito-idp.example/feedback?valid=false&token=T0K\"EN".into()),
    }
}

#[test]
fn the_takeover_notice_says_what_was_done_when_where_and_offers_both_links_escaped_in_every_locale() {
    let catalogue = builtin();
    for locale in BUILTIN_LOCALES {
        let mut texts = Vec::new();
        for action in Notice::ACTIONS {
            let values = Values { notice: Some(notice(action)), ..Values::default() };
            let message = catalogue.render(locale, MessageKind::AccountTakeover, &values).unwrap();
            for wanted in ["Mon Dec 07 20:40:16 UTC 2026", "192.0.2.44", "Lisbon"] {
                assert!(message.text.contains(wanted) && message.html.contains(wanted), "{locale} {action}: {wanted}");
            }
            assert!(!message.text.contains("Lisbon,"), "{locale}: no country, no dangling comma");
            assert!(message.text.contains("valid=true&token=T0K\"EN"), "{locale}: the text body as given");
            assert!(message.text.contains("valid=false&token=T0K\"EN"), "{locale}");
            // In HTML every value is escaped: the links' `&` and `"`, the device's markup.
            assert!(message.html.contains("valid=true&amp;token=T0K&quot;EN"), "{locale}: {}", message.html);
            assert!(message.html.contains("valid=false&amp;token=T0K&quot;EN"), "{locale}");
            assert!(!message.html.contains("<b>130") && message.html.contains("&lt;b&gt;130"), "{locale}");
            assert!(
                message.sms.contains("192.0.2.44") && message.sms.chars().count() <= 140,
                "{locale}: {}",
                message.sms
            );
            assert!(!message.sms.contains("https://"), "{locale}: no link fits an SMS");
            texts.push(message.text);
        }
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), 4, "{locale}: BLOCK, MFA / MFA_REQUIRED (alike), MFA_IF_CONFIGURED, NO_ACTION differ");
        let unknown = Values { notice: Some(notice("SOMETHING_NEW")), ..Values::default() };
        let no_action = Values { notice: Some(notice("NO_ACTION")), ..Values::default() };
        assert_eq!(
            catalogue.render(locale, MessageKind::AccountTakeover, &unknown).unwrap().text,
            catalogue.render(locale, MessageKind::AccountTakeover, &no_action).unwrap().text,
            "{locale}: an action this build does not know claims nothing"
        );
    }
}

#[test]
fn a_notice_field_longer_than_its_limit_is_cut_and_a_link_too_long_is_dropped() {
    let catalogue = builtin();
    let long = Notice {
        login_time: Some("9".repeat(500)),
        ip_address: Some("f".repeat(500)),
        link_was_me: Some(format!("https://example.com/{}", "x".repeat(5000))),
        ..notice("BLOCK")
    };
    let values = Values { notice: Some(long), ..Values::default() };
    let message = catalogue.render("de", MessageKind::AccountTakeover, &values).unwrap();
    assert!(message.sms.chars().count() <= 140, "{}", message.sms);
    assert!(message.text.contains(&format!("{}…", "9".repeat(Notice::FIELD_LIMITS.time - 1))));
    assert!(!message.text.contains("xxxxx"), "an over-long link is left out, not cut");
    assert!(message.text.contains("valid=false"), "the other link stays");
}

#[test]
fn a_takeover_override_without_the_feedback_links_or_that_prints_them_in_another_kind_is_refused() {
    let dir = Dir::new();
    dir.write("en/account-takeover.txt", "Unusual sign-in at {{ login_time }}.\n")
        .write("en/sign-in-code.txt", "{{ code }} {{ link_was_me }}\n");
    let problems = dir.problems().to_string();
    assert!(problems.contains("en/account-takeover.txt: does not print {{ link_was_me }}"), "{problems}");
    assert!(problems.contains("en/sign-in-code.txt:1: undefined value"), "{problems}");
}

#[test]
fn locale_comes_from_the_first_preference_the_catalogue_has() {
    let catalogue = builtin();
    assert_eq!(catalogue.locale_for([Some("de"), Some("pt")]), "de");
    assert_eq!(catalogue.locale_for([Some("pt-BR"), Some("de")]), "pt");
    assert_eq!(catalogue.locale_for([Some("pt_br")]), "pt");
    assert_eq!(catalogue.locale_for([Some("fr"), Some("de-AT")]), "de");
    assert_eq!(catalogue.locale_for([None, Some("DE")]), "de");
    assert_eq!(catalogue.locale_for([Some("fr-FR"), None]), "en");
    assert_eq!(catalogue.locale_for([Some("<script>"), Some("")]), "en");
    assert_eq!(Catalogue::builtin("pt").unwrap().locale_for([Some("ja")]), "pt");
    assert_eq!(Catalogue::builtin("pt-BR").unwrap().default_locale(), "pt", "the default falls back as well");
}

#[test]
fn an_unknown_default_locale_fails_naming_the_available_ones() {
    let err = Catalogue::builtin("fr").unwrap_err();
    assert_eq!(err, CatalogueError::DefaultLocale { given: "fr".into(), available: "de, en, pt".into() });
}

#[test]
fn overrides_replace_built_ins_and_add_locales() {
    let dir = Dir::new();
    dir.write("en/sign-up.sms.txt", "ACME: your code is {{ code }}\n")
        .write("layout.html", "<html lang=\"{{ locale }}\"><body>{% block content %}{% endblock %}</body></html>")
        .copy_locale("en", "fr")
        .write("fr/sign-up.subject.txt", "Confirmez votre inscription\n")
        .write("README.md", "notes for the team: not a template");
    let catalogue = dir.load().unwrap();
    assert_eq!(catalogue.locales().collect::<Vec<_>>(), ["de", "en", "fr", "pt"]);
    let sign_up = placeholders(MessageKind::SignUp);
    let en = catalogue.render("en", MessageKind::SignUp, &sign_up).unwrap();
    assert_eq!(en.sms, "ACME: your code is {####}");
    assert!(en.html.starts_with("<html lang=\"en\"><body>"), "{}", en.html);
    assert_eq!(catalogue.render("fr", MessageKind::SignUp, &sign_up).unwrap().subject, "Confirmez votre inscription");
    assert_eq!(catalogue.locale_for([Some("fr-CA")]), "fr");
    assert_eq!(catalogue.origin("en/sign-up.html"), Some("built-in en/sign-up.html"));
    assert!(catalogue.origin("en/sign-up.sms.txt").unwrap().ends_with("en/sign-up.sms.txt"));
}

#[test]
fn a_syntax_error_names_the_file_and_the_line() {
    let dir = Dir::new();
    dir.write("de/forgot-password.txt", "Hallo,\n\nIhr Code: {{ code }\n");
    let problems = dir.problems();
    assert_eq!(problems.0.len(), 1, "{problems}");
    let problem = &problems.0[0];
    assert!(problem.file.ends_with("de/forgot-password.txt"), "{problem}");
    assert_eq!(problem.line, Some(3), "{problem}");
    assert!(problem.what.contains("syntax error"), "{problem}");
}

#[test]
fn an_undefined_value_fails_at_its_line_instead_of_printing_nothing() {
    let dir = Dir::new();
    dir.write("en/verify-attribute.html", "<p>Hi</p>\n<p>{{ code }} for {{ user.given_name }}</p>\n");
    let problems = dir.problems();
    let problem = &problems.0[0];
    assert!(problem.file.ends_with("en/verify-attribute.html"), "{problem}");
    assert_eq!(problem.line, Some(2), "{problem}");
    assert!(problem.what.contains("undefined"), "{problem}");
}

#[test]
fn cognitos_placeholder_written_into_the_source_is_a_comment_and_is_caught() {
    let dir = Dir::new();
    dir.write("en/sign-up.sms.txt", "Your code is {####}\n");
    let problems = dir.problems();
    assert_eq!(problems.0.len(), 1, "{problems}");
    assert!(problems.0[0].what.contains("does not print {{ code }}"), "{problems}");
}

#[test]
fn rules_missing_user_name_too_long_and_a_code_where_there_is_none() {
    let dir = Dir::new();
    dir.write("pt/admin-invitation.sms.txt", "Senha temporária: {{ code }}\n")
        .write("de/sign-in-code.sms.txt", &format!("{} {{{{ code }}}}\n", "x".repeat(140)))
        .write("en/account-takeover.txt", "Your last code was {{ code }}\n")
        .write("en/resend-code.subject.txt", "{% if name %}Hi{% endif %}\n")
        .write("en/update-attribute.html", &format!("{{{{ code }}}}{}", "é".repeat(20_000)));
    let problems = dir.problems().to_string();
    assert!(problems.contains("pt/admin-invitation.sms.txt: does not print {{ username }}"), "{problems}");
    assert!(problems.contains("de/sign-in-code.sms.txt: renders to 147 characters; the limit is 140"), "{problems}");
    assert!(problems.contains("en/account-takeover.txt:1: undefined value"), "{problems}");
    assert!(problems.contains("en/resend-code.subject.txt: renders to an empty subject"), "{problems}");
    assert!(
        problems.contains("en/update-attribute.html: renders to 20006 characters; the limit is 20000"),
        "{problems}"
    );
}

#[test]
fn misplaced_files_and_incomplete_locales_are_reported_not_ignored() {
    let dir = Dir::new();
    dir.write("en/signup.html", "typo")
        .write("english/sign-up.html", "not a locale")
        .write("notes.json", "{}")
        .write("it/sign-up.html", "{{ code }}");
    let problems = dir.problems();
    let text = problems.to_string();
    assert!(text.contains("en/signup.html: not a message template"), "{text}");
    assert!(text.contains("english: not a locale directory"), "{text}");
    assert!(text.contains("notes.json: unexpected file"), "{text}");
    let missing = problems.iter().filter(|p| p.file.contains("/it/") && p.what.starts_with("missing")).count();
    assert_eq!(missing, 40, "41 templates, one given: {text}");
}

#[test]
fn a_missing_directory_is_a_problem() {
    let err = Catalogue::load(Some(Path::new("/nonexistent/templates")), "en").unwrap_err();
    assert!(err.to_string().contains("/nonexistent/templates: cannot read the directory"), "{err}");
}

#[test]
fn one_run_reports_a_syntax_error_and_the_other_messages_problems_together() {
    let dir = Dir::new();
    dir.write("de/sign-up.txt", "Hallo\n{{ code }\n").write("de/forgot-password.sms.txt", "Code {####}\n");
    let problems = dir.problems().to_string();
    assert!(problems.contains("de/sign-up.txt:2: syntax error"), "{problems}");
    assert!(problems.contains("de/forgot-password.sms.txt: does not print {{ code }}"), "{problems}");
    assert_eq!(dir.problems().0.len(), 2, "{problems}");
}
