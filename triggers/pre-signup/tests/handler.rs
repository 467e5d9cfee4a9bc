//! The trigger as Cognito drives it: a fixture event in, the answer (or the denial text) out,
//! through the same runtime path the binary uses, with in-memory ports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use pre_signup::federated::native_user_name;
use pre_signup::legacy::OldPoolUsers;
use pre_signup::{EMAIL_TAKEN, GENERIC_TAKEN, LegacyStores, PHONE_TAKEN, Ports, PreSignUp, Settings, USERNAME_TAKEN};
use serde_json::{Value, json};
use trigger_core::domain_events::{EventSettings, Events};
use trigger_core::fakes::{
    FakeDirectory, FixedClock, InMemoryLegacyUsers, InMemoryStore, RecordingBus, RecordingScheduler,
};
use trigger_core::logging::Secret;
use trigger_core::ports::{
    CreateOutcome, DeleteOutcome, DirectoryUser, Key, LegacyUser, LinkOutcome, PortError, PortErrorKind, ProviderUser,
    SearchableAttribute, Store, UserDirectory, UserStatus,
};
use trigger_core::reservations::{self, Kind};
use trigger_core::runtime::run_within;
use trigger_core::{Env, TriggerError};

const REMINDER: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:signup-reminder";

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Rig {
    store: Arc<InMemoryStore>,
    directory: Arc<FakeDirectory>,
    scheduler: Arc<RecordingScheduler>,
    bus: Arc<RecordingBus>,
    trigger: PreSignUp,
}

fn rig(pairs: &[(&str, &str)]) -> Rig {
    rig_with_legacy(pairs, LegacyStores::default())
}

fn rig_with_legacy(pairs: &[(&str, &str)], legacy: LegacyStores) -> Rig {
    let mut all = vec![("TABLE_NAME", "table")];
    all.extend_from_slice(pairs);
    let settings = Settings::from_env(&Env::from_pairs(all)).unwrap();
    let store = Arc::new(InMemoryStore::default());
    let directory = Arc::new(FakeDirectory::default());
    let scheduler = Arc::new(RecordingScheduler::default());
    let bus = Arc::new(RecordingBus::default());
    let ports = Ports {
        store: Some(store.clone()),
        directory: directory.clone(),
        scheduler: scheduler.clone(),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        events: Events::new(&EventSettings::from_env(&Env::default()).unwrap(), bus.clone()),
    };
    Rig { store, directory, scheduler, bus, trigger: PreSignUp::new(settings, ports).with_legacy(legacy) }
}

async fn answer(rig: &Rig, event: Value) -> Result<Value, TriggerError> {
    run_within(&rig.trigger, Duration::from_secs(1), event).await
}

fn sign_up(username: &str, email: &str) -> Value {
    let mut event = fixture("pre-signup.json");
    event["userName"] = json!(username);
    event["request"]["userAttributes"] = json!({ "email": email });
    event
}

fn user(username: &str, attributes: &[(&str, &str)], status: UserStatus) -> DirectoryUser {
    DirectoryUser {
        username: username.into(),
        status,
        enabled: true,
        created_at: None,
        attributes: attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
    }
}

#[tokio::test]
async fn every_source_passes_when_no_rule_refuses_it() {
    let rig = rig(&[]);
    for name in [
        "pre-signup.json",
        "pre-signup-admin-create-user-nulls.json",
        "pre-signup-external-provider.json",
        "pre-signup-cognito-local.json",
        "pre-signup-unknown-source-extra-fields.json",
    ] {
        let input = fixture(name);
        let output = answer(&rig, input.clone()).await.unwrap();
        assert_eq!(output["response"]["autoConfirmUser"], false, "{name}");
        assert_eq!(output["userName"], input["userName"], "{name}");
    }
}

#[tokio::test]
async fn a_denied_domain_is_refused_with_the_users_message_whatever_the_case() {
    let rig = rig(&[("DENIED_EMAIL_DOMAINS", "EXAMPLE.com")]);
    for name in
        ["pre-signup.json", "pre-signup-admin-create-user-nulls.json", "pre-signup-unknown-source-extra-fields.json"]
    {
        let err = answer(&rig, fixture(name)).await.unwrap_err();
        assert_eq!(err.user_message(), "Sign-up with this e-mail domain is not allowed", "{name}");
        assert_eq!(err.kind(), "Denied");
    }
    answer(&rig, fixture("pre-signup-external-provider.json")).await.unwrap();
}

#[tokio::test]
async fn the_allow_list_admits_subdomains_only_with_a_wildcard() {
    let event = sign_up("jane", "jane@eu.example.com");
    answer(&rig(&[("ALLOWED_EMAIL_DOMAINS", "*.example.com")]), event.clone()).await.unwrap();
    let err = answer(&rig(&[("ALLOWED_EMAIL_DOMAINS", "example.com")]), event).await.unwrap_err();
    assert_eq!(err.user_message(), "Sign-up with this e-mail domain is not allowed");
}

#[tokio::test]
async fn a_missing_address_is_refused_when_rules_are_on_and_never_crashes() {
    let mut event = fixture("pre-signup.json");
    event["request"]["userAttributes"] = Value::Null;
    let err = answer(&rig(&[("ALLOWED_EMAIL_DOMAINS", "example.com")]), event.clone()).await.unwrap_err();
    assert_eq!(err.user_message(), "Please sign up with a valid e-mail address");
    answer(&rig(&[]), event).await.unwrap();
}

#[tokio::test]
async fn short_user_names_are_refused_except_for_federated_sign_ups() {
    let rig = rig(&[("MIN_USERNAME_LENGTH", "12")]);
    let err = answer(&rig, fixture("pre-signup.json")).await.unwrap_err();
    assert_eq!(err.user_message(), "User names must be at least 12 characters long");
    answer(&rig, fixture("pre-signup-external-provider.json")).await.unwrap();
}

#[tokio::test]
async fn a_malformed_event_is_an_internal_error_with_a_generic_message() {
    let err = answer(&rig(&[]), json!({ "request": "not an object" })).await.unwrap_err();
    assert_eq!(err.kind(), "BadEvent");
    assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE);
    assert!(!err.to_string().contains("not an object"), "quoted values are cut: {err}");
}

#[tokio::test]
async fn one_account_per_address_in_any_letter_case_and_retries_pass() {
    let rig = rig(&[]);
    answer(&rig, sign_up("alice", "Alice@Example.com")).await.unwrap();
    answer(&rig, sign_up("alice", "alice@example.com")).await.expect("the same sign-up retried passes");
    let err = answer(&rig, sign_up("bob", " ALICE@example.COM ")).await.unwrap_err();
    assert_eq!(err.user_message(), EMAIL_TAKEN);
    assert_eq!(rig.store.items().len(), 1);
}

#[tokio::test]
async fn admin_created_users_are_unique_too_and_get_no_flags() {
    let rig = rig(&[("AUTO_CONFIRM_EMAIL_DOMAINS", "example.com")]);
    let mut event = fixture("pre-signup-admin-create-user-nulls.json");
    let output = answer(&rig, event.clone()).await.unwrap();
    assert_eq!(
        output["response"],
        json!({ "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false })
    );
    event["userName"] = json!("someone-else");
    assert_eq!(answer(&rig, event).await.unwrap_err().user_message(), EMAIL_TAKEN);
}

#[tokio::test]
async fn phone_numbers_are_unique_only_when_asked() {
    let mut first = sign_up("p1", "p1@example.com");
    first["request"]["userAttributes"]["phone_number"] = json!("+14155550123");
    let mut second = sign_up("p2", "p2@example.com");
    second["request"]["userAttributes"]["phone_number"] = json!("+14155550123");
    let off = rig(&[]);
    answer(&off, first.clone()).await.unwrap();
    answer(&off, second.clone()).await.unwrap();
    let on = rig(&[("UNIQUE_PHONE", "true")]);
    answer(&on, first).await.unwrap();
    assert_eq!(answer(&on, second).await.unwrap_err().user_message(), PHONE_TAKEN);
}

#[tokio::test]
async fn auto_confirm_verifies_only_values_nobody_else_holds() {
    let rig = rig(&[("AUTO_CONFIRM_EMAIL_DOMAINS", "*.corp.example"), ("UNIQUE_EMAIL", "false")]);
    let mut event = sign_up("new", "dup@eu.corp.example");
    event["request"]["userAttributes"]["phone_number"] = json!("+14155550199");
    let output = answer(&rig, event.clone()).await.unwrap();
    assert_eq!(
        output["response"],
        json!({ "autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": true })
    );

    rig.directory.insert(user(
        "old",
        &[("email", "dup@eu.corp.example"), ("phone_number", "+14155550199")],
        UserStatus::Confirmed,
    ));
    let output = answer(&rig, event).await.unwrap();
    assert_eq!(
        output["response"],
        json!({ "autoConfirmUser": true, "autoVerifyEmail": false, "autoVerifyPhone": false }),
        "verifying would move the alias away from its holder"
    );
    let other = answer(&rig, sign_up("x", "x@other.example")).await.unwrap();
    assert_eq!(other["response"]["autoConfirmUser"], false);
}

#[tokio::test]
async fn a_reminder_starts_once_per_sign_up_however_often_it_is_retried() {
    let rig = rig(&[
        ("REMINDER_STATE_MACHINE_ARN", REMINDER),
        ("REMINDER_AFTER_SECONDS", "3600"),
        ("PENDING_RESERVATION_SECONDS", "86400"),
    ]);
    for _ in 0..3 {
        answer(&rig, sign_up("rita", "rita@example.com")).await.unwrap();
    }
    let started = rig.scheduler.started();
    assert_eq!(started.len(), 1);
    assert_eq!(
        started[0].input,
        json!({
            "userPoolId": "us-east-1_EXAMPLE1", "userName": "rita", "email": "rita@example.com",
            "signedUpAt": 1_800_000_000, "remindAfterSeconds": 3600, "expireAfterSeconds": 82800
        })
    );
    answer(&rig, fixture("pre-signup-admin-create-user-nulls.json")).await.unwrap();
    assert_eq!(rig.scheduler.started().len(), 1, "no reminder for admin-created users");
    rig.scheduler.set_outage(Some(PortErrorKind::Unavailable));
    answer(&rig, sign_up("sam", "sam@example.com")).await.expect("a reminder failure never blocks a sign-up");
}

#[tokio::test]
async fn a_store_outage_denies_by_default_and_lets_through_when_allowed() {
    let deny = rig(&[]);
    deny.store.set_outage(Some(PortErrorKind::Timeout));
    let err = answer(&deny, sign_up("a", "a@example.com")).await.unwrap_err();
    assert_eq!(err.kind(), "DependencyFailure");
    assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE);
    let allow = rig(&[("ON_DEPENDENCY_FAILURE", "allow")]);
    allow.store.set_outage(Some(PortErrorKind::Timeout));
    answer(&allow, sign_up("a", "a@example.com")).await.unwrap();
}

const LINKING: &[(&str, &str)] = &[("LINK_FEDERATED_USERS", "true"), ("LINK_TRUSTED_PROVIDERS", "Google")];

fn federated(email: &str, verified: &str) -> Value {
    let mut event = fixture("pre-signup-external-provider.json");
    event["request"]["userAttributes"]["email"] = json!(email);
    event["request"]["userAttributes"]["email_verified"] = json!(verified);
    event
}

#[tokio::test]
async fn federated_sign_ups_link_to_the_native_user_with_the_same_address() {
    let rig = rig(LINKING);
    rig.directory.insert(user(
        "native-jane",
        &[("email", "jane.doe@gmail.com"), ("email_verified", "true"), ("sub", "sub-native-jane")],
        UserStatus::Confirmed,
    ));
    for _ in 0..2 {
        answer(&rig, federated("Jane.Doe@gmail.com", "true")).await.expect("linked; a retry is fine");
    }
    let links = rig.directory.links();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].0, "native-jane");
    assert_eq!(links[0].1.provider_name, "Google");
    assert_eq!(links[0].1.provider_user_id, "108977345812345678901");
    let profile = rig.store.get(&Key::new("USER#sub-native-jane", "PROFILE")).await.unwrap().unwrap();
    assert_eq!(profile.str("providerVerifiedEmail"), Some("jane.doe@gmail.com"), "the token trigger repairs only this");
    assert_eq!(profile.str("providerVerifiedBy"), Some("Google"));
    assert_eq!(profile.str("username"), Some("native-jane"), "a whole profile row, not a fragment");
}

#[tokio::test]
async fn never_linked_into_a_native_user_who_did_not_prove_the_address() {
    // The pre-account-takeover: an attacker registers the victim's address first and never
    // verifies it (or confirms by SMS). Domain auto-verification, which leaves the account
    // verified in Cognito's eyes, has a test of its own below.
    for (name, status, verified) in [
        ("attacker-unconfirmed", UserStatus::Unconfirmed, "false"),
        ("attacker-confirmed-by-sms", UserStatus::Confirmed, "false"),
        ("attacker-unconfirmed-verified", UserStatus::Unconfirmed, "true"),
    ] {
        let rig = rig(LINKING);
        rig.directory.insert(user(name, &[("email", "victim@gmail.com"), ("email_verified", verified)], status));
        answer(&rig, federated("victim@gmail.com", "true")).await.expect("the federated user is created on its own");
        assert!(rig.directory.links().is_empty(), "{name}: not linked");
        assert_eq!(rig.directory.users().len(), 1, "{name}: no native user created either");
        assert!(rig.store.items().iter().all(|i| i.str("providerVerifiedEmail").is_none()));
    }
}

#[tokio::test]
async fn an_untrusted_provider_is_never_linked_whatever_it_asserts() {
    let rig = rig(&[("LINK_FEDERATED_USERS", "true"), ("LINK_TRUSTED_PROVIDERS", "Facebook")]);
    rig.directory.insert(user(
        "native-jane",
        &[("email", "jane.doe@gmail.com"), ("email_verified", "true")],
        UserStatus::Confirmed,
    ));
    answer(&rig, federated("jane.doe@gmail.com", "true")).await.unwrap();
    assert!(rig.directory.links().is_empty(), "Google is not trusted here");
    assert_eq!(rig.directory.users().len(), 1, "and no native user is created for it");
}

/// The fixture's identity: `google_108977345812345678901`.
fn fixture_identity() -> ProviderUser {
    ProviderUser { provider_name: "Google".into(), provider_user_id: "108977345812345678901".into() }
}

#[tokio::test]
async fn federated_sign_ups_without_a_native_user_get_one_created_and_confirmed() {
    let rig = rig(LINKING);
    for _ in 0..2 {
        answer(&rig, federated("new.person@gmail.com", "true")).await.expect("created; a retry is fine");
    }
    let users = rig.directory.users();
    assert_eq!(users.len(), 1, "a retry finds its own user under the same generated name");
    let generated = native_user_name("us-east-1_EXAMPLE1", &fixture_identity());
    assert_eq!(users[0].username, generated, "a name of its own, never the address");
    assert_eq!(users[0].attribute("email_verified"), Some("true"));
    assert_eq!(rig.directory.links().len(), 1);
    assert_eq!(rig.directory.links()[0].0, generated);
    let key = reservations::key("us-east-1_EXAMPLE1", Kind::Email, "new.person@gmail.com");
    let reservation = rig.store.get(&key).await.unwrap().unwrap();
    assert_eq!(reservation.str("status"), Some("CONFIRMED"), "its reservation is permanent");
    assert_eq!(reservation.str("owner"), Some(generated.as_str()));
}

// Issue 22, item 2: linking into an account the domain rule verified without proof.
#[tokio::test]
async fn attack_domain_auto_verified_account_never_receives_the_owners_federated_identity() {
    let rig = rig(&[
        ("LINK_FEDERATED_USERS", "true"),
        ("LINK_TRUSTED_PROVIDERS", "Google"),
        ("AUTO_CONFIRM_EMAIL_DOMAINS", "corp.example"),
    ]);
    // The attacker signs up with the CEO's address; the domain rule confirms and verifies it.
    let output = answer(&rig, sign_up("attacker", "ceo@corp.example")).await.unwrap();
    assert_eq!(
        output["response"],
        json!({ "autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": false }),
        "the domain rule still verifies by rule"
    );
    // What Cognito makes of that answer: CONFIRMED, email_verified = true.
    rig.directory.insert(user(
        "attacker",
        &[("email", "ceo@corp.example"), ("email_verified", "true"), ("sub", "sub-attacker")],
        UserStatus::Confirmed,
    ));
    // The real CEO's first sign-in through a trusted provider that verified the address.
    answer(&rig, federated("ceo@corp.example", "true")).await.expect("the federated user is created on its own");
    assert!(rig.directory.links().is_empty(), "never linked into the account whose password the attacker holds");
    assert_eq!(rig.directory.users().len(), 1, "no second native user either");
    assert!(rig.store.get(&Key::new("USER#sub-attacker", "PROFILE")).await.unwrap().is_none(), "no repair record");

    // An account of the same domain whose holder proved the address (no mark) is linked as before.
    rig.directory.insert(user(
        "proved",
        &[("email", "cfo@corp.example"), ("email_verified", "true"), ("sub", "sub-proved")],
        UserStatus::Confirmed,
    ));
    answer(&rig, federated("cfo@corp.example", "true")).await.unwrap();
    assert_eq!(rig.directory.links().len(), 1);
    assert_eq!(rig.directory.links()[0].0, "proved");
}

#[tokio::test]
async fn attack_domain_verification_that_cannot_be_recorded_is_not_made() {
    let rig = rig(&[("AUTO_CONFIRM_EMAIL_DOMAINS", "corp.example"), ("ON_DEPENDENCY_FAILURE", "allow")]);
    rig.store.set_outage(Some(PortErrorKind::Timeout));
    let output = answer(&rig, sign_up("attacker", "ceo@corp.example")).await.unwrap();
    assert_eq!(
        output["response"],
        json!({ "autoConfirmUser": true, "autoVerifyEmail": false, "autoVerifyPhone": false }),
        "no mark, no verification: fail towards not verified"
    );
}

// Issue 22, item 3: `CreateNative` linked into whoever held the address as a user name.
#[tokio::test]
async fn attack_user_name_squatted_with_the_victims_address_never_receives_the_victims_identity() {
    let rig = rig(LINKING);
    // A free-form user-name pool: the attacker registered the victim's address as a user name,
    // with an address of their own, proved.
    rig.directory.insert(user(
        "victim@gmail.com",
        &[("email", "attacker@evil.example"), ("email_verified", "true"), ("sub", "sub-attacker")],
        UserStatus::Confirmed,
    ));
    answer(&rig, federated("victim@gmail.com", "true")).await.unwrap();
    let links = rig.directory.links();
    assert_eq!(links.len(), 1);
    assert_ne!(links[0].0, "victim@gmail.com", "not into the squatter");
    assert_eq!(links[0].0, native_user_name("us-east-1_EXAMPLE1", &fixture_identity()));
    assert!(rig.store.get(&Key::new("USER#sub-attacker", "PROFILE")).await.unwrap().is_none());
    let squatter = rig.directory.users().into_iter().find(|u| u.username == "victim@gmail.com").unwrap();
    assert_eq!(squatter.attribute("email"), Some("attacker@evil.example"), "the squatter's account is untouched");
}

#[tokio::test]
async fn attack_a_user_holding_the_generated_name_is_linked_into_only_if_it_proved_the_address() {
    let generated = native_user_name("us-east-1_EXAMPLE1", &fixture_identity());
    // Someone got the generated name (sign-ups may not use it; an administrator could) without
    // the address, or with it unproved: nothing is linked into either.
    for (email, verified, status) in [
        ("attacker@evil.example", "true", UserStatus::Confirmed),
        ("victim@gmail.com", "false", UserStatus::Confirmed),
        ("victim@gmail.com", "true", UserStatus::Unconfirmed),
    ] {
        let rig = rig(LINKING);
        rig.directory.insert(user(&generated, &[("email", email), ("email_verified", verified)], status.clone()));
        answer(&rig, federated("victim@gmail.com", "true")).await.expect("created on its own");
        assert!(rig.directory.links().is_empty(), "{email} {verified} {status:?}");
    }
    let err = answer(&rig(&[]), sign_up(&generated, "someone@example.com")).await.unwrap_err();
    assert_eq!(err.user_message(), pre_signup::rules::USERNAME_RESERVED, "the name is not for sign-ups");
}

/// A pool whose users sign in by e-mail (`UsernameAttributes: email`), as Cognito runs one:
/// AdminCreateUser takes only an address as `Username`, names the user itself, and refuses a
/// second user with the address; AdminGetUser takes the address in place of the name.
struct EmailSignInPool(FakeDirectory);

#[async_trait::async_trait]
impl UserDirectory for EmailSignInPool {
    async fn find_by_attribute(
        &self,
        pool: &str,
        attribute: SearchableAttribute,
        value: &str,
    ) -> Result<Vec<DirectoryUser>, PortError> {
        self.0.find_by_attribute(pool, attribute, value).await
    }
    async fn get_user(&self, pool: &str, username: &str) -> Result<Option<DirectoryUser>, PortError> {
        if username.contains('@') {
            return Ok(self.0.find_by_attribute(pool, SearchableAttribute::Email, username).await?.into_iter().next());
        }
        self.0.get_user(pool, username).await
    }
    async fn delete_user(&self, pool: &str, username: &str) -> Result<DeleteOutcome, PortError> {
        self.0.delete_user(pool, username).await
    }
    async fn create_user(
        &self,
        pool: &str,
        username: &str,
        attributes: &[(String, String)],
        password: &Secret<String>,
    ) -> Result<CreateOutcome, PortError> {
        if !username.contains('@') {
            return Err(PortError::new(
                "cognito-idp",
                "AdminCreateUser",
                PortErrorKind::Rejected,
                "Username should be an email.",
            ));
        }
        if !self.0.find_by_attribute(pool, SearchableAttribute::Email, username).await?.is_empty() {
            return Ok(CreateOutcome::AlreadyExists);
        }
        let generated = format!("uuid-{}", self.0.users().len());
        self.0.create_user(pool, &generated, attributes, password).await
    }
    async fn link_provider(
        &self,
        pool: &str,
        destination: &str,
        source: &ProviderUser,
    ) -> Result<LinkOutcome, PortError> {
        self.0.link_provider(pool, destination, source).await
    }
    async fn update_attributes(
        &self,
        pool: &str,
        username: &str,
        attributes: &[(String, String)],
    ) -> Result<(), PortError> {
        self.0.update_attributes(pool, username, attributes).await
    }
    async fn add_to_group(&self, pool: &str, username: &str, group: &str) -> Result<(), PortError> {
        self.0.add_to_group(pool, username, group).await
    }
}

#[tokio::test]
async fn in_a_pool_whose_users_sign_in_by_email_the_native_user_is_created_under_the_address() {
    let directory = Arc::new(EmailSignInPool(FakeDirectory::default()));
    let settings = Settings::from_env(&Env::from_pairs([
        ("TABLE_NAME", "table"),
        ("LINK_FEDERATED_USERS", "true"),
        ("LINK_TRUSTED_PROVIDERS", "Google"),
    ]))
    .unwrap();
    let ports = Ports {
        store: Some(Arc::new(InMemoryStore::default())),
        directory: directory.clone(),
        scheduler: Arc::new(RecordingScheduler::default()),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        events: Events::disabled(),
    };
    let trigger = PreSignUp::new(settings, ports);
    for _ in 0..2 {
        run_within(&trigger, Duration::from_secs(1), federated("new.person@gmail.com", "true"))
            .await
            .expect("created, then a retry finds the same user by its address");
    }
    let users = directory.0.users();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].username, "uuid-0", "Cognito names the user");
    assert_eq!(directory.0.links().len(), 1);
    assert_eq!(directory.0.links()[0].0, "uuid-0");
}

// Issue 22, item 6: squatting during a migration.
fn legacy_row(key: &str, email: &str) -> LegacyUser {
    LegacyUser {
        username: key.into(),
        password_hash: None,
        attributes: BTreeMap::from([("email".to_owned(), email.to_owned())]),
    }
}

fn legacy_table(rows: Vec<LegacyUser>) -> (Arc<InMemoryLegacyUsers>, LegacyStores) {
    let table = Arc::new(InMemoryLegacyUsers::with_rows(rows));
    (table.clone(), LegacyStores { table: Some(table), old_pool: None })
}

#[tokio::test]
async fn attack_native_sign_up_of_a_legacy_user_name_is_refused_while_the_migration_runs() {
    let (_, legacy) = legacy_table(vec![legacy_row("alice", "alice@old.example")]);
    let rig = rig_with_legacy(&[], legacy);
    let err = answer(&rig, sign_up("alice", "mallory@example.com")).await.unwrap_err();
    assert_eq!(err.user_message(), USERNAME_TAKEN);
    assert!(rig.store.items().is_empty(), "a refused sign-up reserves nothing");
    answer(&rig, sign_up("Alice", "mallory@example.com")).await.expect("another user in a case-sensitive pool");
    let mut admin = sign_up("alice", "alice@old.example");
    admin["triggerSource"] = json!("PreSignUp_AdminCreateUser");
    answer(&rig, admin).await.expect("an administrator's import of the legacy user is not refused");
}

#[tokio::test]
async fn attack_unconfirmed_sign_up_with_a_legacy_users_address_is_refused() {
    let (_, legacy) = legacy_table(vec![legacy_row("bob@old.example", "bob@old.example")]);
    let rig = rig_with_legacy(&[], legacy);
    let err = answer(&rig, sign_up("mallory", "Bob@Old.Example")).await.unwrap_err();
    assert_eq!(err.user_message(), EMAIL_TAKEN, "as any taken address is told");
    let generic = rig_with_legacy(&[("DUPLICATE_MESSAGE", "generic")], legacy_table(vec![legacy_row("bob", "b@x")]).1);
    assert_eq!(answer(&generic, sign_up("bob", "m@example.com")).await.unwrap_err().user_message(), GENERIC_TAKEN);
    assert!(rig.store.items().is_empty());
}

#[tokio::test]
async fn attack_sign_up_with_an_old_pool_users_address_or_phone_is_refused() {
    let old = DirectoryUser {
        username: "carol".into(),
        status: UserStatus::Confirmed,
        enabled: true,
        created_at: None,
        attributes: BTreeMap::from([
            ("email".to_owned(), "carol@old.example".to_owned()),
            ("phone_number".to_owned(), "+14155550100".to_owned()),
        ]),
    };
    let old_pool = OldPoolUsers {
        directory: Arc::new(FakeDirectory::with_users(vec![old])),
        user_pool_id: "eu-west-1_Old".into(),
    };
    let rig = rig_with_legacy(&[], LegacyStores { table: None, old_pool: Some(old_pool) });
    assert_eq!(answer(&rig, sign_up("carol", "x@example.com")).await.unwrap_err().user_message(), USERNAME_TAKEN);
    assert_eq!(answer(&rig, sign_up("m", "carol@old.example")).await.unwrap_err().user_message(), EMAIL_TAKEN);
    let mut phone = sign_up("m", "m@example.com");
    phone["request"]["userAttributes"]["phone_number"] = json!("+14155550100");
    assert_eq!(answer(&rig, phone).await.unwrap_err().user_message(), PHONE_TAKEN);
    answer(&rig, sign_up("dave", "dave@example.com")).await.expect("what no legacy user holds passes");
}

#[tokio::test]
async fn a_legacy_store_outage_follows_the_failure_policy() {
    let (table, legacy) = legacy_table(vec![]);
    table.set_outage(Some(PortErrorKind::Unavailable));
    let deny = rig_with_legacy(&[], legacy.clone());
    let err = answer(&deny, sign_up("erin", "erin@example.com")).await.unwrap_err();
    assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE);
    assert!(deny.store.items().is_empty());
    let allow = rig_with_legacy(&[("ON_DEPENDENCY_FAILURE", "allow")], legacy);
    answer(&allow, sign_up("erin", "erin@example.com")).await.expect("the check is skipped");
}

#[tokio::test]
async fn federated_linking_needs_a_verified_address_and_stops_at_five_identities() {
    let linking = rig(LINKING);
    answer(&linking, federated("someone@gmail.com", "false")).await.unwrap();
    assert!(linking.directory.links().is_empty() && linking.directory.users().is_empty(), "unverified: never linked");

    let five: Vec<Value> = (0..5).map(|i| json!({ "providerName": "Oidc", "userId": format!("id{i}") })).collect();
    let identities = serde_json::to_string(&five).unwrap();
    linking.directory.insert(user(
        "full",
        &[("email", "full@gmail.com"), ("email_verified", "true"), ("identities", &identities)],
        UserStatus::Confirmed,
    ));
    let err = answer(&linking, federated("full@gmail.com", "true")).await.unwrap_err();
    assert_eq!(err.user_message(), pre_signup::federated::TOO_MANY_PROVIDERS);

    let off = rig(&[]);
    answer(&off, federated("x@gmail.com", "true")).await.unwrap();
    assert!(off.directory.links().is_empty(), "LINK_FEDERATED_USERS is off by default");
}

#[tokio::test]
async fn an_allowed_sign_up_publishes_user_signed_up_with_one_id_across_retries_and_a_refusal_nothing() {
    let rig = rig(&[("AUTO_CONFIRM_EMAIL_DOMAINS", "corp.example")]);
    answer(&rig, sign_up("alice", "alice@example.com")).await.unwrap();
    answer(&rig, sign_up("alice", "alice@example.com")).await.unwrap(); // Cognito's retry
    answer(&rig, sign_up("bob", "alice@example.com")).await.unwrap_err(); // taken: no event
    answer(&rig, sign_up("carol", "carol@corp.example")).await.unwrap();
    let events = rig.bus.events();
    assert_eq!(rig.bus.detail_types(), ["UserSignedUp"; 3]);
    let alice = &events[0].detail;
    assert_eq!(alice["userName"], "alice");
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(alice["triggerSource"], "PreSignUp_SignUp");
    assert_eq!(alice["autoConfirmed"], false);
    assert_eq!(alice["occurredAt"], 1_800_000_000_000_i64);
    assert!(alice.get("sub").is_none(), "no sub exists before the user does");
    assert_eq!(events[1].detail["eventId"], alice["eventId"]);
    assert_eq!(events[2].detail["userName"], "carol");
    assert_eq!(events[2].detail["autoConfirmed"], true);
    assert_ne!(events[2].detail["eventId"], alice["eventId"]);
    let text = serde_json::to_string(&events.iter().map(|e| &e.detail).collect::<Vec<_>>()).unwrap();
    assert!(!text.to_lowercase().contains("password"), "{text}");
}

#[tokio::test]
async fn a_bus_outage_never_costs_a_sign_up() {
    let rig = rig(&[]);
    rig.bus.set_outage(Some(PortErrorKind::Unavailable));
    answer(&rig, sign_up("alice", "alice@example.com")).await.unwrap();
    assert!(rig.bus.events().is_empty());
}
