//! The trigger as Cognito drives it: fixture events through the runtime path the binary uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::path::PathBuf;
use std::time::Duration;

use custom_message::{CustomMessage, Ports, Settings};
use message_catalogue::{Catalogue, MessageKind, Slot, Values};
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::events::CustomMessageSource;
use trigger_core::runtime::run_within;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn trigger(pairs: &[(&str, &str)]) -> CustomMessage {
    CustomMessage::new(Settings::from_env(&Env::from_pairs(pairs.iter().copied())).unwrap(), Ports::default())
}

async fn answer(trigger: &CustomMessage, event: Value) -> Value {
    run_within(trigger, Duration::from_secs(1), event).await.unwrap()
}

/// The event as the contract writes it back untouched: a null `clientMetadata` reads as `{}`.
fn untouched(mut event: Value) -> Value {
    if event["request"]["clientMetadata"].is_null() {
        event["request"]["clientMetadata"] = json!({});
    }
    event
}

/// What the built-in catalogue says for this kind and locale, with Cognito's placeholders.
fn expected(locale: &str, kind: MessageKind, username: Slot) -> message_catalogue::Message {
    let values = Values {
        code: kind.needs_code().then(|| Slot::Placeholder("{####}".into())),
        username: Some(username),
        name: Some("Jane".into()),
        email: Some("jane.doe@example.com".into()),
        ..Values::default()
    };
    Catalogue::builtin("en").unwrap().render(locale, kind, &values).unwrap()
}

fn kind_of(source: &str) -> MessageKind {
    custom_message::compose::kind(&CustomMessageSource::from(source)).unwrap()
}

#[tokio::test]
async fn every_source_in_every_built_in_locale_gets_its_message_with_the_placeholders() {
    let trigger = trigger(&[]);
    for source in CustomMessageSource::KNOWN {
        for locale in ["en", "de", "pt"] {
            let mut event = fixture("custom-message.json");
            event["triggerSource"] = json!(source);
            event["request"]["userAttributes"]["locale"] = json!(locale);
            event["request"]["userAttributes"]["given_name"] = json!("Jane");
            if *source == "CustomMessage_AdminCreateUser" {
                event["request"]["usernameParameter"] = json!("{username}");
            }
            let output = answer(&trigger, event).await;
            let response = &output["response"];
            let username = if *source == "CustomMessage_AdminCreateUser" {
                Slot::Placeholder("{username}".into())
            } else {
                Slot::Text("jane.doe".into())
            };
            let want = expected(locale, kind_of(source), username);
            assert_eq!(response["emailSubject"], want.subject, "{source} {locale}");
            assert_eq!(response["emailMessage"], want.html, "{source} {locale}");
            assert_eq!(response["smsMessage"], want.sms, "{source} {locale}");
            let html = response["emailMessage"].as_str().unwrap();
            assert!(html.contains("{####}") && response["smsMessage"].as_str().unwrap().contains("{####}"));
            assert!(html.contains(&format!("lang=\"{locale}\"")), "{source} {locale}");
            assert_eq!(
                response.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["emailMessage", "emailSubject", "smsMessage"],
                "only the fields Cognito reads"
            );
        }
    }
}

#[tokio::test]
async fn an_invitation_carries_both_placeholders_in_the_users_language_with_fallback() {
    let output = answer(&trigger(&[]), fixture("custom-message-admin-create-user.json")).await;
    let response = &output["response"];
    // locale pt-BR → pt (the user's attribute wins over clientMetadata.locale = de).
    assert_eq!(response["emailSubject"], "A sua nova conta");
    for part in ["emailMessage", "smsMessage"] {
        let text = response[part].as_str().unwrap();
        assert!(text.contains("{####}") && text.contains("{username}"), "{part}: {text}");
    }
    assert!(response["emailMessage"].as_str().unwrap().contains("Olá João,"));
}

#[tokio::test]
async fn locale_falls_back_from_the_attribute_to_client_metadata_to_the_default() {
    let trigger = trigger(&[("DEFAULT_LOCALE", "de")]);
    let mut event = fixture("custom-message-admin-create-user.json");
    event["request"]["userAttributes"]["locale"] = json!("fr-FR");
    assert_eq!(answer(&trigger, event.clone()).await["response"]["emailSubject"], "Ihr neues Konto");
    event["request"]["clientMetadata"] = json!({ "locale": "en-GB" });
    assert_eq!(answer(&trigger, event.clone()).await["response"]["emailSubject"], "Your new account");
    event["request"]["clientMetadata"] = Value::Null;
    event["request"]["userAttributes"].as_object_mut().unwrap().remove("locale");
    assert_eq!(answer(&trigger, event).await["response"]["emailSubject"], "Ihr neues Konto", "DEFAULT_LOCALE");
}

#[tokio::test]
async fn a_hostile_name_is_shown_inert() {
    let output = answer(&trigger(&[]), fixture("custom-message-hostile-name.json")).await;
    let html = output["response"]["emailMessage"].as_str().unwrap();
    assert!(
        html.contains(
            "Hallo &lt;script&gt;alert(1)&lt;&#x2f;script&gt; {{ 7*7 }} {% include &#x27;layout.html&#x27; %},"
        ),
        "{html}"
    );
    assert!(!html.contains("<script>") && !html.contains("49"), "{html}");
    assert_eq!(html.matches("<html").count(), 1, "the include in the name was not run");
    assert_eq!(output["response"]["emailSubject"], "Bestätigen Sie Ihre Registrierung", "attribute locale de wins");
}

#[tokio::test]
async fn cognito_locals_event_is_answered_over_its_empty_strings() {
    let output = answer(&trigger(&[]), fixture("custom-message-cognito-local.json")).await;
    assert_eq!(output["response"]["emailSubject"], "Confirm your sign-up");
    assert!(output["response"]["emailMessage"].as_str().unwrap().contains("<strong>{####}</strong>"));
    assert_eq!(output["response"]["smsMessage"], "Your confirmation code is {####}");
}

#[tokio::test]
async fn the_link_is_used_only_when_the_pool_verifies_by_link_and_only_for_sign_up() {
    let mut sign_up = fixture("custom-message.json");
    sign_up["triggerSource"] = json!("CustomMessage_SignUp");
    let by_code = answer(&trigger(&[]), sign_up.clone()).await;
    let html = by_code["response"]["emailMessage"].as_str().unwrap();
    assert!(html.contains("{####}") && !html.contains("{##Click Here##}"), "{html}");
    let by_link = trigger(&[("VERIFICATION_BY_LINK", "true")]);
    let html = answer(&by_link, sign_up).await["response"]["emailMessage"].as_str().unwrap().to_owned();
    assert!(html.contains("Confirm your e-mail address here: {##Click Here##}"), "{html}");
    // The fixture's own source, ForgotPassword, carries a linkParameter too: the code is sent.
    let reset = answer(&by_link, fixture("custom-message.json")).await;
    assert!(reset["response"]["emailMessage"].as_str().unwrap().contains("<strong>{####}</strong>"));
}

#[tokio::test]
async fn an_unknown_source_goes_back_unchanged() {
    let mut event = fixture("custom-message.json");
    event["triggerSource"] = json!("CustomMessage_SomethingNew");
    assert_eq!(answer(&trigger(&[]), event.clone()).await, untouched(event));
}

/// A directory of overrides for this test process, removed on drop.
struct Overrides(PathBuf);

impl Drop for Overrides {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_message_that_breaks_a_limit_at_runtime_leaves_cognitos_default() {
    let dir = Overrides(std::env::temp_dir().join(format!("custom-message-test-{}", std::process::id())));
    std::fs::create_dir_all(dir.0.join("en")).unwrap();
    // Valid with the sample name; over 140 characters with a long one.
    std::fs::write(dir.0.join("en/forgot-password.sms.txt"), "{{ code }} for {{ name }}").unwrap();
    let trigger = trigger(&[("MESSAGE_TEMPLATES_DIR", dir.0.to_str().unwrap())]);
    let mut event = fixture("custom-message.json");
    event["request"]["userAttributes"]["name"] = json!("J".repeat(200));
    assert_eq!(answer(&trigger, event.clone()).await, untouched(event.clone()), "Cognito sends its own message");
    event["request"]["userAttributes"]["name"] = json!("Jane");
    assert_eq!(answer(&trigger, event).await["response"]["smsMessage"], "{####} for Jane");
}
