//! The event corpus (`tests/fixtures/events/corpus/custom-message-*.json`: shapes that sources
//! outside this project document) through the handler: none is refused, and the sign-in
//! one-time password of choice-based sign-in (`USER_AUTH` with `EMAIL_OTP` / `SMS_OTP`, source
//! `CustomMessage_Authentication`) gets the sign-in code message in the user's language.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::time::Duration;

use custom_message::{CustomMessage, Ports, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::runtime::run_within;

fn corpus() -> Vec<(String, Value)> {
    trigger_core::testing::corpus("custom-message").unwrap()
}

fn trigger() -> CustomMessage {
    CustomMessage::new(Settings::from_env(&Env::from_pairs::<&str, &str>([])).unwrap(), Ports::default())
}

#[tokio::test]
async fn every_corpus_shape_is_answered_with_a_message_and_none_is_refused() {
    let files = corpus();
    assert!(files.len() >= 4, "{files:?}");
    let trigger = trigger();
    for (name, event) in files {
        let answer = run_within(&trigger, Duration::from_secs(1), event.clone()).await;
        let answer = answer.unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(answer["triggerSource"], event["triggerSource"], "{name}");
        let code = event["request"]["codeParameter"].as_str().unwrap();
        let sms = answer["response"]["smsMessage"].as_str().unwrap_or_else(|| panic!("{name}: {answer:#}"));
        assert!(sms.contains(code), "{name}: the code placeholder {code} in {sms:?}");
        let body = answer["response"]["emailMessage"].as_str().unwrap();
        assert!(body.contains(code), "{name}");
    }
}

#[tokio::test]
async fn the_one_time_password_of_choice_based_sign_in_gets_the_sign_in_code_message_in_the_users_language() {
    let (_, event) = corpus()
        .into_iter()
        .find(|(name, _)| name == "custom-message-developer-guide-authentication-otp.json")
        .unwrap();
    let answer = run_within(&trigger(), Duration::from_secs(1), event).await.unwrap();
    let subject = answer["response"]["emailSubject"].as_str().unwrap();
    let body = answer["response"]["emailMessage"].as_str().unwrap();
    assert!(body.contains("{####}"), "{body}");
    // The fixture's user reads German: the built-in de sign-in code message, not the English one.
    let english = message_catalogue::Catalogue::builtin("en").unwrap();
    let values = message_catalogue::Values {
        code: Some(message_catalogue::Slot::Placeholder("{####}".into())),
        ..Default::default()
    };
    let de = english.render("de", message_catalogue::MessageKind::SignInCode, &values).unwrap();
    let en = english.render("en", message_catalogue::MessageKind::SignInCode, &values).unwrap();
    assert_ne!(de.subject, en.subject, "the two languages differ, so the check below can fail");
    assert_eq!(subject, de.subject);
}
