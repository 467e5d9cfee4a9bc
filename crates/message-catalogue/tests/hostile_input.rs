//! Hostile input for the renderer, property-tested: arbitrary user-supplied text (names,
//! addresses, codes, user names) in every kind and locale, and arbitrary locale tags.
//!
//! - no panic; a message that cannot be rendered is a `RenderError` that names a template and
//!   says what is wrong;
//! - user text never reaches the HTML part unescaped, and a Cognito placeholder always reaches it
//!   as given;
//! - a rendered message keeps Cognito's rules (the code in every body, the limits).
//!
//! Cases: `PROPTEST_CASES` (default 3,000, as trigger-core's property tests); `make fuzz` runs a
//! million.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use message_catalogue::{BUILTIN_LOCALES, Catalogue, EMAIL_LIMIT, MessageKind, SMS_LIMIT, Slot, Values};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3_000)
}

/// Text with what HTML and templates care about (`<`, `&`, quotes, braces) mixed into arbitrary
/// Unicode.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<char>().prop_map(String::from),
        1 => prop::sample::select(vec!["<", ">", "&", "\"", "'", "{{", "}}", "{%", "{#", "<script>", "<script>", "&amp;"])
            .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..20).prop_map(|p| p.concat())
}

fn slot() -> impl Strategy<Value = Slot> {
    prop_oneof![
        text().prop_map(Slot::Text),
        prop::sample::select(vec!["{####}", "{username}", "{##Click Here##}"])
            .prop_map(|p| Slot::Placeholder(p.into())),
    ]
}

fn values() -> impl Strategy<Value = Values> {
    (
        prop::option::weighted(0.9, slot()),
        prop::option::weighted(0.9, slot()),
        prop::option::of(slot()),
        prop::option::of(text()),
        prop::option::of(text()),
    )
        .prop_map(|(code, username, link, name, email)| Values { code, username, link, name, email, notice: None })
}

fn locale() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(BUILTIN_LOCALES.to_vec()).prop_map(str::to_owned),
        1 => text(),
    ]
}

/// Markup no template holds: text carrying it must not stand verbatim in the HTML part (a lone
/// `<` proves nothing: every template is full of them).
fn needs_escaping(text: &str) -> bool {
    text.contains("<script>")
}

#[test]
fn renderer_survives_hostile_values() {
    let catalogue = Catalogue::builtin("en").unwrap();
    let strategy = (prop::sample::select(MessageKind::ALL.to_vec()), locale(), values());
    let cases = cases();
    let started = std::time::Instant::now();
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let outcome = runner.run(&strategy, |(kind, locale, values)| {
        match catalogue.render(&locale, kind, &values) {
            Ok(message) => {
                prop_assert!(message.sms.chars().count() <= SMS_LIMIT);
                prop_assert!(message.html.chars().count() <= EMAIL_LIMIT);
                for user_text in [values.name.as_deref(), values.email.as_deref()].into_iter().flatten() {
                    if needs_escaping(user_text) {
                        prop_assert!(
                            !message.html.contains("<script>"),
                            "unescaped {:?} in {}",
                            user_text,
                            message.html
                        );
                    }
                }
                for slot in [&values.code, &values.username, &values.link].into_iter().flatten() {
                    if let Slot::Text(text) = slot
                        && needs_escaping(text)
                    {
                        prop_assert!(!message.html.contains("<script>"), "unescaped {:?}", text);
                    }
                }
                if kind.needs_code()
                    && let Some(Slot::Placeholder(code)) = &values.code
                    && values.link.is_none()
                {
                    for part in [&message.html, &message.text, &message.sms] {
                        prop_assert!(part.contains(code.as_str()), "{} lost in {}", code, part);
                    }
                }
            }
            Err(err) => {
                let shown = err.to_string();
                prop_assert!(!err.0.file.is_empty() && !err.0.what.is_empty(), "unclear error: {:?}", err);
                prop_assert!(shown.contains(&err.0.what));
            }
        }
        Ok(())
    });
    if let Err(err) = outcome {
        panic!("render: {err}");
    }
    println!("hostile-input render: {cases} cases passed in {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn locale_choice_survives_any_preferences() {
    let catalogue = Catalogue::builtin("en").unwrap();
    let cases = cases();
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let outcome = runner.run(&prop::collection::vec(prop::option::of(locale()), 0..4), |preferences| {
        let chosen = catalogue.locale_for(preferences.iter().map(Option::as_deref));
        prop_assert!(catalogue.locales().any(|l| l == chosen), "{} is not in the catalogue", chosen);
        Ok(())
    });
    if let Err(err) = outcome {
        panic!("locale_for: {err}");
    }
    println!("hostile-input locale choice: {cases} cases passed");
}
