//! Pre token generation trigger, V1, V2 and V3. See `docs/triggers/pre-token-generation.md`.
//!
//! The token is never blocked by this trigger's dependencies: the profile read/write and the
//! federated `email_verified` repair are bounded in time, and a failure is logged, counted and
//! answered with a token without the profile claims. Every response starts from
//! `claims_override()`, which copies the request's groups in, so the user's groups survive.
//!
//! The repair restores `email_verified=true` only for the address a trusted provider verified
//! when pre sign-up linked it (recorded on the profile row): a linked user who changes their
//! e-mail, or a provider that asserts an address it did not verify, gets nothing for free.
//!
//! A machine's token (V3 `TokenGeneration_ClientCredentials`) has no user: it gets only what the
//! `CLIENT_CREDENTIALS_*` settings give its app client, in `accessTokenGeneration`, and never an
//! ID-token or group section. An event `version` this build does not know is answered as it came.

pub mod claims;
pub mod profile;
pub mod settings;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use trigger_core::events::{
    PreTokenGenerationEvent, PreTokenGenerationV1Event, PreTokenGenerationV2Event, TokenGenerationSource,
};
use trigger_core::metrics;
use trigger_core::ports::{
    Clock, Condition, Item, PortError, Store, SystemClock, UpdateOutcome, UserDirectory, linked_identities,
};
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError, profile as profile_row};

pub use settings::Settings;

/// The profile step (one read, at most one write) gets this long; then the token goes out
/// without profile claims. The repair, which needs the profile, follows it: both together stay
/// inside the 4.5 s invocation budget.
pub const PROFILE_BUDGET: Duration = Duration::from_millis(2_000);
/// The `email_verified` repair (one AdminUpdateUserAttributes) gets this long.
pub const REPAIR_BUDGET: Duration = Duration::from_millis(2_000);

/// What the trigger talks to.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub directory: Arc<dyn UserDirectory>,
    pub clock: Arc<dyn Clock>,
}

/// The pre token generation trigger.
pub struct PreTokenGeneration {
    settings: Settings,
    ports: Ports,
}

/// What the ports told us about the user.
#[derive(Debug, Default)]
struct Facts {
    profile: Option<Item>,
    /// `email_verified` was set back to true in the directory during this invocation.
    email_verified_repaired: bool,
}

/// The request fields both event versions share.
struct Who<'a> {
    source: &'a TokenGenerationSource,
    user_pool_id: &'a str,
    username: &'a str,
    attributes: &'a HashMap<String, String>,
}

/// A federated user (linked identities) whose `email_verified` came back false: each federated
/// sign-in overwrites mapped attributes. Decided from the request alone, so the directory is
/// called only while the stored value is false — once per need, not on every token.
pub fn needs_email_verified_repair(attributes: &HashMap<String, String>) -> bool {
    let linked = attributes.get("identities").is_some_and(|i| !linked_identities(i).is_empty());
    let unverified = attributes.get("email_verified").is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
    let has_email = attributes.get("email").is_some_and(|e| !e.trim().is_empty());
    linked && unverified && has_email
}

/// Why a needed repair is not safe to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsafe {
    /// The profile has no provider-verified address (linked before this rule, or not by us).
    NothingRecorded,
    /// The user's e-mail is not the address the provider verified (it was changed since).
    AddressChanged,
    /// The provider that verified it is not (or no longer) trusted, or no longer linked.
    ProviderNotTrusted,
}

/// A repair is safe only for the address a trusted, still-linked provider verified: the user's
/// current e-mail must equal the profile's `providerVerifiedEmail`, recorded at linking.
pub fn repair_is_safe(
    attributes: &HashMap<String, String>,
    profile: Option<&Item>,
    trusted_providers: &[String],
) -> Result<(), Unsafe> {
    let recorded = profile.and_then(|row| {
        Some((row.str(profile_row::PROVIDER_VERIFIED_EMAIL)?, row.str(profile_row::PROVIDER_VERIFIED_BY)?))
    });
    let Some((address, provider)) = recorded else { return Err(Unsafe::NothingRecorded) };
    let current = attributes.get("email").map(|e| e.trim().to_lowercase()).unwrap_or_default();
    if current != address {
        return Err(Unsafe::AddressChanged);
    }
    let linked = attributes
        .get("identities")
        .is_some_and(|i| linked_identities(i).iter().any(|identity| identity.provider_name == provider));
    if !linked || !trusted_providers.iter().any(|p| p == provider) {
        return Err(Unsafe::ProviderNotTrusted);
    }
    Ok(())
}

pub const NAME: &str = "pre-token-generation";

impl PreTokenGeneration {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: settings first (a refused claim fails before any client is built).
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let aws = boot.aws().await?;
        let ports = Ports {
            store: Arc::new(aws.store(settings.table_name.clone())),
            directory: Arc::new(aws.directory()),
            clock: Arc::new(SystemClock),
        };
        Ok(Self::new(settings, ports))
    }

    fn degraded(metric: &str, what: &str, err: &dyn std::fmt::Display) {
        tracing::warn!(error = %err, "{what}: the token goes out without it");
        metrics::count(NAME, metric);
    }

    async fn facts(&self, who: &Who<'_>) -> Facts {
        let sub = who.attributes.get("sub").filter(|s| !s.trim().is_empty());
        let has_user = who.source.is_known() && *who.source != TokenGenerationSource::ClientCredentials;
        let (Some(sub), true, false) = (sub, has_user, who.username.is_empty()) else {
            // No user (client credentials) or a flow we do not know: groups kept, nothing else.
            return Facts::default();
        };
        let profile = self.profile(sub, who).await;
        let email_verified_repaired = self.repair(who, profile.as_ref()).await;
        Facts { profile, email_verified_repaired }
    }

    async fn profile(&self, sub: &str, who: &Who<'_>) -> Option<Item> {
        match tokio::time::timeout(PROFILE_BUDGET, self.load_or_create(sub, who)).await {
            Ok(Ok(row)) => row,
            Ok(Err(err)) => {
                Self::degraded("ProfileUnavailable", "profile item unavailable", &err);
                None
            }
            Err(elapsed) => {
                Self::degraded("ProfileUnavailable", "profile item too slow", &elapsed);
                None
            }
        }
    }

    /// One consistent read; one conditional-free `if_not_exists` write when the row is missing or
    /// lacks what the provider now supplies. A failed fill still answers with the row read.
    async fn load_or_create(&self, sub: &str, who: &Who<'_>) -> Result<Option<Item>, PortError> {
        let store = self.ports.store.as_ref();
        let key = profile::key(sub);
        let now = self.ports.clock.epoch_seconds();
        match store.get(&key).await? {
            None => {
                let create = profile::create_if_missing(sub, who.username, who.attributes, now);
                Ok(match store.update(&key, &create, None).await? {
                    UpdateOutcome::Updated(row) => Some(row),
                    UpdateOutcome::ConditionFailed { current } => current,
                })
            }
            Some(row) => {
                let Some(fill) = profile::fill_missing(&row, who.attributes, now) else { return Ok(Some(row)) };
                match store.update(&key, &fill, Some(&Condition::ItemExists)).await {
                    Ok(UpdateOutcome::Updated(filled)) => Ok(Some(filled)),
                    Ok(UpdateOutcome::ConditionFailed { .. }) => Ok(Some(row)),
                    Err(err) => {
                        Self::degraded("ProfileWriteFailed", "profile picture/name not filled", &err);
                        Ok(Some(row))
                    }
                }
            }
        }
    }

    async fn repair(&self, who: &Who<'_>, profile: Option<&Item>) -> bool {
        if !needs_email_verified_repair(who.attributes) {
            return false;
        }
        if let Err(why) = repair_is_safe(who.attributes, profile, self.settings.trusted_providers.names()) {
            tracing::debug!(?why, "email_verified left false: the address is not one a trusted provider verified");
            metrics::count(NAME, "EmailVerifiedRepairRefused");
            return false;
        }
        let verified = [("email_verified".to_owned(), "true".to_owned())];
        let call = self.ports.directory.update_attributes(who.user_pool_id, who.username, &verified);
        match tokio::time::timeout(REPAIR_BUDGET, call).await {
            Ok(Ok(())) => {
                tracing::info!("email_verified set back to true for a linked federated user");
                true
            }
            Ok(Err(err)) => {
                Self::degraded("EmailVerifiedRepairFailed", "email_verified not repaired", &err);
                false
            }
            Err(elapsed) => {
                Self::degraded("EmailVerifiedRepairFailed", "email_verified repair too slow", &elapsed);
                false
            }
        }
    }

    /// A machine-to-machine token: only the access token exists, so only
    /// `accessTokenGeneration` is answered, from the app client's rules. A client without rules
    /// gets its token as Cognito made it.
    fn answer_client_credentials(&self, event: &mut PreTokenGenerationV2Event) {
        let details = &mut event.response.claims_and_scope_override_details;
        if let Some(details) = details.as_mut() {
            // No ID token and no groups for a machine: those sections are never sent.
            details.id_token_generation = None;
            details.group_override_details = None;
        }
        let Some(rules) = self.settings.client_rules(event.caller_context.client_id.as_deref()) else {
            tracing::debug!("client-credentials token of an app client without rules: left as it is");
            return;
        };
        let access =
            details.get_or_insert_with(Default::default).access_token_generation.get_or_insert_with(Default::default);
        access.claims_to_add_or_override.extend(rules.claims_to_add.clone());
        for (list, given) in [
            (&mut access.claims_to_suppress, &rules.claims_to_suppress),
            (&mut access.scopes_to_add, &rules.scopes_to_add),
            (&mut access.scopes_to_suppress, &rules.scopes_to_suppress),
        ] {
            for item in given {
                if !list.contains(item) {
                    list.push(item.clone());
                }
            }
        }
        tracing::debug!(
            claims = rules.claims_to_add.len(),
            suppressed = rules.claims_to_suppress.len(),
            scopes = rules.scopes_to_add.len(),
            scopes_suppressed = rules.scopes_to_suppress.len(),
            "client-credentials token customised for its app client"
        );
    }

    fn answer_v1(&self, event: &mut PreTokenGenerationV1Event, facts: &Facts) {
        let settings = &self.settings;
        let details = event.claims_override();
        if let Some(row) = &facts.profile {
            for (claim, value) in claims::from_profile(row, &settings.claims_from_profile) {
                if let Some(text) = claims::text(value) {
                    details.claims_to_add_or_override.insert(claim.to_owned(), text);
                }
            }
        }
        if facts.email_verified_repaired && !settings.suppress_claims.iter().any(|c| c == "email_verified") {
            details.claims_to_add_or_override.insert("email_verified".to_owned(), "true".to_owned());
        }
        details.claims_to_suppress.clone_from(&settings.suppress_claims);
    }

    fn answer_v2(&self, event: &mut PreTokenGenerationV2Event, facts: &Facts, known_user: bool) {
        let settings = &self.settings;
        let scopes = if known_user {
            settings.scopes_for(&event.request.group_configuration.groups_to_override)
        } else {
            Vec::new()
        };
        let details = event.claims_override();
        let mut add = serde_json::Map::new();
        if let Some(row) = &facts.profile {
            for (claim, value) in claims::from_profile(row, &settings.claims_from_profile) {
                if let Some(json) = claims::json(value) {
                    add.insert(claim.to_owned(), json);
                }
            }
        }
        if facts.email_verified_repaired && !settings.suppress_claims.iter().any(|c| c == "email_verified") {
            add.insert("email_verified".to_owned(), Value::Bool(true));
        }
        if !add.is_empty() || !settings.suppress_claims.is_empty() {
            let id = details.id_token_generation.get_or_insert_with(Default::default);
            id.claims_to_add_or_override.extend(add);
            id.claims_to_suppress.clone_from(&settings.suppress_claims);
        }
        if !scopes.is_empty() {
            let access = details.access_token_generation.get_or_insert_with(Default::default);
            access.scopes_to_add.extend(scopes);
        }
    }
}

#[async_trait]
impl Trigger for PreTokenGeneration {
    const NAME: &'static str = NAME;
    type Event = PreTokenGenerationEvent;

    async fn handle(&self, event: PreTokenGenerationEvent) -> Result<PreTokenGenerationEvent, TriggerError> {
        Ok(match event {
            PreTokenGenerationEvent::V1(mut event) => {
                let who = Who {
                    source: &event.trigger_source,
                    user_pool_id: &event.user_pool_id,
                    username: &event.user_name,
                    attributes: &event.request.user_attributes,
                };
                let facts = self.facts(&who).await;
                self.answer_v1(&mut event, &facts);
                PreTokenGenerationEvent::V1(event)
            }
            PreTokenGenerationEvent::V2(mut event)
                if event.trigger_source == TokenGenerationSource::ClientCredentials =>
            {
                self.answer_client_credentials(&mut event);
                PreTokenGenerationEvent::V2(event)
            }
            PreTokenGenerationEvent::V2(mut event) => {
                let who = Who {
                    source: &event.trigger_source,
                    user_pool_id: &event.user_pool_id,
                    username: &event.user_name,
                    attributes: &event.request.user_attributes,
                };
                let facts = self.facts(&who).await;
                let known_user = event.trigger_source.is_known() && !event.user_name.is_empty();
                self.answer_v2(&mut event, &facts, known_user);
                PreTokenGenerationEvent::V2(event)
            }
            PreTokenGenerationEvent::UnknownVersion(event) => {
                // Never answered in another version's shape: Cognito would read it wrongly.
                let version = event.get("version").map(ToString::to_string).unwrap_or_default();
                tracing::warn!(version = %version.chars().take(16).collect::<String>(), "event version unknown to this build: answered unchanged");
                metrics::count(NAME, "UnknownEventVersion");
                PreTokenGenerationEvent::UnknownVersion(event)
            }
        })
    }
}
