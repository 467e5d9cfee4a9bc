//! The trigger as Cognito drives it: fixture events (OIDC, social, SAML) through the runtime
//! path the binary uses, the answer's `userAttributesToMap` or the denial text out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::time::Duration;

use inbound_federation::{InboundFederation, NOTHING_MAPPED, PROVIDER_NOT_SET_UP, Ports, Settings};
use serde_json::{Value, json};
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

const SAML_EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
const SAML_GROUPS: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups";

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The mapping the docs use as their example.
fn example_map() -> String {
    format!(
        "CorpOIDC: email=email, email_verified=email_verified, given_name=given_name, family_name=family_name, \
         phone_number=phone_number, picture=picture, custom:groups=groups[]; \
         Google: email=email, email_verified=email_verified, name=name; \
         CorpSAML: email={SAML_EMAIL}, email_verified=email_verified, \
         given_name=http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname, \
         custom:tenant=http://schemas.microsoft.com/identity/claims/tenantid, custom:groups={SAML_GROUPS}[]"
    )
}

fn trigger(pairs: &[(&str, &str)]) -> InboundFederation {
    InboundFederation::new(Settings::from_env(&Env::from_pairs(pairs.iter().copied())).unwrap(), Ports::default())
}

fn trusting_all() -> InboundFederation {
    let map = example_map();
    trigger(&[("FEDERATION_ATTRIBUTE_MAP", &map), ("LINK_TRUSTED_PROVIDERS", "CorpOIDC,Google,CorpSAML")])
}

async fn answer(trigger: &InboundFederation, event: Value) -> Result<Value, TriggerError> {
    run_within(trigger, Duration::from_secs(1), event).await
}

async fn mapped(trigger: &InboundFederation, event: Value) -> Value {
    answer(trigger, event).await.unwrap()["response"]["userAttributesToMap"].clone()
}

#[tokio::test]
async fn oidc_claims_come_from_the_id_token_then_user_info_and_only_the_mapped_ones_go_out() {
    let out = mapped(&trusting_all(), fixture("inbound-federation.json")).await;
    assert_eq!(
        out,
        json!({
            "email": "jane.doe@corp.example",
            "email_verified": "true",
            "given_name": "Jane",
            "family_name": "Doe",
            "phone_number": "+14155550123",
            "picture": "https://login.corp.example/avatars/jane.png",
            "custom:groups": r#"["engineering","on-call"]"#,
        })
    );
    // Not mapped, so not passed: the user-info locale, the ID token's name and every token.
    assert!(out.get("locale").is_none() && out.get("name").is_none());
}

#[tokio::test]
async fn a_social_provider_is_mapped_from_its_tokens_claims() {
    let out = mapped(&trusting_all(), fixture("inbound-federation-google.json")).await;
    assert_eq!(out, json!({ "email": "jane.doe@gmail.com", "email_verified": "true", "name": "Jane Doe" }));
}

#[tokio::test]
async fn saml_attributes_are_mapped_by_their_names_and_groups_become_a_json_list() {
    let out = mapped(&trusting_all(), fixture("inbound-federation-saml.json")).await;
    assert_eq!(
        out,
        json!({
            "email": "jane.doe@corp.example",
            "email_verified": "true",
            "given_name": "Jane",
            "custom:tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "custom:groups": r#"["engineering","on-call","sre"]"#,
        })
    );
}

#[tokio::test]
async fn the_rest_of_the_event_goes_back_as_it_came() {
    let input = fixture("inbound-federation-saml.json");
    let output = answer(&trusting_all(), input.clone()).await.unwrap();
    assert_eq!(output["request"], input["request"]);
    assert_eq!(output["response"]["futureResponseField"], 1);
    assert_eq!(output["userName"], input["userName"]);
}

#[tokio::test]
async fn email_verified_from_an_untrusted_provider_never_passes() {
    // Trusted: Google only. `*` maps the verified flag for everyone; CorpOIDC is not trusted.
    let trigger = trigger(&[
        ("FEDERATION_ATTRIBUTE_MAP", "*: email=email, email_verified=email_verified, phone_number_verified=pv"),
        ("LINK_TRUSTED_PROVIDERS", "Google"),
    ]);
    let mut event = fixture("inbound-federation.json");
    event["request"]["attributes"]["idToken"]["pv"] = json!(true);
    let out = mapped(&trigger, event).await;
    assert_eq!(out, json!({ "email": "jane.doe@corp.example" }), "no verified flag from CorpOIDC");
    let out = mapped(&trigger, fixture("inbound-federation-google.json")).await;
    assert_eq!(out["email_verified"], "true", "Google is trusted");
}

#[tokio::test]
async fn a_trusted_provider_saying_unverified_is_passed_as_false() {
    let mut event = fixture("inbound-federation-google.json");
    event["request"]["attributes"]["idToken"]["email_verified"] = json!(false);
    let out = mapped(&trusting_all(), event).await;
    assert_eq!(out["email_verified"], "false");
}

#[tokio::test]
async fn hostile_values_are_cut_refused_or_cleaned() {
    let mut event = fixture("inbound-federation.json");
    let claims = &mut event["request"]["attributes"]["idToken"];
    claims["email"] = json!("attacker@example.com\r\nBcc: victim@example.com");
    claims["groups"] = json!((0..400).map(|n| format!("group-{n:03}")).collect::<Vec<_>>());
    let info = &mut event["request"]["attributes"]["userInfo"];
    info["given_name"] = json!(format!("Jane\u{1b}[2J{}", "x".repeat(3000)));
    info["family_name"] = json!("Doe\u{0}");
    info["picture"] = json!(format!("https://example.com/{}", "p".repeat(3000)));
    info["phone_number"] = json!("call me maybe");
    let out = mapped(&trusting_all(), event).await;
    assert!(out.get("email").is_none(), "an address with a line break is refused: {out}");
    assert!(out.get("picture").is_none(), "a link over the limit is refused, not cut");
    assert!(out.get("phone_number").is_none());
    let given = out["given_name"].as_str().unwrap();
    assert_eq!(given.chars().count(), 2048, "text is cut at Cognito's limit");
    assert!(!given.contains('\u{1b}'));
    assert_eq!(out["family_name"], "Doe");
    let groups: Vec<String> = serde_json::from_str(out["custom:groups"].as_str().unwrap()).unwrap();
    assert!(!groups.is_empty() && groups.len() < 400 && out["custom:groups"].as_str().unwrap().len() <= 2048);
}

#[tokio::test]
async fn an_unknown_source_is_answered_unchanged() {
    let mut input = fixture("inbound-federation.json");
    input["triggerSource"] = json!("InboundFederation_SomethingNew");
    let output = answer(&trusting_all(), input.clone()).await.unwrap();
    assert_eq!(output["response"], input["response"]);
    assert_eq!(output["triggerSource"], "InboundFederation_SomethingNew");
}

#[tokio::test]
async fn an_unmapped_provider_is_kept_or_refused_as_configured() {
    let mut event = fixture("inbound-federation.json");
    event["request"]["providerName"] = json!("OtherIdP");
    let keep = trigger(&[("FEDERATION_ATTRIBUTE_MAP", "Google: email=email")]);
    let out = mapped(&keep, event.clone()).await;
    assert_eq!(out, json!({}), "{{}}: the pool's own attribute mapping applies");
    let deny = trigger(&[("FEDERATION_ATTRIBUTE_MAP", "Google: email=email"), ("UNMAPPED_PROVIDERS", "deny")]);
    let err = answer(&deny, event).await.unwrap_err();
    assert_eq!(err.user_message(), PROVIDER_NOT_SET_UP);
}

#[tokio::test]
async fn a_mapped_provider_that_sends_none_of_its_claims_is_refused_not_answered_empty() {
    // An empty answer would mean "keep everything Cognito mapped": fail closed instead.
    let trigger = trigger(&[("FEDERATION_ATTRIBUTE_MAP", "CorpOIDC: custom:employee=employee_id")]);
    let err = answer(&trigger, fixture("inbound-federation.json")).await.unwrap_err();
    assert_eq!(err.user_message(), NOTHING_MAPPED);
}

#[tokio::test]
async fn alternatives_take_the_first_claim_present_and_tokens_are_never_a_source() {
    let trigger =
        trigger(&[("FEDERATION_ATTRIBUTE_MAP", "CorpOIDC: email=mail|email, custom:token=access_token|id_token")]);
    let out = mapped(&trigger, fixture("inbound-federation.json")).await;
    assert_eq!(out, json!({ "email": "jane.doe@corp.example" }), "tokenResponse is not read: {out}");
}
