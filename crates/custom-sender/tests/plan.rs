//! Every source of both senders, from the fixture events, through the catalogue.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use custom_sender::{Channel, SenderError, plan_email, plan_sms};
use message_catalogue::{Catalogue, MessageKind};
use serde_json::{Value, json};
use trigger_core::events::{
    CustomEmailSenderEvent, CustomEmailSenderSource, CustomSmsSenderEvent, CustomSmsSenderSource,
};

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn catalogue() -> Catalogue {
    Catalogue::builtin("en").unwrap()
}

fn email_event(source: &str, locale: Option<&str>) -> CustomEmailSenderEvent {
    let mut event = fixture("custom-email-sender.json");
    event["triggerSource"] = json!(source);
    if let Some(locale) = locale {
        event["request"]["userAttributes"]["locale"] = json!(locale);
    }
    serde_json::from_value(event).unwrap()
}

#[test]
fn every_email_source_in_every_locale_sends_its_message_with_the_code_to_the_address() {
    let catalogue = catalogue();
    for source in CustomEmailSenderSource::KNOWN {
        for locale in ["en", "de", "pt-BR"] {
            let event = email_event(source, Some(locale));
            let out = plan_email(&event, &catalogue, Some("123456")).unwrap();
            assert_eq!(out.channel, Channel::Email);
            assert_eq!(out.to, "jane.doe@example.com");
            assert_eq!(out.message.locale, if locale == "pt-BR" { "pt" } else { locale });
            let has_code = out.message.kind != MessageKind::AccountTakeover;
            for body in [&out.message.html, &out.message.text] {
                assert_eq!(body.contains("123456"), has_code, "{source} {locale}");
            }
            if out.message.kind == MessageKind::AdminInvitation {
                assert!(out.message.text.contains("jane.doe"), "{source}: the user name");
            }
            assert!(out.key.pk.starts_with("IDEMPOTENCY#custom-email-sender#"));
        }
    }
}

#[test]
fn every_sms_source_sends_to_the_phone_number() {
    let catalogue = catalogue();
    let mut event = fixture("custom-sms-sender.json");
    for source in CustomSmsSenderSource::KNOWN {
        event["triggerSource"] = json!(source);
        let parsed: CustomSmsSenderEvent = serde_json::from_value(event.clone()).unwrap();
        let out = plan_sms(&parsed, &catalogue, Some("654321")).unwrap();
        assert_eq!(out.channel, Channel::Sms);
        assert!(out.to.starts_with('+'), "{source}: {}", out.to);
        assert_eq!(out.message.sms.contains("654321"), out.message.kind != MessageKind::AccountTakeover, "{source}");
        assert!(out.message.sms.chars().count() <= 140);
        assert!(out.key.pk.starts_with("IDEMPOTENCY#custom-sms-sender#"));
    }
}

#[test]
fn a_retry_of_the_same_event_has_the_same_key_and_another_code_another() {
    let catalogue = catalogue();
    let event = email_event("CustomEmailSender_ForgotPassword", None);
    let first = plan_email(&event, &catalogue, Some("111111")).unwrap();
    let retry = plan_email(&event, &catalogue, Some("111111")).unwrap();
    assert_eq!(first.key, retry.key);
    let mut next: Value = fixture("custom-email-sender.json");
    next["triggerSource"] = json!("CustomEmailSender_ForgotPassword");
    next["request"]["code"] = json!("AYADeBgvGjEXAMPLEanotherCiphertext==");
    let next: CustomEmailSenderEvent = serde_json::from_value(next).unwrap();
    assert_ne!(plan_email(&next, &catalogue, Some("222222")).unwrap().key, first.key);
}

#[test]
fn a_temporary_password_is_decoded_once_and_escaped_only_in_html() {
    let catalogue = catalogue();
    let event = email_event("CustomEmailSender_AdminCreateUser", None);
    // Cognito hands temporary passwords over HTML-escaped.
    let out = plan_email(&event, &catalogue, Some("Xy&amp;1&lt;z")).unwrap();
    assert!(out.message.text.contains("Temporary password: Xy&1<z"), "{}", out.message.text);
    assert!(out.message.html.contains("<strong>Xy&amp;1&lt;z</strong>"), "{}", out.message.html);
}

#[test]
fn nothing_to_send_is_an_error_that_names_no_secret() {
    let catalogue = catalogue();
    let event = email_event("CustomEmailSender_SignUp", None);
    assert_eq!(plan_email(&event, &catalogue, None).unwrap_err(), SenderError::NoCode(MessageKind::SignUp));
    let notice = email_event("CustomEmailSender_AccountTakeOverNotification", None);
    assert!(plan_email(&notice, &catalogue, None).is_ok(), "a notice needs no code");
    let unknown = email_event("CustomEmailSender_SomethingNew", None);
    let err = plan_email(&unknown, &catalogue, Some("123456")).unwrap_err();
    assert_eq!(err, SenderError::UnknownSource("CustomEmailSender_SomethingNew".into()));
    let mut no_address = fixture("custom-email-sender.json");
    no_address["request"]["userAttributes"].as_object_mut().unwrap().remove("email");
    let no_address: CustomEmailSenderEvent = serde_json::from_value(no_address).unwrap();
    let err = plan_email(&no_address, &catalogue, Some("123456")).unwrap_err();
    assert_eq!(err, SenderError::NoRecipient("email"));
    assert!(!err.to_string().contains("123456"));
}
