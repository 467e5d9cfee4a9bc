//! The trigger as Cognito drives it: fixture events (V1, V2, V3, cognito-local's V1) through the
//! runtime path the binary uses, with in-memory ports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use pre_token_generation::{Ports, PreTokenGeneration, Settings};
use serde_json::{Value, json};
use trigger_core::events::TokenGenerationSource;
use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore};
use trigger_core::ports::{AttrValue, DirectoryUser, Item, Key, PortErrorKind, Store, Update, UserStatus};
use trigger_core::runtime::{Boot, InitError, run_within};
use trigger_core::{Env, TriggerError};

const SUB: &str = "4a8b2c3d-1111-2222-3333-444455556666";

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn profile_key(sub: &str) -> Key {
    Key::new(format!("USER#{sub}"), "PROFILE")
}

struct World {
    store: Arc<InMemoryStore>,
    directory: Arc<FakeDirectory>,
}

impl World {
    fn new() -> Self {
        Self { store: Arc::new(InMemoryStore::default()), directory: Arc::new(FakeDirectory::default()) }
    }

    fn trigger(&self, pairs: &[(&str, &str)]) -> PreTokenGeneration {
        let mut all = vec![("TABLE_NAME", "t")];
        all.extend_from_slice(pairs);
        let settings = Settings::from_env(&Env::from_pairs(all)).unwrap();
        let ports = Ports {
            store: self.store.clone(),
            directory: self.directory.clone(),
            clock: Arc::new(FixedClock::at_epoch_seconds(1_700_000_000)),
        };
        PreTokenGeneration::new(settings, ports)
    }

    async fn with_profile(self, sub: &str) -> Self {
        let row = Item::new(&profile_key(sub))
            .with("sub", AttrValue::s(sub))
            .with("tenantId", AttrValue::s("acme"))
            .with("roles", AttrValue::L(vec![AttrValue::s("admin"), AttrValue::s("billing")]))
            .with("name", AttrValue::s("Jane"));
        self.store.put(&row, None).await.unwrap();
        self
    }

    /// What pre sign-up records on the profile when it links `provider` for `address`.
    async fn recorded_by_provider(&self, sub: &str, address: &str, provider: &str) {
        let update = trigger_core::profile::record_provider_verified_email(Update::default(), provider, address, 1);
        self.store.update(&profile_key(sub), &update, None).await.unwrap();
    }
}

const TRUSTED: &[(&str, &str)] = &[("LINK_TRUSTED_PROVIDERS", "Google")];

const CLAIMS: &[(&str, &str)] =
    &[("CLAIMS_FROM_PROFILE", "tenantId:custom:tenant,roles:roles"), ("SUPPRESS_CLAIMS", "phone_number")];

async fn answer(trigger: &PreTokenGeneration, event: Value) -> Result<Value, TriggerError> {
    run_within(trigger, Duration::from_secs(3), event).await
}

fn user_sources() -> impl Iterator<Item = &'static str> {
    TokenGenerationSource::KNOWN.iter().copied().filter(|s| *s != "TokenGeneration_ClientCredentials")
}

#[tokio::test]
async fn v1_every_source_gets_profile_claims_suppression_and_keeps_the_groups() {
    let world = World::new().with_profile(SUB).await;
    let trigger = world.trigger(CLAIMS);
    for source in user_sources() {
        let mut event = fixture("pre-token-generation-v1.json");
        event["triggerSource"] = json!(source);
        let output = answer(&trigger, event.clone()).await.unwrap();
        let details = &output["response"]["claimsOverrideDetails"];
        assert_eq!(details["claimsToAddOrOverride"]["custom:tenant"], "acme", "{source}");
        assert_eq!(details["claimsToAddOrOverride"]["roles"], r#"["admin","billing"]"#, "V1 claims are strings");
        assert_eq!(details["claimsToSuppress"], json!(["phone_number"]));
        assert_eq!(details["groupOverrideDetails"], event["request"]["groupConfiguration"], "groups survive: {source}");
        assert_eq!(details["groupOverrideDetails"]["groupsToOverride"], json!(["admins", "editors"]));
    }
}

#[tokio::test]
async fn v2_every_source_with_null_group_configuration_keeps_an_explicit_group_list() {
    let world = World::new().with_profile(SUB).await;
    let trigger = world.trigger(CLAIMS);
    for source in user_sources() {
        let mut event = fixture("pre-token-generation-v2.json");
        event["triggerSource"] = json!(source);
        let output = answer(&trigger, event).await.unwrap();
        let details = &output["response"]["claimsAndScopeOverrideDetails"];
        let id = &details["idTokenGeneration"];
        assert_eq!(id["claimsToAddOrOverride"]["custom:tenant"], "acme", "{source}");
        assert_eq!(id["claimsToAddOrOverride"]["roles"], json!(["admin", "billing"]), "V2 keeps the list");
        assert_eq!(id["claimsToSuppress"], json!(["phone_number"]));
        let groups = &details["groupOverrideDetails"];
        assert!(groups.is_object(), "never null: a null groupOverrideDetails strips the groups ({source})");
        assert_eq!(groups["groupsToOverride"], json!([]));
    }
}

#[tokio::test]
async fn v2_groups_survive_and_add_their_access_token_scopes() {
    let world = World::new().with_profile(SUB).await;
    let trigger = world.trigger(&[("ACCESS_TOKEN_SCOPES_FROM_GROUPS", "admins:orders/write orders/read;ops:ops/all")]);
    let mut event = fixture("pre-token-generation-v2.json");
    event["request"]["groupConfiguration"] =
        json!({ "groupsToOverride": ["admins"], "iamRolesToOverride": [], "preferredRole": null });
    let output = answer(&trigger, event).await.unwrap();
    let details = &output["response"]["claimsAndScopeOverrideDetails"];
    assert_eq!(details["groupOverrideDetails"]["groupsToOverride"], json!(["admins"]));
    assert_eq!(details["accessTokenGeneration"]["scopesToAdd"], json!(["orders/write", "orders/read"]));
}

#[tokio::test]
async fn cognito_locals_v0_event_with_empty_group_configuration_is_answered() {
    let world = World::new().with_profile("0c2ab4d6-aaaa-bbbb-cccc-ddddeeeeffff").await;
    let output = answer(&world.trigger(CLAIMS), fixture("pre-token-generation-v1-cognito-local.json")).await.unwrap();
    let details = &output["response"]["claimsOverrideDetails"];
    assert_eq!(details["claimsToAddOrOverride"]["custom:tenant"], "acme");
    assert!(details["groupOverrideDetails"].is_object());
}

#[tokio::test]
async fn client_credentials_and_unknown_sources_touch_nothing_and_keep_groups() {
    let world = World::new();
    let trigger = world.trigger(&[("ACCESS_TOKEN_SCOPES_FROM_GROUPS", "admins:x/y")]);
    let output = answer(&trigger, fixture("pre-token-generation-v3-client-credentials.json")).await.unwrap();
    assert_eq!(output["triggerSource"], "TokenGeneration_ClientCredentials");
    assert_eq!(output["response"]["claimsAndScopeOverrideDetails"], json!({}), "a machine has no groups to keep");
    let mut unknown = fixture("pre-token-generation-v1.json");
    unknown["triggerSource"] = json!("TokenGeneration_SomethingNew");
    let output = answer(&trigger, unknown.clone()).await.unwrap();
    assert_eq!(output["triggerSource"], "TokenGeneration_SomethingNew");
    assert_eq!(
        output["response"]["claimsOverrideDetails"]["groupOverrideDetails"],
        unknown["request"]["groupConfiguration"]
    );
    assert!(world.store.items().is_empty(), "no profile row for a token without a known user flow");
}

#[tokio::test]
async fn a_store_outage_never_blocks_the_token() {
    let world = World::new().with_profile(SUB).await;
    world.store.set_outage(Some(PortErrorKind::Unavailable));
    let trigger = world.trigger(CLAIMS);
    let output = answer(&trigger, fixture("pre-token-generation-v1.json")).await.unwrap();
    let details = &output["response"]["claimsOverrideDetails"];
    assert_eq!(details["claimsToAddOrOverride"], json!({}), "no profile claims");
    assert_eq!(details["claimsToSuppress"], json!(["phone_number"]), "suppression still applies");
    assert_eq!(details["groupOverrideDetails"]["groupsToOverride"], json!(["admins", "editors"]));
    let output = answer(&trigger, fixture("pre-token-generation-v2.json")).await.unwrap();
    assert!(output["response"]["claimsAndScopeOverrideDetails"]["groupOverrideDetails"].is_object());
}

#[tokio::test]
async fn a_missing_profile_is_created_once_from_the_attributes_even_concurrently() {
    let world = World::new();
    let trigger = Arc::new(world.trigger(&[("CLAIMS_FROM_PROFILE", "status:custom:status")]));
    let mut event = fixture("pre-token-generation-v1.json");
    event["request"]["userAttributes"]["picture"] = json!("https://p.example/j.png");
    let answers = futures_join(trigger.clone(), event, 10).await;
    for output in answers {
        assert_eq!(output["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]["custom:status"], "CONFIRMED");
    }
    assert_eq!(world.store.items().len(), 1, "one row");
    let row = world.store.get(&profile_key(SUB)).await.unwrap().unwrap();
    assert_eq!(row.str("email"), Some("jane.doe@example.com"));
    assert_eq!(row.str("username"), Some("jane.doe"));
    assert_eq!(row.str("picture"), Some("https://p.example/j.png"));
    assert_eq!(row.i64("createdAt"), Some(1_700_000_000));
}

async fn futures_join(trigger: Arc<PreTokenGeneration>, event: Value, n: usize) -> Vec<Value> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (trigger, event) = (trigger.clone(), event.clone());
            tokio::spawn(async move { answer(&trigger, event).await.unwrap() })
        })
        .collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_federated_row_gets_picture_and_name_when_it_lacks_them_and_keeps_its_own() {
    let world = World::new();
    let row = Item::new(&profile_key(SUB)).with("sub", AttrValue::s(SUB)).with("name", AttrValue::s("Own"));
    world.store.put(&row, None).await.unwrap();
    let mut event = fixture("pre-token-generation-v1.json");
    event["request"]["userAttributes"]["name"] = json!("From Google");
    event["request"]["userAttributes"]["picture"] = json!("https://p.example/g.png");
    answer(&world.trigger(&[]), event).await.unwrap();
    let row = world.store.get(&profile_key(SUB)).await.unwrap().unwrap();
    assert_eq!(row.str("name"), Some("Own"));
    assert_eq!(row.str("picture"), Some("https://p.example/g.png"));
    assert_eq!(row.i64("updatedAt"), Some(1_700_000_000));
}

fn federated_user(email_verified: &str) -> DirectoryUser {
    DirectoryUser {
        username: "jane.doe".into(),
        status: UserStatus::ExternalProvider,
        enabled: true,
        created_at: None,
        attributes: BTreeMap::from([("email_verified".to_owned(), email_verified.to_owned())]),
    }
}

#[tokio::test]
async fn a_linked_user_whose_email_came_back_unverified_is_repaired_and_only_then() {
    let world = World::new().with_profile(SUB).await;
    world.recorded_by_provider(SUB, "Jane.Doe@example.com", "Google").await;
    world.directory.insert(federated_user("false"));
    let trigger = world.trigger(TRUSTED);
    let identities = r#"[{"userId":"1089","providerName":"Google","providerType":"Google","primary":"false"}]"#;
    let mut event = fixture("pre-token-generation-v1.json");
    event["request"]["userAttributes"]["identities"] = json!(identities);
    event["request"]["userAttributes"]["email_verified"] = json!("false");
    let output = answer(&trigger, event.clone()).await.unwrap();
    assert_eq!(output["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]["email_verified"], "true");
    assert_eq!(world.directory.users()[0].attribute("email_verified"), Some("true"));

    // The request now says true: no call. The directory's value is set back to a sentinel to
    // prove nothing writes it.
    let other = World { store: world.store.clone(), directory: Arc::new(FakeDirectory::default()) };
    other.directory.insert(federated_user("sentinel"));
    event["request"]["userAttributes"]["email_verified"] = json!("true");
    let output = answer(&other.trigger(TRUSTED), event.clone()).await.unwrap();
    assert_eq!(other.directory.users()[0].attribute("email_verified"), Some("sentinel"));
    assert_eq!(output["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"], json!({}));

    // Without linked identities a false value is the user's real state: left alone.
    event["request"]["userAttributes"]["email_verified"] = json!("false");
    event["request"]["userAttributes"]["identities"] = json!("[]");
    answer(&other.trigger(TRUSTED), event.clone()).await.unwrap();
    assert_eq!(other.directory.users()[0].attribute("email_verified"), Some("sentinel"));

    // A failing directory never blocks the token.
    other.directory.set_outage(Some(PortErrorKind::Throttled));
    event["request"]["userAttributes"]["identities"] = json!(identities);
    let output = answer(&other.trigger(TRUSTED), event).await.unwrap();
    assert_eq!(output["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"], json!({}));
}

#[tokio::test]
async fn email_verified_is_never_restored_for_an_address_no_trusted_provider_verified() {
    let identities = r#"[{"userId":"1089","providerName":"Google","providerType":"Google","primary":"false"}]"#;
    let mut event = fixture("pre-token-generation-v1.json");
    event["request"]["userAttributes"]["identities"] = json!(identities);
    event["request"]["userAttributes"]["email_verified"] = json!("false");
    // (what the profile recorded at linking, the trusted providers, why the repair is refused)
    type Case<'a> = (Option<(&'a str, &'a str)>, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 4] = [
        (Some(("someone.else@example.com", "Google")), TRUSTED, "the user changed the e-mail since linking"),
        (Some(("jane.doe@example.com", "Google")), &[], "no provider is trusted"),
        (
            Some(("jane.doe@example.com", "Facebook")),
            &[("LINK_TRUSTED_PROVIDERS", "Google,Facebook")],
            "not linked to it",
        ),
        (None, TRUSTED, "nothing recorded: linked before the rule, or by someone else"),
    ];
    for (recorded, settings, why) in cases {
        let world = World::new().with_profile(SUB).await;
        if let Some((address, provider)) = recorded {
            world.recorded_by_provider(SUB, address, provider).await;
        }
        world.directory.insert(federated_user("sentinel"));
        let output = answer(&world.trigger(settings), event.clone()).await.unwrap();
        assert_eq!(world.directory.users()[0].attribute("email_verified"), Some("sentinel"), "{why}");
        let claims = &output["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"];
        assert!(claims.get("email_verified").is_none(), "{why}: {claims}");
    }
}

#[tokio::test]
async fn a_forbidden_claim_fails_init_naming_it() {
    for (variable, value, named) in [
        ("SUPPRESS_CLAIMS", "email,cognito:username", "cognito:username"),
        ("CLAIMS_FROM_PROFILE", "tenantId:sub", "sub"),
        ("CLAIMS_FROM_PROFILE", "addr:address", "address"),
        ("CLIENT_CREDENTIALS_CLAIMS", r#"{"m2mclient0123456789": {"iss": "https://evil.example"}}"#, "iss"),
        ("CLIENT_CREDENTIALS_SUPPRESS_CLAIMS", "m2mclient0123456789:client_id", "client_id"),
    ] {
        let boot = Boot::from_env(Env::from_pairs([("TABLE_NAME", "t"), (variable, value)])).unwrap();
        let Err(err) = PreTokenGeneration::init(boot).await else { panic!("{variable}={value} was accepted") };
        assert!(matches!(err, InitError::Config(_)));
        let text = err.to_string();
        assert!(text.contains(variable) && text.contains(named), "{text}");
    }
}

const M2M_CLIENT: &str = "m2mclient0123456789";

/// Rules for the fixture's app client and for another one.
const M2M_RULES: &[(&str, &str)] = &[
    (
        "CLIENT_CREDENTIALS_CLAIMS",
        r#"{"m2mclient0123456789": {"tenant": "acme", "tier": 3, "regions": ["eu", "us"]}, "reporting9": {"tenant": "internal"}}"#,
    ),
    ("CLIENT_CREDENTIALS_SUPPRESS_CLAIMS", "m2mclient0123456789:legacy_flag"),
    ("CLIENT_CREDENTIALS_SCOPES", "m2mclient0123456789:orders/write;reporting9:reports/read"),
    ("CLIENT_CREDENTIALS_SUPPRESS_SCOPES", "m2mclient0123456789:orders/admin"),
    // User tokens' settings, which a machine token must not get.
    ("CLAIMS_FROM_PROFILE", "tenantId:custom:tenant"),
    ("SUPPRESS_CLAIMS", "phone_number"),
    ("ACCESS_TOKEN_SCOPES_FROM_GROUPS", "admins:orders/all"),
];

/// The value with every null object member left out (Cognito reads a null as absent).
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), without_nulls(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn a_machine_token_gets_its_clients_claims_and_scopes_in_the_access_token_only() {
    let world = World::new();
    let trigger = world.trigger(M2M_RULES);
    let input = fixture("pre-token-generation-v3-client-credentials.json");
    assert_eq!(input["callerContext"]["clientId"], M2M_CLIENT);
    let output = answer(&trigger, input.clone()).await.unwrap();
    let details = output["response"]["claimsAndScopeOverrideDetails"].as_object().unwrap();
    assert_eq!(
        details.keys().collect::<Vec<_>>(),
        ["accessTokenGeneration"],
        "no ID-token or group section: {details:?}"
    );
    let access = &details["accessTokenGeneration"];
    assert_eq!(access["claimsToAddOrOverride"], json!({ "tenant": "acme", "tier": 3, "regions": ["eu", "us"] }));
    assert_eq!(access["claimsToSuppress"], json!(["legacy_flag"]));
    assert_eq!(access["scopesToAdd"], json!(["orders/write"]), "the group scopes are for users");
    assert_eq!(access["scopesToSuppress"], json!(["orders/admin"]));

    // Another client gets its own rules, nothing of the first one's.
    let mut other = input.clone();
    other["callerContext"]["clientId"] = json!("reporting9");
    let output = answer(&trigger, other).await.unwrap();
    let access = &output["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"];
    assert_eq!(access["claimsToAddOrOverride"], json!({ "tenant": "internal" }));
    assert_eq!(access["scopesToAdd"], json!(["reports/read"]));
    assert_eq!(access["claimsToSuppress"], json!([]));
    assert!(world.store.items().is_empty(), "a machine has no profile");
}

#[tokio::test]
async fn a_machine_token_of_a_client_without_rules_is_answered_unchanged() {
    let world = World::new();
    let trigger = world.trigger(M2M_RULES);
    let mut input = fixture("pre-token-generation-v3-client-credentials.json");
    for client in [json!("unlisted0client"), Value::Null] {
        input["callerContext"]["clientId"] = client.clone();
        let output = answer(&trigger, input.clone()).await.unwrap();
        assert_eq!(without_nulls(&output["response"]), without_nulls(&input["response"]), "client {client}");
    }
    // Cognito may send no override details at all: none are invented.
    input["response"] = json!({ "claimsAndScopeOverrideDetails": null });
    let output = answer(&trigger, input).await.unwrap();
    assert_eq!(without_nulls(&output["response"]), json!({}));
}

#[tokio::test]
async fn suppression_wins_over_add_for_a_machine_token() {
    let world = World::new();
    let trigger = world.trigger(&[
        ("CLIENT_CREDENTIALS_CLAIMS", r#"{"m2mclient0123456789": {"tier": 3, "tenant": "acme"}}"#),
        ("CLIENT_CREDENTIALS_SUPPRESS_CLAIMS", "m2mclient0123456789:tier"),
        ("CLIENT_CREDENTIALS_SCOPES", "m2mclient0123456789:orders/read orders/write"),
        ("CLIENT_CREDENTIALS_SUPPRESS_SCOPES", "m2mclient0123456789:orders/write"),
    ]);
    let output = answer(&trigger, fixture("pre-token-generation-v3-client-credentials.json")).await.unwrap();
    let access = &output["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"];
    assert_eq!(access["claimsToAddOrOverride"], json!({ "tenant": "acme" }));
    assert_eq!(access["claimsToSuppress"], json!(["tier"]));
    assert_eq!(access["scopesToAdd"], json!(["orders/read"]));
    assert_eq!(access["scopesToSuppress"], json!(["orders/write"]));
}

#[tokio::test]
async fn a_v3_user_token_is_answered_like_a_v2_one() {
    let world = World::new().with_profile(SUB).await;
    let trigger = world.trigger(M2M_RULES);
    let mut event = fixture("pre-token-generation-v2.json");
    event["version"] = json!("3");
    event["request"]["groupConfiguration"] = json!({ "groupsToOverride": ["admins"] });
    event["callerContext"]["clientId"] = json!(M2M_CLIENT);
    let output = answer(&trigger, event).await.unwrap();
    let details = &output["response"]["claimsAndScopeOverrideDetails"];
    assert_eq!(details["idTokenGeneration"]["claimsToAddOrOverride"]["custom:tenant"], "acme");
    assert_eq!(details["groupOverrideDetails"]["groupsToOverride"], json!(["admins"]));
    assert_eq!(
        details["accessTokenGeneration"]["scopesToAdd"],
        json!(["orders/all"]),
        "a user's token: no client rules"
    );
    assert!(details["accessTokenGeneration"].get("claimsToAddOrOverride").is_none_or(|c| c == &json!({})));
}

#[tokio::test]
async fn an_event_version_this_build_does_not_know_is_answered_unchanged() {
    let world = World::new().with_profile(SUB).await;
    let trigger = world.trigger(M2M_RULES);
    for base in [
        "pre-token-generation-v1.json",
        "pre-token-generation-v2.json",
        "pre-token-generation-v3-client-credentials.json",
    ] {
        for version in [json!("4"), json!("2.0"), json!(""), json!(3)] {
            let mut event = fixture(base);
            event["version"] = version.clone();
            let output = answer(&trigger, event.clone()).await.unwrap();
            assert_eq!(output, event, "{base} with version {version}: answered exactly as it came");
        }
    }
    let row = world.store.get(&profile_key(SUB)).await.unwrap().unwrap();
    assert!(row.get("updatedAt").is_none(), "no profile work for an event it cannot answer");
}

#[test]
fn an_unknown_version_event_shows_no_user_data_in_logs() {
    let mut event = fixture("pre-token-generation-v1.json");
    event["version"] = json!("9");
    let decoded: trigger_core::events::PreTokenGenerationEvent = serde_json::from_value(event).unwrap();
    let shown = format!("{decoded:?}");
    assert!(shown.contains("UnknownVersionEvent") && shown.contains("\"9\""), "{shown}");
    assert!(!shown.contains("jane.doe"), "the debug form must not carry the user's name or address: {shown}");
}
