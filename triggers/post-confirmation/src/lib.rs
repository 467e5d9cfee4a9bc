//! Post confirmation trigger. See `docs/triggers/post-confirmation.md`.
//!
//! `PostConfirmation_ConfirmSignUp`: the profile item, the reservations made permanent, the
//! default group, then the welcome e-mail (once). `PostConfirmation_ConfirmForgotPassword`: the
//! user's sign-in lockout is cleared (a way back from a lockout someone else caused). Every step
//! is idempotent, so a retried invocation repeats them safely; unknown sources pass untouched.
//! Then the domain event (`UserConfirmed` / `PasswordReset`, docs/events.md), best effort.

pub mod settings;
pub mod welcome;

use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::domain_events::{self, Events};
use trigger_core::events::{PostConfirmationEvent, PostConfirmationSource};
use trigger_core::lockout::Subject;
use trigger_core::ports::{Clock, Mailer, PortError, Store, SystemClock, UserDirectory};
use trigger_core::reservations::{self, Confirmation};
use trigger_core::runtime::{Boot, InitError, dependency_deadline};
use trigger_core::{Trigger, TriggerError, profile};
use trigger_core::{lockout, metrics};

pub use settings::Settings;

use crate::welcome::Recipient;

/// The one directory operation this trigger makes (`AdminAddUserToGroup`, for the default
/// group). Every [`UserDirectory`] is one. Holding `dyn GroupMembership` rather than
/// `dyn UserDirectory` keeps the other operations' client code out of the binary (a trait
/// object's vtable links every method of its trait): 144 KB of the arm64 zip, the room the
/// message catalogue needed.
#[async_trait]
pub trait GroupMembership: Send + Sync {
    async fn add_user_to_group(&self, user_pool_id: &str, username: &str, group: &str) -> Result<(), PortError>;
}

#[async_trait]
impl<T: UserDirectory + ?Sized> GroupMembership for T {
    async fn add_user_to_group(&self, user_pool_id: &str, username: &str, group: &str) -> Result<(), PortError> {
        self.add_to_group(user_pool_id, username, group).await
    }
}

/// What the trigger talks to.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    /// The default group only (`AdminAddUserToGroup`): no other directory operation is linked.
    pub directory: Arc<dyn GroupMembership>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    /// The event bus (`EVENT_BUS_NAME`; disabled when unset).
    pub events: Events,
}

/// The post confirmation trigger.
pub struct PostConfirmation {
    settings: Settings,
    ports: Ports,
}

pub const NAME: &str = "post-confirmation";

impl PostConfirmation {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: settings first (a bad one fails before any client is built), then the clients.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let aws = boot.aws().await?;
        let ports = Ports {
            store: Arc::new(aws.store(settings.table_name.clone())),
            directory: Arc::new(aws.directory()),
            mailer: Arc::new(aws.mailer()),
            clock: Arc::new(SystemClock),
            events: Events::from_env(&boot.env, &aws)?,
        };
        Ok(Self::new(settings, ports))
    }

    /// Counts a failed step and turns it into the internal error Cognito reports (generic text).
    fn failed(metric: &str, err: trigger_core::ports::PortError) -> TriggerError {
        metrics::count(NAME, metric);
        TriggerError::Port(err)
    }
}

#[async_trait]
impl Trigger for PostConfirmation {
    const NAME: &'static str = NAME;
    type Event = PostConfirmationEvent;

    async fn handle(&self, event: PostConfirmationEvent) -> Result<PostConfirmationEvent, TriggerError> {
        match event.trigger_source {
            PostConfirmationSource::ConfirmSignUp => {
                self.confirm_sign_up(&event).await?;
                self.publish_confirmed(&event).await;
            }
            PostConfirmationSource::ConfirmForgotPassword => {
                self.password_reset(&event).await;
                self.publish_password_reset(&event).await;
            }
            _ => tracing::info!(source = %event.trigger_source, "a source this trigger does not act on"),
        }
        Ok(event)
    }
}

impl PostConfirmation {
    /// A sign-up confirmation: the permission-bearing steps (profile, reservations, default group)
    /// first, the courtesy e-mail last, so that an e-mail failure can never cost the user them.
    /// A failed e-mail fails the invocation (Cognito retries; the record says `FAILED` meanwhile).
    async fn confirm_sign_up(&self, event: &PostConfirmationEvent) -> Result<(), TriggerError> {
        let attributes = &event.request.user_attributes;
        let sub = attributes
            .get("sub")
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| TriggerError::BadEvent("the confirmed user has no sub attribute".to_owned()))?;
        let pool = event.user_pool_id.as_str();
        let store = self.ports.store.as_ref();
        let now = self.ports.clock.epoch_seconds();

        let profile = profile::create_if_missing(sub, &event.user_name, attributes, now);
        store.update(&profile::key(sub), &profile, None).await.map_err(|e| Self::failed("ProfileWriteFailed", e))?;

        let confirmed = reservations::confirm_all(store, pool, &event.user_name, attributes, now)
            .await
            .map_err(|e| Self::failed("ReservationConfirmFailed", e))?;
        for (kind, outcome) in confirmed {
            if let Confirmation::HeldByOther { .. } = outcome {
                // Cognito confirmed the user already; this is for an operator to look at, not a
                // reason to fail the confirmation.
                tracing::warn!(?kind, "the confirmed user's value is reserved by another user");
                metrics::count(NAME, "ReservationHeldByOther");
            }
        }

        if let Some(group) = &self.settings.default_group {
            self.ports
                .directory
                .add_user_to_group(pool, &event.user_name, group)
                .await
                .map_err(|e| Self::failed("DefaultGroupFailed", e))?;
        }

        let email = attributes.get("email").filter(|e| !e.trim().is_empty());
        if let (Some(welcome), Some(to)) = (&self.settings.welcome, email) {
            let recipient = Recipient {
                user_pool_id: pool,
                sub,
                to,
                user_name: &event.user_name,
                attributes,
                client_metadata: &event.request.client_metadata,
            };
            // The catalogue was validated at cold start; a message that still does not render (a
            // line break in a value printed into a subject, a body past the limit) would not
            // render on a retry either: counted and skipped, never a reason to fail the
            // confirmation.
            let email = match welcome::compose(welcome, &recipient) {
                Ok(email) => email,
                Err(err) => {
                    metrics::count(NAME, "WelcomeEmailNotRendered");
                    tracing::error!(error = %err, "welcome e-mail not rendered: not sent");
                    return Ok(());
                }
            };
            let outcome = welcome::send_once(store, self.ports.mailer.as_ref(), &recipient, &email, now)
                .await
                .map_err(|e| Self::failed("WelcomeEmailFailed", e))?;
            tracing::info!(?outcome, "welcome e-mail");
        }
        Ok(())
    }

    /// A completed password reset proves the person owns the account: their sign-in lockout is
    /// cleared, so that someone guessing their password cannot keep them out. Best effort: the
    /// reset itself has happened, and a lock left in place still expires on its own.
    async fn password_reset(&self, event: &PostConfirmationEvent) {
        // By `sub`: the user who proved the account, never another whose name differs only in case.
        let Some(subject) = Subject::user(&event.request.user_attributes) else {
            metrics::count(NAME, "LockoutClearFailed");
            tracing::warn!("password reset without a sub: no lockout record cleared");
            return;
        };
        let key = lockout::key(&event.user_pool_id, &subject);
        match lockout::clear(self.ports.store.as_ref(), &key).await {
            Ok(()) => tracing::info!("password reset: sign-in lockout cleared"),
            Err(err) => {
                metrics::count(NAME, "LockoutClearFailed");
                tracing::warn!(error = %err, "password reset: the sign-in lockout could not be cleared");
            }
        }
    }

    /// `UserConfirmed`, once every step succeeded (a failed step fails the invocation before it,
    /// and Cognito's retry publishes it: at least once, one id).
    async fn publish_confirmed(&self, event: &PostConfirmationEvent) {
        let attributes = &event.request.user_attributes;
        let Some(sub) = attributes.get("sub") else { return };
        let confirmed = domain_events::user_confirmed(
            &event.user_pool_id,
            &event.user_name,
            sub,
            attributes,
            self.ports.clock.epoch_millis(),
        );
        self.ports.events.publish(NAME, &confirmed).await;
    }

    /// `PasswordReset`. A retried delivery is told from a second reset by the time the profile
    /// recorded for the first one ([`RESET_DEDUPE_SECONDS`]); without the profile (store down)
    /// the event goes out with this delivery's time, so a retry could repeat it under a new id.
    async fn publish_password_reset(&self, event: &PostConfirmationEvent) {
        if !self.ports.events.is_enabled() {
            return;
        }
        let Some(sub) = event.request.user_attributes.get("sub").filter(|s| !s.trim().is_empty()) else {
            tracing::warn!("password reset of a user without a sub: no event");
            return;
        };
        let now = self.ports.clock.epoch_seconds();
        let key = password_reset_key(sub);
        let recorded = domain_events::occurrence(
            self.ports.store.as_ref(),
            &key,
            LAST_PASSWORD_RESET_AT,
            now,
            RESET_DEDUPE_SECONDS,
        );
        let reset_at = match tokio::time::timeout_at(dependency_deadline(), recorded).await {
            Ok(Ok(at)) => at,
            failed => {
                let error = match failed {
                    Ok(Err(err)) => err.to_string(),
                    _ => "not answered within the budget".to_owned(),
                };
                metrics::count(NAME, "PasswordResetRecordFailed");
                tracing::warn!(error, "password reset time not recorded; the event carries this delivery's");
                now
            }
        };
        let reset = domain_events::password_reset(
            &event.user_pool_id,
            &event.user_name,
            sub,
            reset_at,
            self.ports.clock.epoch_millis(),
        );
        self.ports.events.publish(NAME, &reset).await;
    }
}

/// The row that records the last password reset (what tells a retry from a second reset): one of
/// the user's rows (`USER#<sub>`), beside the profile, never in it (a reset creates no profile).
pub fn password_reset_key(sub: &str) -> trigger_core::ports::Key {
    trigger_core::ports::Key::new(profile::partition(sub), PASSWORD_RESET_SORT_KEY)
}
pub const PASSWORD_RESET_SORT_KEY: &str = "PASSWORD_RESET";
pub const LAST_PASSWORD_RESET_AT: &str = "lastPasswordResetAt";
/// Longer than Cognito's retries of one invocation; a person cannot complete two resets (each
/// needs a new code by e-mail) this fast.
pub const RESET_DEDUPE_SECONDS: i64 = 30;
