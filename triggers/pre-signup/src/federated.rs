//! Federated sign-ups (`PreSignUp_ExternalProvider`): gather → decide → apply.
//!
//! Link the provider identity to the native user with the same e-mail, creating that user when
//! there is none — only where linking cannot hand an account to someone who never proved the
//! address ([`linkable`], the proof rule):
//! - the provider is one whose `email_verified` claim is trusted (`LINK_TRUSTED_PROVIDERS`) and
//!   it says the address is verified;
//! - the native user has the address, is CONFIRMED and enabled, its own `email_verified` is true,
//!   and its e-mail reservation does not say the address was verified by a domain rule
//!   (`AUTO_CONFIRM_EMAIL_DOMAINS` verifies without proof: anyone may sign up `ceo@corp.example`).
//!   A native user who never proved the address is never linked into: the federated user is
//!   created on its own.
//! - A native user this trigger creates gets a name of its own, derived from the identity
//!   ([`native_user_name`]), never the address: a user who registered the address as a user name
//!   is not "our earlier attempt". Whoever already holds the name (or, in pools whose users sign
//!   in by e-mail, the address) passes the same proof rule before anything is linked into it.
//!
//! [`gather`] asks the directory and the table; [`decide`] is a plain function of the facts;
//! [`apply`] creates, records and links.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use trigger_core::events::PreSignUpEvent;
use trigger_core::ports::{
    CreateOutcome, DirectoryUser, PortError, PortErrorKind, ProviderUser, SearchableAttribute, UserStatus,
};
use trigger_core::reservations::{self, Kind};
use trigger_core::{TriggerError, UserMessage, metrics, profile};

use crate::email::Email;
use crate::{NAME, PreSignUp, password};

/// Cognito links at most this many identities to one user.
pub const MAX_LINKED_IDENTITIES: usize = 5;

pub const TOO_MANY_PROVIDERS: &str = "This account already has the maximum number of linked sign-in providers";

/// The prefix of the user names [`native_user_name`] gives; sign-ups may not use the pattern.
pub const NATIVE_USER_NAME_PREFIX: &str = "linked-";
/// Hex digits after the prefix (128 bits of the hash).
const NATIVE_USER_NAME_DIGITS: usize = 32;

/// `google_1089…` → (`google`, `1089…`): Cognito names federated users `<provider>_<id>`.
pub fn split_username(username: &str) -> Option<(&str, &str)> {
    username.split_once('_').filter(|(provider, id)| !provider.is_empty() && !id.is_empty())
}

/// The user name of the native user created for `source` in `user_pool_id`: `linked-` and 32 hex
/// digits of a hash of the three. The same identity always gets the same name, so a retried
/// trigger finds its own earlier user instead of creating a second one (and the name is never an
/// address, which e-mail-alias pools refuse as a user name).
pub fn native_user_name(user_pool_id: &str, source: &ProviderUser) -> String {
    // Length-prefixed, so that no (pool, provider, id) triple can spell another one.
    let input = format!(
        "{}:{user_pool_id}{}:{}{}",
        user_pool_id.len(),
        source.provider_name.len(),
        source.provider_name,
        source.provider_user_id
    );
    let digest = Sha256::digest(input.as_bytes());
    let hex: String = digest.iter().take(NATIVE_USER_NAME_DIGITS / 2).map(|b| format!("{b:02x}")).collect();
    format!("{NATIVE_USER_NAME_PREFIX}{hex}")
}

/// `name` has the form [`native_user_name`] gives, in any letter case.
pub fn is_native_user_name(name: &str) -> bool {
    let name = name.trim();
    name.get(..NATIVE_USER_NAME_PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(NATIVE_USER_NAME_PREFIX))
        && name.get(NATIVE_USER_NAME_PREFIX.len()..).is_some_and(|digits| {
            digits.len() == NATIVE_USER_NAME_DIGITS && digits.chars().all(|c| c.is_ascii_hexdigit())
        })
}

/// Why a federated sign-up was not linked (each is a metric and a log line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotLinked {
    /// The provider is not in `LINK_TRUSTED_PROVIDERS`.
    UntrustedProvider,
    /// The provider did not assert a verified e-mail address.
    ProviderUnverifiedEmail,
    /// A native user has the address but never proved it (or is not confirmed, or is disabled,
    /// or — for a user found under the name linking creates — does not have the address).
    NativeUserUnverified,
    /// A native user's address was verified by a domain rule (`AUTO_CONFIRM_EMAIL_DOMAINS`), not
    /// proved: whoever signed up with it holds that account.
    NativeVerifiedByRule,
}

impl NotLinked {
    pub fn metric(self) -> &'static str {
        match self {
            Self::UntrustedProvider => "LinkSkippedUntrustedProvider",
            Self::ProviderUnverifiedEmail => "LinkSkippedProviderUnverified",
            Self::NativeUserUnverified => "LinkSkippedNativeUnverified",
            Self::NativeVerifiedByRule => "LinkSkippedNativeVerifiedByRule",
        }
    }
}

/// What to do with a federated sign-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Link the identity to this native user.
    IntoExisting(DirectoryUser),
    /// Nobody has the address: create a native user for it (verified: the provider is trusted
    /// and verified it), then link.
    CreateNative,
    /// Let Cognito create the federated user on its own.
    Skip(NotLinked),
    /// The native user has the most identities Cognito allows.
    TooManyIdentities,
}

/// The facts linking is decided on.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub source: &'a ProviderUser,
    pub provider_trusted: bool,
    pub provider_verified_email: bool,
    /// The address (normalised) the provider asserts.
    pub address: &'a str,
    /// The users the pool has with the address, any status.
    pub users_with_email: Vec<DirectoryUser>,
    /// The holder the address's reservation row marks as verified by rule, if any.
    pub verified_by_rule: Option<String>,
}

/// The proof rule: the only kind of user an identity may be linked into is one that has the
/// address and proved it — CONFIRMED, enabled, `email_verified`, and not verified by rule.
pub fn linkable(user: &DirectoryUser, address: &str, verified_by_rule: Option<&str>) -> Result<(), NotLinked> {
    let proved = user.status == UserStatus::Confirmed
        && user.enabled
        && reservations::holds_verified(user, Kind::Email, address);
    if !proved {
        return Err(NotLinked::NativeUserUnverified);
    }
    if verified_by_rule == Some(user.username.as_str()) {
        return Err(NotLinked::NativeVerifiedByRule);
    }
    Ok(())
}

/// The decision: skip an untrusted or unverified provider; create a native user when nobody
/// has the address; link into the first native user the proof rule accepts; else skip.
pub fn decide(facts: Facts<'_>) -> Plan {
    if !facts.provider_trusted {
        return Plan::Skip(NotLinked::UntrustedProvider);
    }
    if !facts.provider_verified_email {
        return Plan::Skip(NotLinked::ProviderUnverifiedEmail);
    }
    let natives: Vec<DirectoryUser> =
        facts.users_with_email.into_iter().filter(|u| u.status != UserStatus::ExternalProvider).collect();
    if natives.is_empty() {
        return Plan::CreateNative;
    }
    let mut refusal = NotLinked::NativeUserUnverified;
    let mut accepted = None;
    for native in natives {
        match linkable(&native, facts.address, facts.verified_by_rule.as_deref()) {
            Ok(()) => {
                accepted = Some(native);
                break;
            }
            // The more telling reason: a proved-looking account that a rule verified.
            Err(NotLinked::NativeVerifiedByRule) => refusal = NotLinked::NativeVerifiedByRule,
            Err(_) => {}
        }
    }
    let Some(native) = accepted else { return Plan::Skip(refusal) };
    let identities = native.linked_identities();
    let already = identities.contains(facts.source);
    if !already && identities.len() >= MAX_LINKED_IDENTITIES {
        return Plan::TooManyIdentities;
    }
    Plan::IntoExisting(native)
}

/// The whole branch: nothing unless `LINK_FEDERATED_USERS`; gather, decide, apply.
pub async fn handle(trigger: &PreSignUp, event: &PreSignUpEvent) -> Result<(), TriggerError> {
    if !trigger.settings.link_federated_users {
        return Ok(());
    }
    let (prefix, provider_user_id) = split_username(&event.user_name)
        .ok_or_else(|| TriggerError::BadEvent("a federated user name without a provider prefix".into()))?;
    let source = ProviderUser {
        provider_name: trigger.settings.provider_name(prefix),
        provider_user_id: provider_user_id.to_owned(),
    };
    let attributes = &event.request.user_attributes;
    let Some(email) = attributes.get("email").and_then(|e| Email::parse(e)) else {
        skipped(&source, NotLinked::ProviderUnverifiedEmail);
        return Ok(());
    };
    let facts = match gather(trigger, event, &source, &email).await {
        Ok(facts) => facts,
        Err(err) => return trigger.on_failure("federated linking", err),
    };
    let verified_by_rule = facts.verified_by_rule.clone();
    match decide(facts) {
        Plan::Skip(reason) => {
            skipped(&source, reason);
            Ok(())
        }
        Plan::TooManyIdentities => Err(TriggerError::Denied(UserMessage::fixed(TOO_MANY_PROVIDERS))),
        Plan::IntoExisting(native) => apply(trigger, event, &source, &email, native).await,
        Plan::CreateNative => {
            let native = match create_native(trigger, event, &source, &email).await {
                Ok(Created::New(user)) => user,
                Ok(Created::Existing(user)) => match linkable(&user, email.address(), verified_by_rule.as_deref()) {
                    // Our own earlier attempt (a retry), or an account that proved the address.
                    Ok(()) => user,
                    Err(reason) => {
                        skipped(&source, reason);
                        return Ok(());
                    }
                },
                Err(Failure::Port(err)) => return trigger.on_failure("federated linking", err),
                Err(Failure::Trigger(err)) => return Err(err),
            };
            confirm_reservation(trigger, event, &email, &native).await;
            apply(trigger, event, &source, &email, native).await
        }
    }
}

/// The facts: who has the address (only asked for a trusted provider that verified it), and
/// whether its reservation marks the holder as verified by rule.
pub async fn gather<'a>(
    trigger: &PreSignUp,
    event: &PreSignUpEvent,
    source: &'a ProviderUser,
    email: &'a Email,
) -> Result<Facts<'a>, PortError> {
    let attributes = &event.request.user_attributes;
    let provider_trusted = trigger.settings.trusts_provider(&source.provider_name);
    let provider_verified_email = attributes.get("email_verified").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut facts = Facts {
        source,
        provider_trusted,
        provider_verified_email,
        address: email.address(),
        users_with_email: Vec::new(),
        verified_by_rule: None,
    };
    if !(provider_trusted && provider_verified_email) {
        return Ok(facts);
    }
    let directory = trigger.ports.directory.as_ref();
    facts.users_with_email =
        directory.find_by_attribute(&event.user_pool_id, SearchableAttribute::Email, email.address()).await?;
    if let Some(store) = trigger.ports.store.as_deref() {
        let key = reservations::key(&event.user_pool_id, Kind::Email, email.address());
        facts.verified_by_rule = store.get(&key).await?.and_then(|row| {
            let owner = row.str(reservations::OWNER)?.to_owned();
            reservations::is_verified_by_rule(&row, &owner).then_some(owner)
        });
    }
    Ok(facts)
}

/// The plan applied to a native user that passed the proof rule: record the provider-verified
/// address, then link.
pub async fn apply(
    trigger: &PreSignUp,
    event: &PreSignUpEvent,
    source: &ProviderUser,
    email: &Email,
    native: DirectoryUser,
) -> Result<(), TriggerError> {
    // Recorded before the link, so that a linked user always has the record the token
    // trigger's `email_verified` repair needs (a record without a link repairs nothing).
    if let Err(err) = record_verified_email(trigger, &native, source, email).await {
        return trigger.on_failure("federated linking", err);
    }
    match trigger.ports.directory.link_provider(&event.user_pool_id, &native.username, source).await {
        Ok(outcome) => {
            tracing::info!(trigger = NAME, provider = source.provider_name, ?outcome, "linked to the native user");
            metrics::count(NAME, "FederatedUserLinked");
            Ok(())
        }
        Err(err) => trigger.on_failure("federated linking", err),
    }
}

/// What creating the native user found.
enum Created {
    /// Created now.
    New(DirectoryUser),
    /// A user held the name already: an earlier attempt of this sign-up, or someone else. The
    /// caller applies the proof rule to it before linking.
    Existing(DirectoryUser),
}

/// Why creating the native user failed: a dependency (the failure policy applies) or not.
enum Failure {
    Port(PortError),
    Trigger(TriggerError),
}

impl From<PortError> for Failure {
    fn from(err: PortError) -> Self {
        Self::Port(err)
    }
}

/// A native user for a trusted provider's verified address, CONFIRMED and verified, under the
/// identity's own name ([`native_user_name`]). A pool whose users sign in by e-mail
/// (`UsernameAttributes`) refuses any user name that is not an address: there Cognito names the
/// user itself, and the address is given in its place.
async fn create_native(
    trigger: &PreSignUp,
    event: &PreSignUpEvent,
    source: &ProviderUser,
    email: &Email,
) -> Result<Created, Failure> {
    let password = password::random_password()
        .map_err(|err| Failure::Trigger(TriggerError::Internal(format!("no random password: {err}"))))?;
    let mut attributes =
        vec![("email".to_owned(), email.address().to_owned()), ("email_verified".to_owned(), "true".to_owned())];
    if let Some(name) = event.request.user_attributes.get("name") {
        attributes.push(("name".to_owned(), name.clone()));
    }
    let pool = event.user_pool_id.as_str();
    let directory = trigger.ports.directory.as_ref();
    let generated = native_user_name(pool, source);
    let name = match directory.create_user(pool, &generated, &attributes, &password).await {
        Ok(CreateOutcome::Created(user)) => return Ok(Created::New(user)),
        Ok(CreateOutcome::AlreadyExists) => generated,
        Err(err) if err.kind == PortErrorKind::Rejected => {
            tracing::info!(trigger = NAME, error = %err, "generated user name refused: creating under the address");
            match directory.create_user(pool, email.address(), &attributes, &password).await? {
                CreateOutcome::Created(user) => return Ok(Created::New(user)),
                CreateOutcome::AlreadyExists => email.address().to_owned(),
            }
        }
        Err(err) => return Err(Failure::Port(err)),
    };
    let existing = directory.get_user(pool, &name).await?.ok_or_else(|| {
        Failure::Trigger(TriggerError::Internal("the native user's name was taken, then could not be read".into()))
    })?;
    Ok(Created::Existing(existing))
}

/// The native user never passes post confirmation: its reservation is made permanent here.
/// Best effort: a failure is logged and counted, the link still happens.
async fn confirm_reservation(trigger: &PreSignUp, event: &PreSignUpEvent, email: &Email, native: &DirectoryUser) {
    let Some(store) = trigger.ports.store.as_deref().filter(|_| trigger.settings.unique_email) else { return };
    let now = trigger.ports.clock.epoch_seconds();
    let confirmed =
        reservations::confirm(store, &event.user_pool_id, Kind::Email, email.address(), &native.username, now).await;
    if let Err(err) = confirmed {
        tracing::error!(trigger = NAME, error = %err, "reservation of the linked user not confirmed");
        metrics::count(NAME, "ReservationConfirmFailed");
    }
}

/// Writes on the native user's profile row which address `source` verified.
async fn record_verified_email(
    trigger: &PreSignUp,
    native: &DirectoryUser,
    source: &ProviderUser,
    email: &Email,
) -> Result<(), PortError> {
    let (Some(store), Some(sub)) = (trigger.ports.store.as_deref(), native.sub()) else {
        tracing::warn!(trigger = NAME, "linked user without sub or table: provider-verified address not recorded");
        return Ok(());
    };
    let now = trigger.ports.clock.epoch_seconds();
    let attributes: HashMap<String, String> = native.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let update = profile::create_if_missing(sub, &native.username, &attributes, now);
    let update = profile::record_provider_verified_email(update, &source.provider_name, email.address(), now);
    store.update(&profile::key(sub), &update, None).await?;
    tracing::debug!(trigger = NAME, "provider-verified address recorded");
    Ok(())
}

/// Not linked: the federated user is created on its own. Logged and counted.
fn skipped(source: &ProviderUser, reason: NotLinked) {
    tracing::info!(trigger = NAME, provider = source.provider_name, ?reason, "federated sign-up not linked");
    metrics::count(NAME, reason.metric());
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const ADDRESS: &str = "a@example.com";

    fn user(status: UserStatus, verified: &str, identities: usize) -> DirectoryUser {
        let list: Vec<String> =
            (0..identities).map(|i| format!(r#"{{"providerName":"P{i}","userId":"{i}"}}"#)).collect();
        DirectoryUser {
            username: "native".into(),
            status,
            enabled: true,
            created_at: None,
            attributes: BTreeMap::from([
                ("email".to_owned(), ADDRESS.to_owned()),
                ("email_verified".to_owned(), verified.to_owned()),
                ("identities".to_owned(), format!("[{}]", list.join(","))),
            ]),
        }
    }

    fn google() -> ProviderUser {
        ProviderUser { provider_name: "Google".into(), provider_user_id: "1089".into() }
    }

    fn facts(source: &ProviderUser, users: Vec<DirectoryUser>) -> Facts<'_> {
        Facts {
            source,
            provider_trusted: true,
            provider_verified_email: true,
            address: ADDRESS,
            users_with_email: users,
            verified_by_rule: None,
        }
    }

    #[test]
    fn only_a_trusted_provider_that_verified_the_address_is_linked() {
        let source = google();
        let untrusted = Facts { provider_trusted: false, ..facts(&source, vec![]) };
        assert_eq!(decide(untrusted), Plan::Skip(NotLinked::UntrustedProvider));
        let unverified = Facts { provider_verified_email: false, ..facts(&source, vec![]) };
        assert_eq!(decide(unverified), Plan::Skip(NotLinked::ProviderUnverifiedEmail));
        assert_eq!(decide(facts(&source, vec![])), Plan::CreateNative);
    }

    #[test]
    fn never_into_a_native_user_that_did_not_prove_the_address() {
        let source = google();
        for native in [
            user(UserStatus::Confirmed, "false", 0),
            user(UserStatus::Unconfirmed, "true", 0),
            user(UserStatus::Unconfirmed, "false", 0),
            user(UserStatus::ForceChangePassword, "true", 0),
            DirectoryUser { enabled: false, ..user(UserStatus::Confirmed, "true", 0) },
        ] {
            assert_eq!(
                decide(facts(&source, vec![native.clone()])),
                Plan::Skip(NotLinked::NativeUserUnverified),
                "{native:?}"
            );
        }
        let proved = user(UserStatus::Confirmed, "true", 0);
        let both = vec![user(UserStatus::Unconfirmed, "false", 0), proved.clone()];
        assert_eq!(decide(facts(&source, both)), Plan::IntoExisting(proved));
    }

    #[test]
    fn never_into_an_account_whose_address_a_domain_rule_verified() {
        // What Cognito makes of `autoVerifyEmail`: CONFIRMED, email_verified = true. Only the
        // reservation's mark tells it from an account whose holder proved the address.
        let source = google();
        let by_rule = user(UserStatus::Confirmed, "true", 0);
        let marked = Facts { verified_by_rule: Some("native".into()), ..facts(&source, vec![by_rule.clone()]) };
        assert_eq!(decide(marked), Plan::Skip(NotLinked::NativeVerifiedByRule));
        let another_holder =
            Facts { verified_by_rule: Some("someone-else".into()), ..facts(&source, vec![by_rule.clone()]) };
        assert_eq!(decide(another_holder), Plan::IntoExisting(by_rule));
    }

    #[test]
    fn a_user_found_under_the_native_name_is_linked_into_only_if_it_proved_the_address() {
        let ours = DirectoryUser { username: "linked-x".into(), ..user(UserStatus::Confirmed, "true", 0) };
        assert_eq!(linkable(&ours, ADDRESS, None), Ok(()));
        let mut squatter = ours.clone();
        squatter.attributes.insert("email".into(), "attacker@example.com".into());
        assert_eq!(linkable(&squatter, ADDRESS, None), Err(NotLinked::NativeUserUnverified), "another address");
        let unconfirmed = DirectoryUser { status: UserStatus::Unconfirmed, ..ours.clone() };
        assert_eq!(linkable(&unconfirmed, ADDRESS, None), Err(NotLinked::NativeUserUnverified));
        assert_eq!(linkable(&ours, ADDRESS, Some("linked-x")), Err(NotLinked::NativeVerifiedByRule));
    }

    #[test]
    fn another_federated_user_with_the_address_is_not_a_native_user() {
        let source = google();
        let federated = user(UserStatus::ExternalProvider, "true", 0);
        assert_eq!(decide(facts(&source, vec![federated])), Plan::CreateNative);
    }

    #[test]
    fn five_identities_are_the_most_but_a_retry_of_a_linked_one_passes() {
        let source = google();
        assert_eq!(decide(facts(&source, vec![user(UserStatus::Confirmed, "true", 5)])), Plan::TooManyIdentities);
        let mut linked = user(UserStatus::Confirmed, "true", 4);
        linked.attributes.insert(
            "identities".into(),
            r#"[{"providerName":"P0","userId":"0"},{"providerName":"P1","userId":"1"},{"providerName":"P2","userId":"2"},{"providerName":"P3","userId":"3"},{"providerName":"Google","userId":"1089"}]"#.into(),
        );
        assert_eq!(decide(facts(&source, vec![linked.clone()])), Plan::IntoExisting(linked));
    }

    #[test]
    fn user_names_split_at_the_first_underscore() {
        assert_eq!(split_username("google_1089_x"), Some(("google", "1089_x")));
        assert_eq!(split_username("nounderscore"), None);
        assert_eq!(split_username("_1"), None);
    }

    #[test]
    fn native_names_are_stable_per_identity_and_pool_and_never_an_address() {
        let name = native_user_name("us-east-1_X", &google());
        assert_eq!(name, native_user_name("us-east-1_X", &google()));
        assert!(is_native_user_name(&name) && !name.contains('@'), "{name}");
        assert_eq!(name.len(), NATIVE_USER_NAME_PREFIX.len() + NATIVE_USER_NAME_DIGITS);
        assert_ne!(name, native_user_name("us-east-1_Y", &google()));
        let other = ProviderUser { provider_name: "Facebook".into(), provider_user_id: "1089".into() };
        assert_ne!(name, native_user_name("us-east-1_X", &other));
        assert!(!is_native_user_name("linked-1234") && !is_native_user_name("jane"));
    }
}
