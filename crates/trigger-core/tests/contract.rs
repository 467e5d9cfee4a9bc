//! The Cognito contract: every fixture in `tests/fixtures/events` (real shapes from the Cognito
//! documentation and from cognito-local, with nulls, missing optional fields and unknown extras)
//! goes through parse → serialise, and the result must (1) keep every value it was given and
//! (2) have the response shape Cognito reads. Every documented trigger source is fed through too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::fs;
use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use trigger_core::events::*;

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/events").join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse<E: DeserializeOwned>(input: &Value) -> E {
    serde_json::from_value(input.clone()).unwrap_or_else(|e| panic!("parse failed: {e}\n{input:#}"))
}

fn serialise<E: Serialize>(event: &E) -> Value {
    serde_json::to_value(event).unwrap()
}

/// Every non-null value of the input stands unchanged at the same place in the output.
fn assert_kept(input: &Value, output: &Value, path: &str) {
    assert_kept_as(input, output, path, false);
}

/// [`assert_kept`], and with `as_text` a boolean or number may come back as its text (inside
/// arrays too): the string attribute maps read `"email_verified": true` as `"true"` (as Cognito
/// writes it) rather than refusing the event.
fn assert_kept_as(input: &Value, output: &Value, path: &str, as_text: bool) {
    match input {
        Value::Null => {}
        Value::Object(fields) => {
            for (key, value) in fields.iter().filter(|(_, v)| !v.is_null()) {
                let at = format!("{path}.{key}");
                let out = output.get(key).unwrap_or_else(|| panic!("{at} was dropped"));
                assert_kept_as(value, out, &at, as_text);
            }
        }
        Value::Bool(_) | Value::Number(_) if as_text && output.as_str() == Some(input.to_string().as_str()) => {}
        Value::Array(items) if as_text => {
            let outs = output.as_array().unwrap_or_else(|| panic!("{path} is no longer an array"));
            assert_eq!(items.len(), outs.len(), "{path} changed length");
            for (i, (item, out)) in items.iter().zip(outs).enumerate() {
                assert_kept_as(item, out, &format!("{path}[{i}]"), as_text);
            }
        }
        other => assert_eq!(other, output, "{path} changed"),
    }
}

/// The header Cognito sends must come back, with request and response as objects.
fn assert_envelope(input: &Value, output: &Value) {
    for key in ["triggerSource", "userPoolId", "callerContext"] {
        assert!(output.get(key).is_some(), "{key} missing in {output:#}");
    }
    assert_eq!(output["triggerSource"], input["triggerSource"]);
    assert!(output["userName"].is_string());
    assert!(output["request"].is_object(), "request must be an object");
    assert!(output["response"].is_object(), "response must be an object, not null");
}

fn round_trip<E: DeserializeOwned + Serialize>(name: &str) -> (Value, Value) {
    let input = fixture(name);
    let output = serialise(&parse::<E>(&input));
    assert_kept(&input, &output, "$");
    assert_envelope(&input, &output);
    (input, output)
}

fn every_source<E: DeserializeOwned + Serialize>(base: &str, known: &[&str]) {
    let mut input = fixture(base);
    for source in known {
        input["triggerSource"] = json!(source);
        let output = serialise(&parse::<E>(&input));
        assert_eq!(output["triggerSource"], json!(source));
        assert_kept(&input, &output, source);
    }
}

#[test]
fn pre_signup_fixtures_keep_their_values_and_answer_three_booleans() {
    for name in [
        "pre-signup.json",
        "pre-signup-admin-create-user-nulls.json",
        "pre-signup-external-provider.json",
        "pre-signup-cognito-local.json",
        "pre-signup-unknown-source-extra-fields.json",
    ] {
        let (_, output) = round_trip::<PreSignUpEvent>(name);
        for flag in ["autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone"] {
            assert!(output["response"][flag].is_boolean(), "{name}: response.{flag} must be a boolean");
        }
    }
    every_source::<PreSignUpEvent>("pre-signup.json", PreSignUpSource::KNOWN);
}

#[test]
fn unknown_sources_and_extra_fields_survive() {
    let input = fixture("pre-signup-unknown-source-extra-fields.json");
    let event: PreSignUpEvent = parse(&input);
    assert_eq!(event.trigger_source, PreSignUpSource::Unknown("PreSignUp_SomethingNew".into()));
    let output = serialise(&event);
    assert_eq!(output["futureTopLevelField"], json!({ "nested": [1, 2, 3] }));
    assert_eq!(output["request"]["futureRequestField"], "kept");
    assert_eq!(output["response"]["futureResponseField"], true);
    assert_eq!(output["callerContext"]["newContextField"], 7);
}

#[test]
fn authentication_fixtures_round_trip_and_carry_user_not_found() {
    round_trip::<PreAuthenticationEvent>("pre-authentication.json");
    let (_, output) = round_trip::<PreAuthenticationEvent>("pre-authentication-user-not-found.json");
    assert_eq!(output["request"]["userNotFound"], true);
    let event: PreAuthenticationEvent = parse(&fixture("pre-authentication-user-not-found.json"));
    assert!(event.request.user_not_found);
    let event: PreAuthenticationEvent = parse(&fixture("pre-authentication.json"));
    assert!(!event.request.user_not_found, "absent userNotFound reads as false");
    every_source::<PreAuthenticationEvent>("pre-authentication.json", PreAuthenticationSource::KNOWN);

    let (_, output) = round_trip::<PostAuthenticationEvent>("post-authentication.json");
    assert_eq!(output["request"]["newDeviceUsed"], true);
    let mut thin = fixture("post-authentication.json");
    thin["request"].as_object_mut().unwrap().remove("newDeviceUsed");
    let event: PostAuthenticationEvent = parse(&thin);
    assert!(!event.request.new_device_used, "without remembered devices Cognito leaves newDeviceUsed out");
    every_source::<PostAuthenticationEvent>("post-authentication.json", PostAuthenticationSource::KNOWN);
}

#[test]
fn post_confirmation_fixtures_round_trip_including_a_null_response() {
    round_trip::<PostConfirmationEvent>("post-confirmation.json");
    let event: PostConfirmationEvent = parse(&fixture("post-confirmation-forgot-password.json"));
    assert_eq!(event.trigger_source, PostConfirmationSource::ConfirmForgotPassword);
    assert!(serialise(&event)["response"].is_object());
    every_source::<PostConfirmationEvent>("post-confirmation.json", PostConfirmationSource::KNOWN);
}

#[test]
fn token_v1_keeps_the_users_groups_when_a_claim_is_added() {
    for name in ["pre-token-generation-v1.json", "pre-token-generation-v1-cognito-local.json"] {
        let input = fixture(name);
        let PreTokenGenerationEvent::V1(mut event) = parse::<PreTokenGenerationEvent>(&input) else {
            panic!("{name} is a V1 event")
        };
        event.claims_override().claims_to_add_or_override.insert("tenant".into(), "acme".into());
        let output = serialise(&PreTokenGenerationEvent::V1(event));
        assert_envelope(&input, &output);
        let details = &output["response"]["claimsOverrideDetails"];
        assert_eq!(details["claimsToAddOrOverride"]["tenant"], "acme");
        let groups = &details["groupOverrideDetails"];
        assert!(groups.is_object(), "{name}: groupOverrideDetails must not be null (it would strip groups)");
        let expected = input["request"]["groupConfiguration"]["groupsToOverride"].clone();
        let expected = if expected.is_null() { json!([]) } else { expected };
        assert_eq!(groups["groupsToOverride"], expected, "{name}");
    }
    let (_, output) = round_trip::<PreTokenGenerationEvent>("pre-token-generation-v1.json");
    assert_eq!(output["request"]["groupConfiguration"]["groupsToOverride"], json!(["admins", "editors"]));
    every_source::<PreTokenGenerationEvent>("pre-token-generation-v1.json", TokenGenerationSource::KNOWN);
}

#[test]
fn token_v2_accepts_null_groups_and_claims_of_any_json_type() {
    for name in ["pre-token-generation-v2.json", "pre-token-generation-v3-client-credentials.json"] {
        let input = fixture(name);
        let PreTokenGenerationEvent::V2(mut event) = parse::<PreTokenGenerationEvent>(&input) else {
            panic!("{name} is a V2-shaped event")
        };
        let details = event.claims_override();
        details
            .id_token_generation
            .get_or_insert_with(Default::default)
            .claims_to_add_or_override
            .insert("roles".into(), json!(["admin", "billing"]));
        let access = details.access_token_generation.get_or_insert_with(Default::default);
        access.claims_to_add_or_override.insert("tier".into(), json!(3));
        access.scopes_to_add.push("orders/write".into());
        let output = serialise(&PreTokenGenerationEvent::V2(event));
        assert_envelope(&input, &output);
        let details = &output["response"]["claimsAndScopeOverrideDetails"];
        assert_eq!(details["idTokenGeneration"]["claimsToAddOrOverride"]["roles"], json!(["admin", "billing"]));
        assert_eq!(details["accessTokenGeneration"]["claimsToAddOrOverride"]["tier"], 3);
        assert_eq!(details["accessTokenGeneration"]["scopesToAdd"], json!(["orders/write"]));
        assert_eq!(details["groupOverrideDetails"]["groupsToOverride"], json!([]));
    }
    let (_, output) = round_trip::<PreTokenGenerationEvent>("pre-token-generation-v2.json");
    assert_eq!(output["request"]["scopes"], json!(["openid", "email", "aws.cognito.signin.user.admin"]));
    let event: PreTokenGenerationEvent = parse(&fixture("pre-token-generation-v3-client-credentials.json"));
    let PreTokenGenerationEvent::V2(event) = event else { panic!("V3 uses the V2 shape") };
    assert_eq!(event.trigger_source, TokenGenerationSource::ClientCredentials);
    assert_eq!(event.user_name, "", "a null userName reads as empty");
    every_source::<PreTokenGenerationEvent>("pre-token-generation-v2.json", TokenGenerationSource::KNOWN);
}

#[test]
fn custom_message_answers_the_three_message_fields() {
    for name in [
        "custom-message.json",
        "custom-message-admin-create-user.json",
        "custom-message-cognito-local.json",
        "custom-message-hostile-name.json",
    ] {
        let (_, output) = round_trip::<CustomMessageEvent>(name);
        for key in ["smsMessage", "emailMessage", "emailSubject"] {
            assert!(output["response"].get(key).is_some(), "{name}: response.{key} must be present");
        }
    }
    let event: CustomMessageEvent = parse(&fixture("custom-message.json"));
    assert_eq!(event.request.link_parameter.as_deref(), Some("{##Click Here##}"));
    assert!(event.request.other.is_empty(), "linkParameter is a declared field");
    let event: CustomMessageEvent = parse(&fixture("custom-message-cognito-local.json"));
    assert_eq!(event.request.attribute("email"), Some("local.user@example.com"));
    assert_eq!(event.request.attribute("email_verified"), None, "a boolean is no text attribute");
    let mut event: CustomMessageEvent = parse(&fixture("custom-message.json"));
    event.response.email_message = Some("Your code is {####}".into());
    assert_eq!(serialise(&event)["response"]["emailMessage"], "Your code is {####}");
    every_source::<CustomMessageEvent>("custom-message.json", CustomMessageSource::KNOWN);
}

#[test]
fn user_migration_keeps_the_password_out_of_debug_and_answers_enable_sms_mfa() {
    let (_, output) = round_trip::<UserMigrationEvent>("user-migration.json");
    assert!(output["response"]["userAttributes"].is_object());
    let mut event: UserMigrationEvent = parse(&fixture("user-migration.json"));
    let debug = format!("{event:?} {:?}", event.request);
    assert!(!debug.contains("Legacy-Passw0rd!"), "password leaked into Debug: {debug}");
    assert_eq!(event.request.password.as_ref().map(|p| p.expose().as_str()), Some("Legacy-Passw0rd!"));
    event.response.final_user_status = Some(FinalUserStatus::Confirmed);
    event.response.message_action = Some("SUPPRESS".into());
    event.response.desired_delivery_mediums = Some(vec![DeliveryMedium::Email]);
    event.response.enable_sms_mfa = true;
    let response = &serialise(&event)["response"];
    assert_eq!(response["finalUserStatus"], "CONFIRMED");
    assert_eq!(response["desiredDeliveryMediums"], json!(["EMAIL"]));
    assert_eq!(response["enableSMSMFA"], true);
    let (_, output) = round_trip::<UserMigrationEvent>("user-migration-forgot-password.json");
    assert!(output["request"].get("password").is_none(), "no password for ForgotPassword");
    every_source::<UserMigrationEvent>("user-migration.json", UserMigrationSource::KNOWN);
}

#[test]
fn custom_auth_challenges_round_trip_and_hide_the_answer_and_private_parameters() {
    for name in [
        "define-auth-challenge.json",
        "define-auth-challenge-right-code.json",
        "define-auth-challenge-wrong-three-times.json",
        "define-auth-challenge-user-not-found.json",
    ] {
        let (_, output) = round_trip::<DefineAuthChallengeEvent>(name);
        for field in ["challengeName", "issueTokens", "failAuthentication"] {
            assert!(output["response"].get(field).is_some(), "{name}: response.{field} missing");
        }
    }
    let event: DefineAuthChallengeEvent = parse(&fixture("define-auth-challenge-user-not-found.json"));
    assert!(event.request.user_not_found);
    every_source::<DefineAuthChallengeEvent>("define-auth-challenge.json", DefineAuthChallengeSource::KNOWN);

    for name in [
        "create-auth-challenge.json",
        "create-auth-challenge-second-round.json",
        "create-auth-challenge-user-not-found.json",
    ] {
        let (_, output) = round_trip::<CreateAuthChallengeEvent>(name);
        assert!(output["response"]["publicChallengeParameters"].is_object(), "{name}");
        assert!(output["response"]["privateChallengeParameters"].is_object(), "{name}");
    }
    every_source::<CreateAuthChallengeEvent>("create-auth-challenge.json", CreateAuthChallengeSource::KNOWN);

    for name in [
        "verify-auth-challenge-response.json",
        "verify-auth-challenge-response-wrong-code.json",
        "verify-auth-challenge-response-expired.json",
        "verify-auth-challenge-response-user-not-found.json",
    ] {
        let (_, output) = round_trip::<VerifyAuthChallengeResponseEvent>(name);
        assert!(output["response"]["answerCorrect"].is_boolean(), "{name}");
    }
    let event: VerifyAuthChallengeResponseEvent = parse(&fixture("verify-auth-challenge-response.json"));
    let shown = format!("{:?}", event.request);
    assert!(!shown.contains("424242") && !shown.contains("5f1e0c2a"), "answer or salt leaked into Debug: {shown}");
    every_source::<VerifyAuthChallengeResponseEvent>(
        "verify-auth-challenge-response.json",
        VerifyAuthChallengeResponseSource::KNOWN,
    );
}

#[test]
fn custom_senders_parse_with_or_without_a_response_and_hide_the_code() {
    let (_, output) = round_trip::<CustomEmailSenderEvent>("custom-email-sender.json");
    assert_eq!(output["request"]["type"], "customEmailSenderRequestV1");
    let event: CustomEmailSenderEvent = parse(&fixture("custom-email-sender.json"));
    assert!(!format!("{:?}", event.request).contains("AYADeBgv"), "code leaked into Debug");
    every_source::<CustomEmailSenderEvent>("custom-email-sender.json", CustomEmailSenderSource::KNOWN);

    round_trip::<CustomSmsSenderEvent>("custom-sms-sender.json");
    every_source::<CustomSmsSenderEvent>("custom-sms-sender.json", CustomSmsSenderSource::KNOWN);
}

#[test]
fn event_debug_shows_who_and_what_but_no_attributes() {
    let event: PreSignUpEvent = parse(&fixture("pre-signup.json"));
    let debug = format!("{event:?}");
    assert!(debug.contains("SignUp"), "{debug}");
    assert!(!debug.contains("Jane.Doe@Example.com") && !debug.contains("+14155550123"), "{debug}");
}

#[test]
fn inbound_federation_reads_every_provider_type_and_answers_a_string_map() {
    for name in ["inbound-federation.json", "inbound-federation-google.json", "inbound-federation-saml.json"] {
        let (_, output) = round_trip::<InboundFederationEvent>(name);
        assert!(output["response"]["userAttributesToMap"].is_object(), "{name}: never null, {{}} means keep");
    }
    let event: InboundFederationEvent = parse(&fixture("inbound-federation.json"));
    assert_eq!(event.trigger_source, InboundFederationSource::ExternalProvider);
    assert_eq!(event.request.provider_type, ProviderType::Oidc);
    assert_eq!(event.request.attributes.id_token.as_ref().unwrap()["email_verified"], true);
    let debug = format!("{event:?} {:?}", event.request);
    for secret in ["access-token-body", "id-token-body", "refresh-token-value", "Jane.Doe@Corp.Example", "Jane Doe"] {
        assert!(!debug.contains(secret), "{secret} in Debug: {debug}");
    }
    let event: InboundFederationEvent = parse(&fixture("inbound-federation-saml.json"));
    assert_eq!(event.request.provider_type, ProviderType::Saml);
    assert!(event.request.attributes.id_token.is_none() && event.request.attributes.saml_response.is_some());
    let mut event: InboundFederationEvent = parse(&fixture("inbound-federation-google.json"));
    assert_eq!(event.request.provider_type, ProviderType::Google);
    event.response.user_attributes_to_map.insert("email".into(), "jane.doe@gmail.com".into());
    assert_eq!(serialise(&event)["response"], json!({ "userAttributesToMap": { "email": "jane.doe@gmail.com" } }));
    for wire in ProviderType::KNOWN {
        let parsed: ProviderType = serde_json::from_value(json!(wire)).unwrap();
        assert!(!matches!(parsed, ProviderType::Unknown(_)), "{wire}");
        assert_eq!(serialise(&parsed), json!(wire));
    }
    let future: ProviderType = serde_json::from_value(json!("LoginWithSomethingNew")).unwrap();
    assert_eq!(future, ProviderType::Unknown("LoginWithSomethingNew".into()));
    every_source::<InboundFederationEvent>("inbound-federation.json", InboundFederationSource::KNOWN);
}

fn corpus_round_trip<E: DeserializeOwned + Serialize>(name: &str) {
    let input = fixture(name);
    let output = serialise(&parse::<E>(&input));
    assert_kept_as(&input, &output, name, true);
    assert_envelope(&input, &output);
}

/// Every fixture in `tests/fixtures/events/corpus` (shapes that sources outside this project
/// document: the developer guide, aws-lambda-go, DefinitelyTyped, … — see its README) through its
/// trigger's decoder, chosen by the file name's `<trigger>-` prefix: none is refused, every value
/// it was given comes back, and the envelope has the shape Cognito reads.
#[test]
fn every_corpus_shape_decodes_and_keeps_what_it_was_given() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/events/corpus");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "the corpus is there: {names:?}");
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    for name in &names {
        assert!(readme.contains(name.as_str()), "{name} is not described in the corpus README");
        let corpus_name = format!("corpus/{name}");
        let trigger = |prefix: &str| name.starts_with(&format!("{prefix}-"));
        if trigger("pre-signup") {
            corpus_round_trip::<PreSignUpEvent>(&corpus_name);
        } else if trigger("pre-authentication") {
            corpus_round_trip::<PreAuthenticationEvent>(&corpus_name);
        } else if trigger("post-authentication") {
            corpus_round_trip::<PostAuthenticationEvent>(&corpus_name);
        } else if trigger("post-confirmation") {
            corpus_round_trip::<PostConfirmationEvent>(&corpus_name);
        } else if trigger("pre-token-generation") {
            corpus_round_trip::<PreTokenGenerationEvent>(&corpus_name);
        } else if trigger("custom-message") {
            corpus_round_trip::<CustomMessageEvent>(&corpus_name);
        } else if trigger("user-migration") {
            corpus_round_trip::<UserMigrationEvent>(&corpus_name);
        } else if trigger("define-auth-challenge") {
            corpus_round_trip::<DefineAuthChallengeEvent>(&corpus_name);
        } else if trigger("create-auth-challenge") {
            corpus_round_trip::<CreateAuthChallengeEvent>(&corpus_name);
        } else if trigger("verify-auth-challenge-response") {
            corpus_round_trip::<VerifyAuthChallengeResponseEvent>(&corpus_name);
        } else if trigger("custom-email-sender") {
            corpus_round_trip::<CustomEmailSenderEvent>(&corpus_name);
        } else if trigger("custom-sms-sender") {
            corpus_round_trip::<CustomSmsSenderEvent>(&corpus_name);
        } else if trigger("inbound-federation") {
            corpus_round_trip::<InboundFederationEvent>(&corpus_name);
        } else {
            panic!("{name}: no trigger of that name (expected <trigger>-<source>-<what>.json)");
        }
    }
}

#[test]
fn a_takeover_notice_with_null_attribute_values_decodes_and_ignores_them() {
    for name in [
        "custom-email-sender-account-takeover.json",
        "corpus/custom-email-sender-definitelytyped-account-takeover.json",
    ] {
        let input = fixture(name);
        let event: CustomEmailSenderEvent = parse(&input);
        assert_eq!(event.trigger_source, CustomEmailSenderSource::AccountTakeOverNotification);
        assert!(event.request.code.is_none(), "{name}: a null code is no code");
        assert_eq!(event.request.attribute("CITY"), None, "{name}: null reads as unknown");
        assert_eq!(event.request.attribute("DEVICE_NAME"), None);
        assert!(event.request.attribute("EVENT_ID").is_some());
        let output = serialise(&event);
        assert_eq!(output["request"]["userAttributes"]["CITY"], Value::Null, "{name}: kept as given");
        assert!(!format!("{event:?} {:?}", event.request.code).contains("feedback"), "no link in Debug");
    }
    let booleans: CustomEmailSenderEvent =
        parse(&fixture("corpus/custom-email-sender-aws-lambda-go-boolean-attributes.json"));
    assert_eq!(booleans.request.attribute("email_verified"), None, "a boolean is no text attribute");
    assert_eq!(booleans.request.attribute("email"), Some("go.user@example.com"));
}
