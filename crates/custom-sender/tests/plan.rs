//! Every source of both senders, from the fixture events, through the catalogue.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::collections::BTreeMap;

use custom_sender::{Channel, Envelope, SenderError, plan_email, plan_sms};
use message_catalogue::{Catalogue, MessageKind};
use serde_json::{Value, json};
use trigger_core::events::{
    CustomEmailSenderEvent, CustomEmailSenderSource, CustomSmsSenderEvent, CustomSmsSenderSource,
};
use trigger_core::ports::{DirectoryUser, UserStatus};

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
            let out = plan_email(&event, &catalogue, Some("123456"), None).unwrap();
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
        let out = plan_sms(&parsed, &catalogue, Some("654321"), None).unwrap();
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
    let first = plan_email(&event, &catalogue, Some("111111"), None).unwrap();
    let retry = plan_email(&event, &catalogue, Some("111111"), None).unwrap();
    assert_eq!(first.key, retry.key);
    let mut next: Value = fixture("custom-email-sender.json");
    next["triggerSource"] = json!("CustomEmailSender_ForgotPassword");
    next["request"]["code"] = json!("AYADeBgvGjEXAMPLEanotherCiphertext==");
    let next: CustomEmailSenderEvent = serde_json::from_value(next).unwrap();
    assert_ne!(plan_email(&next, &catalogue, Some("222222"), None).unwrap().key, first.key);
}

#[test]
fn a_temporary_password_is_decoded_once_and_escaped_only_in_html() {
    let catalogue = catalogue();
    let event = email_event("CustomEmailSender_AdminCreateUser", None);
    // Cognito hands temporary passwords over HTML-escaped.
    let out = plan_email(&event, &catalogue, Some("Xy&amp;1&lt;z"), None).unwrap();
    assert!(out.message.text.contains("Temporary password: Xy&1<z"), "{}", out.message.text);
    assert!(out.message.html.contains("<strong>Xy&amp;1&lt;z</strong>"), "{}", out.message.html);
}

#[test]
fn nothing_to_send_is_an_error_that_names_no_secret() {
    let catalogue = catalogue();
    let event = email_event("CustomEmailSender_SignUp", None);
    assert_eq!(plan_email(&event, &catalogue, None, None).unwrap_err(), SenderError::NoCode(MessageKind::SignUp));
    let notice = email_event("CustomEmailSender_AccountTakeOverNotification", None);
    assert!(plan_email(&notice, &catalogue, None, None).is_ok(), "a notice needs no code");
    let unknown = email_event("CustomEmailSender_SomethingNew", None);
    let err = plan_email(&unknown, &catalogue, Some("123456"), None).unwrap_err();
    assert_eq!(err, SenderError::UnknownSource("CustomEmailSender_SomethingNew".into()));
    let mut no_address = fixture("custom-email-sender.json");
    no_address["request"]["userAttributes"].as_object_mut().unwrap().remove("email");
    let no_address: CustomEmailSenderEvent = serde_json::from_value(no_address).unwrap();
    let err = plan_email(&no_address, &catalogue, Some("123456"), None).unwrap_err();
    assert_eq!(err, SenderError::NoRecipient("email"));
    assert!(!err.to_string().contains("123456"));
}

fn directory_user(attributes: &[(&str, &str)]) -> DirectoryUser {
    DirectoryUser {
        username: "jane.doe".into(),
        status: UserStatus::Confirmed,
        enabled: true,
        created_at: None,
        attributes: attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
    }
}

fn notice(name: &str) -> Value {
    fixture(name)
}

#[test]
fn a_notice_in_cognitos_shape_parses_needs_no_code_and_asks_the_directory_for_the_address() {
    let mut raw = notice("custom-email-sender-account-takeover.json");
    let event: CustomEmailSenderEvent = serde_json::from_value(raw.clone()).unwrap();
    let envelope = Envelope::email(&event);
    assert_eq!(envelope.user_to_look_up(), Some("jane.doe"));
    assert!(envelope.code_to_decrypt().is_none());
    // Whatever a notice carries in `code`, it is never decrypted.
    raw["request"]["code"] = json!("AYADeBsomething==");
    let with_code: CustomEmailSenderEvent = serde_json::from_value(raw.clone()).unwrap();
    assert!(Envelope::email(&with_code).code_to_decrypt().is_none());
    // No userName (never seen, but not refused): the notice's USER_NAME.
    raw["userName"] = json!(null);
    let nameless: CustomEmailSenderEvent = serde_json::from_value(raw).unwrap();
    assert_eq!(Envelope::email(&nameless).user_to_look_up(), Some("jane.doe"));
    // A code message never goes to the directory, even without an address.
    let mut sign_up = fixture("custom-email-sender.json");
    sign_up["request"]["userAttributes"].as_object_mut().unwrap().remove("email");
    let sign_up: CustomEmailSenderEvent = serde_json::from_value(sign_up).unwrap();
    assert_eq!(Envelope::email(&sign_up).user_to_look_up(), None);
    assert!(Envelope::email(&sign_up).code_to_decrypt().is_some());
    let profile = directory_user(&[("email", "jane@directory.example")]);
    let err = plan_email(&sign_up, &catalogue(), Some("123456"), Some(&profile)).unwrap_err();
    assert_eq!(err, SenderError::NoRecipient("email"), "a code goes to the event's address or nowhere");
}

#[test]
fn the_notice_reaches_the_directory_address_in_the_users_language_with_what_happened_and_both_links() {
    let catalogue = catalogue();
    let event: CustomEmailSenderEvent =
        serde_json::from_value(notice("custom-email-sender-account-takeover.json")).unwrap();
    assert_eq!(plan_email(&event, &catalogue, None, None).unwrap_err(), SenderError::NoRecipient("email"));
    let profile = directory_user(&[("email", "jane@directory.example"), ("locale", "pt-BR"), ("given_name", "Jane")]);
    let out = plan_email(&event, &catalogue, None, Some(&profile)).unwrap();
    assert_eq!(out.to, "jane@directory.example");
    assert_eq!((out.message.kind, out.message.locale.as_str()), (MessageKind::AccountTakeover, "pt"));
    for body in [&out.message.text, &out.message.html] {
        for wanted in ["192.0.2.44", "Mon Dec 07 20:40:16 UTC 2026", "Portugal", "Jane", "Nós o bloqueamos"] {
            assert!(body.contains(wanted), "{wanted}: {body}");
        }
        assert!(!body.contains("None") && !body.contains("none"), "unknown city and device are left out: {body}");
    }
    assert!(out.message.text.contains("feedback?valid=true&token=EXAMPLEfeedbackTOKEN"));
    assert!(out.message.text.contains("feedback?valid=false&token=EXAMPLEfeedbackTOKEN"));
    assert!(out.message.html.contains("valid=false&amp;token=EXAMPLEfeedbackTOKEN"), "escaped in HTML");
    assert!(out.key.pk.starts_with("IDEMPOTENCY#custom-email-sender#"));
}

#[test]
fn one_notice_per_event_id_whatever_else_differs_and_two_risk_events_are_two_notices() {
    let catalogue = catalogue();
    let profile = directory_user(&[("email", "jane@directory.example")]);
    let raw = notice("custom-email-sender-account-takeover.json");
    let key = |raw: &Value| {
        let event: CustomEmailSenderEvent = serde_json::from_value(raw.clone()).unwrap();
        plan_email(&event, &catalogue, None, Some(&profile)).unwrap().key
    };
    let first = key(&raw);
    assert_eq!(key(&raw), first, "a retry of the notice");
    let mut same_event = raw.clone();
    same_event["request"]["clientMetadata"] = json!({ "added": "later" });
    assert_eq!(key(&same_event), first, "the event id decides, not the rest of the request");
    let mut same_day = raw.clone();
    same_day["request"]["userAttributes"]["EVENT_ID"] = json!("f00dfeed-0000-4000-8000-000000000002");
    same_day["request"]["userAttributes"]["LOGIN_TIME"] = json!("Mon Dec 07 21:02:03 UTC 2026");
    assert_ne!(key(&same_day), first, "another sign-in the same day is another notice");
}

#[test]
fn the_sms_notice_goes_to_the_directory_number_and_fits_without_links() {
    let catalogue = catalogue();
    let event: CustomSmsSenderEvent =
        serde_json::from_value(notice("custom-sms-sender-account-takeover.json")).unwrap();
    assert_eq!(plan_sms(&event, &catalogue, None, None).unwrap_err(), SenderError::NoRecipient("phone_number"));
    let profile = directory_user(&[("phone_number", "+14155550123"), ("locale", "de")]);
    let out = plan_sms(&event, &catalogue, None, Some(&profile)).unwrap();
    assert_eq!((out.to.as_str(), out.message.locale.as_str()), ("+14155550123", "de"));
    assert!(out.message.sms.contains("192.0.2.44") && out.message.sms.contains("20:40:16"), "{}", out.message.sms);
    assert!(out.message.sms.chars().count() <= 140);
    assert!(out.key.pk.starts_with("IDEMPOTENCY#custom-sms-sender#"));
}

/// An AdminCreateUser invitation whose name and temporary password do not fit a 140-character
/// SMS sentence in any built-in language (Cognito allows 128-character user names).
fn long_invitation(locale: &str, user_name: &str) -> CustomSmsSenderEvent {
    let mut event = fixture("custom-sms-sender.json");
    event["triggerSource"] = json!("CustomSMSSender_AdminCreateUser");
    event["userName"] = json!(user_name);
    event["request"]["userAttributes"]["locale"] = json!(locale);
    serde_json::from_value(event).unwrap()
}

#[test]
fn an_invitation_too_long_for_one_sms_gets_a_shorter_form_with_the_name_and_password_whole_in_every_locale() {
    let catalogue = catalogue();
    // Cognito hands the temporary password over HTML-escaped; the SMS carries it decoded.
    let (escaped, password) = ("Tq7&amp;vL2#pX9!wR4z", "Tq7&vL2#pX9!wR4z");
    for locale in message_catalogue::BUILTIN_LOCALES {
        // 100 characters: the sentence overflows, the labelled short form fits.
        let name = format!("{locale}.{}", "invited.user.".repeat(8)).chars().take(100).collect::<String>();
        let out = plan_sms(&long_invitation(locale, &name), &catalogue, Some(escaped), None)
            .unwrap_or_else(|err| panic!("{locale}: {err}"));
        assert_eq!(out.message.locale, locale);
        assert!(out.message.sms.chars().count() <= 140, "{locale}: {}", out.message.sms);
        assert!(out.message.sms.contains(&name) && out.message.sms.contains(password), "{locale}: {}", out.message.sms);
        assert!(out.message.sms.contains(':'), "{locale}: the labelled form in its language: {}", out.message.sms);
        assert!(!out.message.sms.contains("&amp;"));

        // 128 characters (Cognito's longest) and a long password: no form fits, the name and
        // password still arrive whole (a longer text, in more than one segment).
        let name = "x".repeat(127) + "y";
        let password = "P".repeat(40);
        let out = plan_sms(&long_invitation(locale, &name), &catalogue, Some(&password), None)
            .unwrap_or_else(|err| panic!("{locale}: {err}"));
        assert_eq!(out.message.sms, format!("{name}\n{password}"), "{locale}");
        assert!(message_catalogue::sms_fit::sms_length(&out.message.sms).segments > 1);
    }
}

#[test]
fn a_short_invitation_keeps_its_sentence_and_the_email_of_a_long_one_is_sent_too() {
    let catalogue = catalogue();
    let out = plan_sms(&long_invitation("de", "kurz"), &catalogue, Some("Ab1!cdEf"), None).unwrap();
    assert!(out.message.sms.starts_with("Ihr Benutzername ist kurz"), "{}", out.message.sms);
    // The e-mail sender renders the SMS part too: a long invitation used to fail there as well.
    let mut event = fixture("custom-email-sender.json");
    event["triggerSource"] = json!("CustomEmailSender_AdminCreateUser");
    event["userName"] = json!("y".repeat(128));
    let event: CustomEmailSenderEvent = serde_json::from_value(event).unwrap();
    let out = plan_email(&event, &catalogue, Some(&"Q".repeat(40)), None).unwrap();
    assert!(out.message.text.contains(&"y".repeat(128)) && out.message.text.contains(&"Q".repeat(40)));
}

/// The one-time password of Cognito's choice-based sign-in (`USER_AUTH` with `EMAIL_OTP` /
/// `SMS_OTP`) comes as the `_Authentication` source of each sender (corpus fixtures written from
/// the developer guide's source tables): the sign-in code message, in the user's language, to the
/// event's address.
#[test]
fn the_one_time_password_of_choice_based_sign_in_is_the_sign_in_code_message() {
    let catalogue = catalogue();
    let email: CustomEmailSenderEvent =
        serde_json::from_value(fixture("corpus/custom-email-sender-developer-guide-authentication-otp.json")).unwrap();
    let out = plan_email(&email, &catalogue, Some("40917253"), None).unwrap();
    assert_eq!((out.message.kind, out.to.as_str()), (MessageKind::SignInCode, "dg.otp.user@example.com"));
    assert!(out.message.text.contains("40917253"));
    let sms: CustomSmsSenderEvent =
        serde_json::from_value(fixture("corpus/custom-sms-sender-developer-guide-authentication-otp.json")).unwrap();
    let out = plan_sms(&sms, &catalogue, Some("40917253"), None).unwrap();
    assert_eq!((out.message.kind, out.to.as_str()), (MessageKind::SignInCode, "+4915112345678"));
    assert!(out.message.sms.contains("40917253") && out.message.sms.chars().count() <= 140);
}
