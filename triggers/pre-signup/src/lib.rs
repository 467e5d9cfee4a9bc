//! Pre sign-up trigger. See `docs/triggers/pre-signup.md`.
//!
//! The decisions live in [`rules`], [`uniqueness`], [`federated`] and [`reminder`]; this file
//! connects them to the event, in order, and applies the failure policy to what they need from
//! the outside world.

pub mod email;
pub mod federated;
pub mod password;
pub mod reminder;
pub mod rules;
pub mod settings;
pub mod uniqueness;

use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::events::{PreSignUpEvent, PreSignUpSource};
use trigger_core::ports::{
    Clock, PortError, PortErrorKind, ProviderUser, Scheduler, SearchableAttribute, StartOutcome, Store, SystemClock,
    UserDirectory,
};
use trigger_core::reservations::{self, Kind};
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError, metrics};

use crate::email::Email;
use crate::federated::{LinkError, Linked};
pub use crate::settings::{OnDependencyFailure, Settings};
use crate::uniqueness::Reservation;

const NAME: &str = "pre-signup";

pub const EMAIL_TAKEN: &str =
    "An account with this e-mail address already exists. Please sign in or reset your password.";
pub const PHONE_TAKEN: &str =
    "An account with this phone number already exists. Please sign in or reset your password.";

/// What the trigger talks to.
#[derive(Clone)]
pub struct Ports {
    /// Absent when no rule needs the table (`UNIQUE_EMAIL=false`, `UNIQUE_PHONE=false`, no `TABLE_NAME`).
    pub store: Option<Arc<dyn Store>>,
    pub directory: Arc<dyn UserDirectory>,
    pub scheduler: Arc<dyn Scheduler>,
    pub clock: Arc<dyn Clock>,
}

/// The pre sign-up trigger.
pub struct PreSignUp {
    settings: Settings,
    ports: Ports,
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
            scheduler: Arc::new(aws.scheduler()),
            clock: Arc::new(SystemClock),
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

    /// Reserves a value; `Some(others_known_clear)` when reserved, where the flag says whether
    /// no other user holds it (known only when existing users were checked).
    async fn reserve(
        &self,
        event: &PreSignUpEvent,
        kind: Kind,
        value: &str,
        now: i64,
    ) -> Result<Option<bool>, TriggerError> {
        let Some(store) = self.ports.store.as_deref() else { return Ok(None) };
        let request = uniqueness::Request {
            user_pool_id: &event.user_pool_id,
            username: &event.user_name,
            kind,
            value,
            now,
            pending_seconds: self.settings.pending_seconds,
            check_existing_users: self.settings.check_existing_users,
        };
        match uniqueness::reserve(store, self.ports.directory.as_ref(), &request).await {
            Ok(Reservation::Reserved { others }) => Ok(Some(self.settings.check_existing_users && others.is_empty())),
            Ok(Reservation::Taken) => Err(TriggerError::denied(match kind {
                Kind::Email => EMAIL_TAKEN,
                Kind::Phone => PHONE_TAKEN,
            })),
            Err(err) => self.on_failure("uniqueness", err).map(|()| None),
        }
    }

    /// The alias guard: true only when no other user holds `value` (Cognito would move it to the
    /// new user otherwise). Unsure (a failed lookup) counts as "someone might".
    async fn nobody_else_holds(&self, event: &PreSignUpEvent, kind: Kind, value: &str, known: Option<bool>) -> bool {
        if known == Some(true) {
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

    async fn start_reminder(&self, event: &PreSignUpEvent, email: Option<&Email>) {
        let Some(reminder) = &self.settings.reminder else { return };
        let attributes = &event.request.user_attributes;
        let input = reminder::Input {
            user_pool_id: &event.user_pool_id,
            username: &event.user_name,
            sub: attributes.get("sub").map(String::as_str),
            email: email.map(Email::address),
            signed_up_at: self.ports.clock.epoch_seconds(),
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

    async fn link_federated(&self, event: &PreSignUpEvent) -> Result<(), TriggerError> {
        if !self.settings.link_federated_users {
            return Ok(());
        }
        let (prefix, provider_user_id) = federated::split_username(&event.user_name)
            .ok_or_else(|| TriggerError::BadEvent("a federated user name without a provider prefix".into()))?;
        let attributes = &event.request.user_attributes;
        // Linking on an address the provider did not verify would hand the account to whoever
        // typed it there.
        let verified = attributes.get("email_verified").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let Some(email) = attributes.get("email").and_then(|e| Email::parse(e)).filter(|_| verified) else {
            tracing::info!(trigger = NAME, "federated sign-up not linked: no provider-verified e-mail");
            return Ok(());
        };
        let request = federated::Request {
            user_pool_id: &event.user_pool_id,
            source: ProviderUser {
                provider_name: self.settings.provider_name(prefix),
                provider_user_id: provider_user_id.to_owned(),
            },
            email: email.address(),
            name: attributes.get("name").map(String::as_str),
        };
        match federated::link(self.ports.directory.as_ref(), &request).await {
            Ok(Linked::Created { username }) => {
                tracing::info!(trigger = NAME, provider = request.source.provider_name, "linked to a new native user");
                self.confirm_created(event, &email, &username).await;
                Ok(())
            }
            Ok(Linked::Existing { outcome, .. }) => {
                tracing::info!(
                    trigger = NAME,
                    provider = request.source.provider_name,
                    ?outcome,
                    "linked to the native user"
                );
                Ok(())
            }
            Err(LinkError::Denied(err)) => Err(err),
            Err(LinkError::Port(err)) => self.on_failure("federated linking", err),
            Err(other) => Err(TriggerError::Port(PortError::new(
                NAME,
                "LinkFederatedUser",
                PortErrorKind::Unavailable,
                other.to_string(),
            ))),
        }
    }

    /// A native user created for linking never passes post confirmation: its reservation is
    /// made permanent here.
    async fn confirm_created(&self, event: &PreSignUpEvent, email: &Email, username: &str) {
        let Some(store) = self.ports.store.as_deref().filter(|_| self.settings.unique_email) else { return };
        let now = self.ports.clock.epoch_seconds();
        if let Err(err) =
            reservations::confirm(store, &event.user_pool_id, Kind::Email, email.address(), username, now).await
        {
            tracing::error!(trigger = NAME, error = %err, "reservation of the linked user not confirmed");
            metrics::count(NAME, "ReservationConfirmFailed");
        }
    }
}

#[async_trait]
impl Trigger for PreSignUp {
    const NAME: &'static str = NAME;
    type Event = PreSignUpEvent;

    async fn handle(&self, mut event: PreSignUpEvent) -> Result<PreSignUpEvent, TriggerError> {
        let attributes = &event.request.user_attributes;
        rules::check_email_domain(attributes.get("email").map(String::as_str), &self.settings)?;
        if event.trigger_source == PreSignUpSource::ExternalProvider {
            self.link_federated(&event).await?;
            return Ok(event);
        }
        rules::check_username(&event.user_name, &self.settings)?;
        let email = attributes.get("email").and_then(|e| Email::parse(e));
        let phone = attributes.get("phone_number").map(|p| Kind::Phone.normalise(p)).filter(|p| !p.is_empty());
        let now = self.ports.clock.epoch_seconds();

        let mut email_clear = None;
        if let (true, Some(email)) = (self.settings.unique_email, &email) {
            email_clear = self.reserve(&event, Kind::Email, email.address(), now).await?;
        }
        let mut phone_clear = None;
        if let (true, Some(phone)) = (self.settings.unique_phone, &phone) {
            phone_clear = self.reserve(&event, Kind::Phone, phone, now).await?;
        }

        // Cognito ignores these flags for AdminCreateUser: they are not set there.
        let auto_confirm = event.trigger_source != PreSignUpSource::AdminCreateUser
            && email.as_ref().is_some_and(|e| rules::auto_confirms(e, &self.settings));
        if auto_confirm {
            let verify_email = match &email {
                Some(email) => self.nobody_else_holds(&event, Kind::Email, email.address(), email_clear).await,
                None => false,
            };
            let verify_phone = match &phone {
                Some(phone) => self.nobody_else_holds(&event, Kind::Phone, phone, phone_clear).await,
                None => false,
            };
            event.response.auto_confirm_user = true;
            event.response.auto_verify_email = verify_email;
            event.response.auto_verify_phone = verify_phone;
        }

        if event.trigger_source == PreSignUpSource::SignUp && !auto_confirm {
            self.start_reminder(&event, email.as_ref()).await;
        }
        Ok(event)
    }
}
