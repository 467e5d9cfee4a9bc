//! Pre sign-up trigger. See `docs/triggers/pre-signup.md`.
//!
//! The path reads top to bottom: the domain and user-name [`rules`]; the facts the outside world
//! holds (the [`uniqueness`] reservations, who else holds a value); one plain [`decide`] over
//! them; then the decision applied (the alias guard before verifying, the [`reminder`]).
//! Federated sign-ups take their own path through [`federated`]. The failure policy
//! (`ON_DEPENDENCY_FAILURE`) applies wherever a dependency is needed.

pub mod email;
pub mod federated;
pub mod password;
pub mod reminder;
pub mod rules;
pub mod settings;
pub mod uniqueness;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::domain_events::{self, Events};
use trigger_core::events::{PreSignUpEvent, PreSignUpSource};
use trigger_core::ports::{
    Clock, CreateOutcome, DirectoryUser, NoScheduler, PortError, ProviderUser, Scheduler, SearchableAttribute,
    StartOutcome, Store, SystemClock, UserDirectory,
};
use trigger_core::reservations::{self, Kind};
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError, UserMessage, metrics, profile};

use crate::email::Email;
use crate::federated::{NotLinked, Plan};
pub use crate::settings::{DuplicateMessage, OnDependencyFailure, Settings};
use crate::uniqueness::Reservation;

pub const NAME: &str = "pre-signup";

pub const EMAIL_TAKEN: &str =
    "An account with this e-mail address already exists. Please sign in or reset your password";
pub const PHONE_TAKEN: &str = "An account with this phone number already exists. Please sign in or reset your password";
/// `DUPLICATE_MESSAGE=generic`: names neither the value nor an account.
pub const GENERIC_TAKEN: &str = "We could not create an account with these details. If you already have an account, please sign in or reset your password";

/// What the trigger talks to.
#[derive(Clone)]
pub struct Ports {
    /// Absent when no rule needs the table (no uniqueness rule and no linking, no `TABLE_NAME`).
    pub store: Option<Arc<dyn Store>>,
    pub directory: Arc<dyn UserDirectory>,
    pub scheduler: Arc<dyn Scheduler>,
    pub clock: Arc<dyn Clock>,
    /// The event bus (`EVENT_BUS_NAME`; disabled when unset).
    pub events: Events,
}

/// The pre sign-up trigger.
pub struct PreSignUp {
    settings: Settings,
    ports: Ports,
}

/// Whether users other than this sign-up's are known to hold a value: what the alias guard
/// needs before it lets Cognito verify the value (verifying moves an alias to the new user).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherHolders {
    /// The reservation step looked in the pool (`CHECK_EXISTING_USERS`) and found nobody else.
    NoneFound,
    /// Not looked at, or someone else (unconfirmed) has it: the guard must look.
    Unknown,
}

/// What the outside world says about this sign-up's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub email_holders: OtherHolders,
    pub phone_holders: OtherHolders,
}

/// What to answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub auto_confirm: bool,
    /// Verify the e-mail / phone, if the alias guard then finds nobody else holding it.
    pub verify_email: bool,
    pub verify_phone: bool,
    pub start_reminder: bool,
}

/// The decision over the facts: auto-confirm by domain (never for AdminCreateUser, where Cognito
/// ignores the flags), verify what is there, remind a self-service sign-up left to confirm.
pub fn decide(source: &PreSignUpSource, facts: &Facts, settings: &Settings) -> Decision {
    let auto_confirm = *source != PreSignUpSource::AdminCreateUser
        && facts.email.as_ref().is_some_and(|e| rules::auto_confirms(e, settings));
    Decision {
        auto_confirm,
        verify_email: auto_confirm && facts.email.is_some(),
        verify_phone: auto_confirm && facts.phone.is_some(),
        start_reminder: *source == PreSignUpSource::SignUp && !auto_confirm,
    }
}

/// The refusal for a taken value, as `DUPLICATE_MESSAGE` says.
pub fn taken(kind: Kind, settings: &Settings) -> TriggerError {
    TriggerError::denied(match (settings.duplicate_message, kind) {
        (DuplicateMessage::Generic, _) => GENERIC_TAKEN,
        (DuplicateMessage::Explicit, Kind::Email) => EMAIL_TAKEN,
        (DuplicateMessage::Explicit, Kind::Phone) => PHONE_TAKEN,
    })
}

impl PreSignUp {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: read and validate the settings, build the clients once.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let aws = boot.aws().await?;
        let store = settings.table_name.as_deref().map(|table| Arc::new(aws.store(table)) as Arc<dyn Store>);
        let ports = Ports {
            store,
            directory: Arc::new(aws.directory()),
            // No Step Functions client without a reminder to start: nothing would call it.
            scheduler: match settings.reminder {
                Some(_) => Arc::new(aws.scheduler()),
                None => Arc::new(NoScheduler),
            },
            clock: Arc::new(SystemClock),
            events: Events::from_env(&boot.env, &aws)?,
        };
        Ok(Self::new(settings, ports))
    }

    /// The failure policy: with `deny`, a dependency failure refuses the sign-up (generic "try
    /// again" text); with `allow`, the check that needed it is skipped, logged and counted.
    fn on_failure(&self, check: &'static str, err: PortError) -> Result<(), TriggerError> {
        match self.settings.on_dependency_failure {
            OnDependencyFailure::Deny => Err(TriggerError::Port(err)),
            OnDependencyFailure::Allow => {
                tracing::warn!(trigger = NAME, check, error = %err, "dependency failed: check skipped (ON_DEPENDENCY_FAILURE=allow)");
                metrics::count(NAME, "CheckSkippedOnFailure");
                Ok(())
            }
        }
    }

    /// Reserves a value (when its uniqueness rule is on) and says what is known of other holders.
    async fn reserve(
        &self,
        event: &PreSignUpEvent,
        kind: Kind,
        value: &str,
        now: i64,
    ) -> Result<OtherHolders, TriggerError> {
        let on = match kind {
            Kind::Email => self.settings.unique_email,
            Kind::Phone => self.settings.unique_phone,
        };
        let Some(store) = self.ports.store.as_deref().filter(|_| on) else { return Ok(OtherHolders::Unknown) };
        let request = uniqueness::Request {
            user_pool_id: &event.user_pool_id,
            username: &event.user_name,
            kind,
            value,
            now,
            pending_seconds: self.settings.pending_seconds,
            check_existing_users: self.settings.check_existing_users,
            permanent: event.trigger_source == PreSignUpSource::AdminCreateUser,
        };
        match uniqueness::reserve(store, self.ports.directory.as_ref(), &request).await {
            Ok(Reservation::Reserved { others }) if self.settings.check_existing_users && others.is_empty() => {
                Ok(OtherHolders::NoneFound)
            }
            Ok(Reservation::Reserved { .. }) => Ok(OtherHolders::Unknown),
            Ok(Reservation::Taken) => Err(taken(kind, &self.settings)),
            Err(err) => self.on_failure("uniqueness", err).map(|()| OtherHolders::Unknown),
        }
    }

    async fn facts(&self, event: &PreSignUpEvent, now: i64) -> Result<Facts, TriggerError> {
        let attributes = &event.request.user_attributes;
        let email = attributes.get("email").and_then(|e| Email::parse(e));
        let phone = attributes.get("phone_number").map(|p| Kind::Phone.normalise(p)).filter(|p| !p.is_empty());
        let email_holders = match &email {
            Some(email) => self.reserve(event, Kind::Email, email.address(), now).await?,
            None => OtherHolders::Unknown,
        };
        let phone_holders = match &phone {
            Some(phone) => self.reserve(event, Kind::Phone, phone, now).await?,
            None => OtherHolders::Unknown,
        };
        Ok(Facts { email, phone, email_holders, phone_holders })
    }

    /// The alias guard: true only when no other user holds `value` (Cognito would move it to the
    /// new user otherwise). Unsure (a failed lookup) counts as "someone might".
    async fn nobody_else_holds(&self, event: &PreSignUpEvent, kind: Kind, value: &str, known: OtherHolders) -> bool {
        if known == OtherHolders::NoneFound {
            return true;
        }
        let attribute = match kind {
            Kind::Email => SearchableAttribute::Email,
            Kind::Phone => SearchableAttribute::PhoneNumber,
        };
        match self.ports.directory.find_by_attribute(&event.user_pool_id, attribute, value).await {
            Ok(users) => users.iter().all(|u| u.username == event.user_name),
            Err(err) => {
                tracing::warn!(trigger = NAME, error = %err, "alias guard lookup failed: not auto-verifying");
                false
            }
        }
    }

    async fn apply(&self, event: &mut PreSignUpEvent, facts: &Facts, decision: Decision, now: i64) {
        if decision.auto_confirm {
            let verify_email = match (&facts.email, decision.verify_email) {
                (Some(email), true) => {
                    self.nobody_else_holds(event, Kind::Email, email.address(), facts.email_holders).await
                }
                _ => false,
            };
            let verify_phone = match (&facts.phone, decision.verify_phone) {
                (Some(phone), true) => self.nobody_else_holds(event, Kind::Phone, phone, facts.phone_holders).await,
                _ => false,
            };
            event.response.auto_confirm_user = true;
            event.response.auto_verify_email = verify_email;
            event.response.auto_verify_phone = verify_phone;
        }
        if decision.start_reminder {
            self.start_reminder(event, facts.email.as_ref(), now).await;
        }
    }

    async fn start_reminder(&self, event: &PreSignUpEvent, email: Option<&Email>, now: i64) {
        let Some(reminder) = &self.settings.reminder else { return };
        let attributes = &event.request.user_attributes;
        let input = reminder::Input {
            user_pool_id: &event.user_pool_id,
            username: &event.user_name,
            sub: attributes.get("sub").map(String::as_str),
            email: email.map(Email::address),
            signed_up_at: now,
            remind_after_seconds: self.settings.remind_after_seconds,
            expire_after_seconds: self.settings.pending_seconds - self.settings.remind_after_seconds,
        };
        let name = reminder::execution_name(&event.user_pool_id, &event.user_name);
        // A reminder is a courtesy: it never costs anyone their sign-up.
        match self.ports.scheduler.start_execution(&reminder.state_machine_arn, &name, &input.to_json()).await {
            Ok(StartOutcome::Started { .. }) => tracing::info!(trigger = NAME, execution = name, "reminder started"),
            Ok(StartOutcome::AlreadyStarted) => {
                tracing::info!(trigger = NAME, execution = name, "reminder already started")
            }
            Err(err) => {
                tracing::error!(trigger = NAME, error = %err, "reminder not started");
                metrics::count(NAME, "ReminderStartFailed");
            }
        }
    }

    /// `PreSignUp_ExternalProvider`: link the identity where [`federated::plan`] says it is safe.
    async fn federated(&self, event: &PreSignUpEvent) -> Result<(), TriggerError> {
        if !self.settings.link_federated_users {
            return Ok(());
        }
        let (prefix, provider_user_id) = federated::split_username(&event.user_name)
            .ok_or_else(|| TriggerError::BadEvent("a federated user name without a provider prefix".into()))?;
        let attributes = &event.request.user_attributes;
        let source = ProviderUser {
            provider_name: self.settings.provider_name(prefix),
            provider_user_id: provider_user_id.to_owned(),
        };
        let Some(email) = attributes.get("email").and_then(|e| Email::parse(e)) else {
            skipped(&source, NotLinked::ProviderUnverifiedEmail);
            return Ok(());
        };
        let provider_trusted = self.settings.trusts_provider(&source.provider_name);
        let provider_verified_email = attributes.get("email_verified").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let users_with_email = if provider_trusted && provider_verified_email {
            let found = self.ports.directory.find_by_attribute(
                &event.user_pool_id,
                SearchableAttribute::Email,
                email.address(),
            );
            match found.await {
                Ok(users) => users,
                Err(err) => return self.on_failure("federated linking", err),
            }
        } else {
            Vec::new()
        };
        let facts = federated::Facts { source: &source, provider_trusted, provider_verified_email, users_with_email };
        let native = match federated::plan(facts) {
            Plan::Skip(reason) => {
                skipped(&source, reason);
                return Ok(());
            }
            Plan::TooManyIdentities => {
                return Err(TriggerError::Denied(UserMessage::fixed(federated::TOO_MANY_PROVIDERS)));
            }
            Plan::IntoExisting(user) => user,
            Plan::CreateNative => match self.create_native(event, &email, attributes.get("name")).await {
                Ok(user) => user,
                Err(Failure::Port(err)) => return self.on_failure("federated linking", err),
                Err(Failure::Trigger(err)) => return Err(err),
            },
        };
        // Recorded before the link, so that a linked user always has the record the token
        // trigger's `email_verified` repair needs (a record without a link repairs nothing).
        if let Err(err) = self.record_verified_email(event, &native, &source, &email).await {
            return self.on_failure("federated linking", err);
        }
        match self.ports.directory.link_provider(&event.user_pool_id, &native.username, &source).await {
            Ok(outcome) => {
                tracing::info!(trigger = NAME, provider = source.provider_name, ?outcome, "linked to the native user");
                metrics::count(NAME, "FederatedUserLinked");
                Ok(())
            }
            Err(err) => self.on_failure("federated linking", err),
        }
    }

    /// A native user for a trusted provider's verified address, CONFIRMED and verified. It never
    /// passes post confirmation, so its reservation is made permanent here.
    async fn create_native(
        &self,
        event: &PreSignUpEvent,
        email: &Email,
        name: Option<&String>,
    ) -> Result<DirectoryUser, Failure> {
        let password = password::random_password()
            .map_err(|err| Failure::Trigger(TriggerError::Internal(format!("no random password: {err}"))))?;
        let mut attributes =
            vec![("email".to_owned(), email.address().to_owned()), ("email_verified".to_owned(), "true".to_owned())];
        if let Some(name) = name {
            attributes.push(("name".to_owned(), name.clone()));
        }
        let pool = event.user_pool_id.as_str();
        let user = match self.ports.directory.create_user(pool, email.address(), &attributes, &password).await? {
            CreateOutcome::Created(user) => user,
            // Created by an earlier attempt of this same sign-up: use it.
            CreateOutcome::AlreadyExists => {
                self.ports.directory.get_user(pool, email.address()).await?.ok_or_else(|| {
                    Failure::Trigger(TriggerError::Internal(
                        "the linked native user existed, then could not be read".into(),
                    ))
                })?
            }
        };
        if let Some(store) = self.ports.store.as_deref().filter(|_| self.settings.unique_email) {
            let now = self.ports.clock.epoch_seconds();
            if let Err(err) =
                reservations::confirm(store, pool, Kind::Email, email.address(), &user.username, now).await
            {
                tracing::error!(trigger = NAME, error = %err, "reservation of the linked user not confirmed");
                metrics::count(NAME, "ReservationConfirmFailed");
            }
        }
        Ok(user)
    }

    /// Writes on the native user's profile row which address `source` verified.
    async fn record_verified_email(
        &self,
        event: &PreSignUpEvent,
        native: &DirectoryUser,
        source: &ProviderUser,
        email: &Email,
    ) -> Result<(), PortError> {
        let (Some(store), Some(sub)) = (self.ports.store.as_deref(), native.sub()) else {
            tracing::warn!(trigger = NAME, "linked user without sub or table: provider-verified address not recorded");
            return Ok(());
        };
        let now = self.ports.clock.epoch_seconds();
        let attributes: HashMap<String, String> =
            native.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let update = profile::create_if_missing(sub, &native.username, &attributes, now);
        let update = profile::record_provider_verified_email(update, &source.provider_name, email.address(), now);
        store.update(&profile::key(sub), &update, None).await?;
        tracing::debug!(trigger = NAME, pool = event.user_pool_id, "provider-verified address recorded");
        Ok(())
    }
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

/// Not linked: the federated user is created on its own. Logged and counted.
fn skipped(source: &ProviderUser, reason: NotLinked) {
    tracing::info!(trigger = NAME, provider = source.provider_name, ?reason, "federated sign-up not linked");
    metrics::count(NAME, reason.metric());
}

#[async_trait]
impl Trigger for PreSignUp {
    const NAME: &'static str = NAME;
    type Event = PreSignUpEvent;

    async fn handle(&self, mut event: PreSignUpEvent) -> Result<PreSignUpEvent, TriggerError> {
        let attributes = &event.request.user_attributes;
        rules::check_email_domain(attributes.get("email").map(String::as_str), &self.settings)?;
        if event.trigger_source == PreSignUpSource::ExternalProvider {
            self.federated(&event).await?;
            self.publish_signed_up(&event).await;
            return Ok(event);
        }
        rules::check_username(&event.user_name, &self.settings)?;
        let now = self.ports.clock.epoch_seconds();
        let facts = self.facts(&event, now).await?;
        let decision = decide(&event.trigger_source, &facts, &self.settings);
        self.apply(&mut event, &facts, decision, now).await;
        self.publish_signed_up(&event).await;
        Ok(event)
    }
}

impl PreSignUp {
    /// `UserSignedUp` for a sign-up this trigger lets through (docs/events.md). Best effort, last:
    /// a refusal publishes nothing, and the bus never costs anyone their sign-up.
    async fn publish_signed_up(&self, event: &PreSignUpEvent) {
        let signed_up = domain_events::user_signed_up(
            &event.user_pool_id,
            &event.user_name,
            event.trigger_source.as_str(),
            &event.request.user_attributes,
            event.response.auto_confirm_user,
            self.ports.clock.epoch_millis(),
        );
        self.ports.events.publish(NAME, &signed_up).await;
    }
}

#[cfg(test)]
mod tests {
    use trigger_core::Env;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let mut all = vec![("TABLE_NAME", "t")];
        all.extend_from_slice(pairs);
        Settings::from_env(&Env::from_pairs(all)).unwrap()
    }

    fn facts(email: &str) -> Facts {
        Facts {
            email: Email::parse(email),
            phone: None,
            email_holders: OtherHolders::Unknown,
            phone_holders: OtherHolders::Unknown,
        }
    }

    #[test]
    fn auto_confirm_by_domain_except_for_admin_created_users_and_reminders_otherwise() {
        let s = settings(&[("AUTO_CONFIRM_EMAIL_DOMAINS", "corp.example")]);
        let corp = decide(&PreSignUpSource::SignUp, &facts("a@corp.example"), &s);
        assert_eq!(
            corp,
            Decision { auto_confirm: true, verify_email: true, verify_phone: false, start_reminder: false }
        );
        let other = decide(&PreSignUpSource::SignUp, &facts("a@other.example"), &s);
        assert_eq!(other, Decision { start_reminder: true, ..Decision::default() });
        let admin = decide(&PreSignUpSource::AdminCreateUser, &facts("a@corp.example"), &s);
        assert_eq!(admin, Decision::default(), "Cognito ignores the flags there; no reminder either");
    }

    #[test]
    fn every_text_a_person_sees_is_fit_for_cognito() {
        let composed = rules::check_username("ab", &settings(&[("MIN_USERNAME_LENGTH", "3")])).unwrap_err();
        for text in [
            EMAIL_TAKEN,
            PHONE_TAKEN,
            GENERIC_TAKEN,
            rules::DOMAIN_NOT_ALLOWED,
            rules::EMAIL_INVALID,
            federated::TOO_MANY_PROVIDERS,
            composed.user_message(),
        ] {
            assert!(trigger_core::is_fit_for_cognito(text), "{text:?}");
        }
    }

    #[test]
    fn the_duplicate_message_follows_the_setting() {
        let explicit = settings(&[]);
        assert_eq!(taken(Kind::Email, &explicit).user_message(), EMAIL_TAKEN);
        assert_eq!(taken(Kind::Phone, &explicit).user_message(), PHONE_TAKEN);
        let generic = settings(&[("DUPLICATE_MESSAGE", "generic")]);
        assert_eq!(taken(Kind::Email, &generic).user_message(), GENERIC_TAKEN);
        assert_eq!(taken(Kind::Phone, &generic).user_message(), GENERIC_TAKEN);
    }
}
