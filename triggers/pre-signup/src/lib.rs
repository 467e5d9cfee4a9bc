//! Pre sign-up trigger. See `docs/triggers/pre-signup.md`.
//!
//! This file is the skeleton: the ports, cold start, the failure policy and the dispatch. Each
//! branch reads gather → decide → apply in a module of its own: [`sign_up`] for `SignUp`,
//! `AdminCreateUser` and unknown sources (the domain and user-name [`rules`], the [`legacy`]
//! squatting guard, the [`uniqueness`] reservations, auto-confirm, the [`reminder`]), and
//! [`federated`] for `ExternalProvider` (account linking).

pub mod email;
pub mod federated;
pub mod legacy;
pub mod password;
pub mod reminder;
pub mod rules;
pub mod settings;
pub mod sign_up;
pub mod uniqueness;

use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::domain_events::{self, Events};
use trigger_core::events::{PreSignUpEvent, PreSignUpSource};
use trigger_core::ports::{Clock, NoScheduler, PortError, Scheduler, Store, SystemClock, UserDirectory};
use trigger_core::reservations::Kind;
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError, metrics};

pub use crate::legacy::LegacyStores;
pub use crate::settings::{DuplicateMessage, OnDependencyFailure, Settings};
pub use crate::sign_up::{Decision, Facts, OtherHolders, decide};

pub const NAME: &str = "pre-signup";

pub const EMAIL_TAKEN: &str =
    "An account with this e-mail address already exists. Please sign in or reset your password";
pub const PHONE_TAKEN: &str = "An account with this phone number already exists. Please sign in or reset your password";
/// A user name an account of the legacy system (user-migration's backends) still holds.
pub const USERNAME_TAKEN: &str = "An account with this user name already exists. Please sign in or reset your password";
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
    /// user-migration's backends, asked while a migration runs (none by default).
    legacy: LegacyStores,
}

/// Which of a sign-up's values someone else holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    UserName,
    Email,
    Phone,
}

impl From<Kind> for Held {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Email => Self::Email,
            Kind::Phone => Self::Phone,
        }
    }
}

/// The refusal for a taken value, as `DUPLICATE_MESSAGE` says.
pub fn taken(held: impl Into<Held>, settings: &Settings) -> TriggerError {
    TriggerError::denied(match (settings.duplicate_message, held.into()) {
        (DuplicateMessage::Generic, _) => GENERIC_TAKEN,
        (DuplicateMessage::Explicit, Held::UserName) => USERNAME_TAKEN,
        (DuplicateMessage::Explicit, Held::Email) => EMAIL_TAKEN,
        (DuplicateMessage::Explicit, Held::Phone) => PHONE_TAKEN,
    })
}

impl PreSignUp {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports, legacy: LegacyStores::default() }
    }

    /// The legacy backends the squatting guard asks (`LEGACY_USERS_TABLE`, `OLD_USER_POOL_ID`).
    #[must_use]
    pub fn with_legacy(mut self, legacy: LegacyStores) -> Self {
        self.legacy = legacy;
        self
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
        let legacy = LegacyStores::from_settings(&settings.legacy, &aws);
        Ok(Self::new(settings, ports).with_legacy(legacy))
    }

    /// The failure policy: with `deny`, a dependency failure refuses the sign-up (generic "try
    /// again" text); with `allow`, the check that needed it is skipped, logged and counted.
    pub(crate) fn on_failure(&self, check: &'static str, err: PortError) -> Result<(), TriggerError> {
        match self.settings.on_dependency_failure {
            OnDependencyFailure::Deny => Err(TriggerError::Port(err)),
            OnDependencyFailure::Allow => {
                tracing::warn!(trigger = NAME, check, error = %err, "dependency failed: check skipped (ON_DEPENDENCY_FAILURE=allow)");
                metrics::count(NAME, "CheckSkippedOnFailure");
                Ok(())
            }
        }
    }

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

#[async_trait]
impl Trigger for PreSignUp {
    const NAME: &'static str = NAME;
    type Event = PreSignUpEvent;

    async fn handle(&self, mut event: PreSignUpEvent) -> Result<PreSignUpEvent, TriggerError> {
        let attributes = &event.request.user_attributes;
        rules::check_email_domain(attributes.get("email").map(String::as_str), &self.settings)?;
        if event.trigger_source == PreSignUpSource::ExternalProvider {
            federated::handle(self, &event).await?;
        } else {
            sign_up::handle(self, &mut event).await?;
        }
        self.publish_signed_up(&event).await;
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        crate::settings::for_test(("TABLE_NAME", "t"), pairs)
    }

    #[test]
    fn every_text_a_person_sees_is_fit_for_cognito() {
        let composed =
            rules::check_username("ab", &PreSignUpSource::SignUp, &settings(&[("MIN_USERNAME_LENGTH", "3")]))
                .unwrap_err();
        for text in [
            EMAIL_TAKEN,
            PHONE_TAKEN,
            USERNAME_TAKEN,
            GENERIC_TAKEN,
            rules::DOMAIN_NOT_ALLOWED,
            rules::EMAIL_INVALID,
            rules::USERNAME_RESERVED,
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
        assert_eq!(taken(Held::UserName, &explicit).user_message(), USERNAME_TAKEN);
        let generic = settings(&[("DUPLICATE_MESSAGE", "generic")]);
        for held in [Held::Email, Held::Phone, Held::UserName] {
            assert_eq!(taken(held, &generic).user_message(), GENERIC_TAKEN, "{held:?}");
        }
    }
}
