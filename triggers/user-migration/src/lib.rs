//! User migration trigger: moves a user into the pool at their first sign-in (or password reset)
//! from an old Cognito user pool or a legacy table of password hashes. See
//! `docs/triggers/user-migration.md`.
//!
//! The path reads top to bottom: the lockout record is checked first (a locked name is refused
//! before any hash is computed), [`lookup`] asks each backend in the configured order,
//! [`decide`] turns what they said into an outcome, and this file applies it: the e-mail
//! reservation, the response, or a refusal that is the same for a wrong password and an unknown
//! user (and counted on the lockout record).
//!
//! Failure policy: fail closed. A backend or the table that does not answer refuses the sign-in
//! with the generic "try again" text; nobody is moved in on a guess, and a person whose migration
//! failed simply tries again.

pub mod attributes;
pub mod decide;
pub mod lookup;
pub mod message;
pub mod password_policy;
pub mod settings;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::domain_events::{self, Events};
use trigger_core::events::{FinalUserStatus, UserMigrationEvent, UserMigrationResponse, UserMigrationSource};
use trigger_core::lockout::attempt::{self, Verdict};
use trigger_core::lockout::{self, LockoutState};
use trigger_core::logging::{Secret, mask_identifier};
use trigger_core::metrics;
use trigger_core::ports::{Clock, Key, LegacyUsers, OldUserPool, PortError, PortErrorKind, Store, SystemClock};
use trigger_core::reservations::{self, Confirmation, Kind};
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError, UserMessage};

pub use settings::{Backend, LockoutMode, Settings};

use decide::Outcome;
use lookup::SignInCheck;

/// The binary name (Lambda function, CDK entry, log `trigger` field).
pub const NAME: &str = "user-migration";

/// What the trigger talks to. A backend port is present exactly when its settings are.
#[derive(Clone)]
pub struct Ports {
    /// `TABLE_NAME`: reservations and the lockout record.
    pub store: Arc<dyn Store>,
    pub legacy_users: Option<Arc<dyn LegacyUsers>>,
    pub old_pool: Option<Arc<dyn OldUserPool>>,
    pub clock: Arc<dyn Clock>,
    /// The event bus (`EVENT_BUS_NAME`; disabled when unset): `UserMigrated`, `UserLockedOut`.
    pub events: Events,
}

pub struct UserMigration {
    settings: Settings,
    ports: Ports,
}

fn not_wired(backend: Backend) -> TriggerError {
    TriggerError::Port(PortError::new(
        NAME,
        backend.as_str(),
        PortErrorKind::Rejected,
        "backend configured without a port",
    ))
}

impl UserMigration {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: settings first (a bad value fails before any client is built), then clients.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let aws = boot.aws().await?;
        let legacy_users = settings
            .legacy_table
            .as_ref()
            .map(|table| Arc::new(aws.legacy_users(table.clone())) as Arc<dyn LegacyUsers>);
        let old_pool = settings
            .old_pool
            .as_ref()
            .map(|old| Arc::new(aws.old_pool(&old.user_pool_id, &old.client_id, &old.region)) as Arc<dyn OldUserPool>);
        let ports = Ports {
            store: Arc::new(aws.store(settings.table_name.clone())),
            legacy_users,
            old_pool,
            clock: Arc::new(SystemClock),
            events: Events::from_env(&boot.env, &aws)?,
        };
        Ok(Self::new(settings, ports))
    }

    /// A locked name is refused before any hash is checked or any backend asked.
    async fn refuse_if_locked(&self, key: &Key, now: i64) -> Result<(), TriggerError> {
        let record = self.ports.store.get(key).await?;
        match LockoutState::live(record.as_ref(), now) {
            Some(state) if state.is_locked(now) => {
                metrics::count(NAME, "SignInLocked");
                Err(TriggerError::Denied(message::locked(state.locked_until - now)))
            }
            _ => Ok(()),
        }
    }

    /// A sign-in no backend verified: counted like pre-authentication counts (`count` mode), and
    /// refused with the one text for a wrong password and an unknown user, or the lock it caused.
    async fn failed(&self, event: &UserMigrationEvent, key: &Key, now: i64) -> TriggerError {
        metrics::count(NAME, "MigrationRefused");
        if self.settings.lockout == LockoutMode::Count {
            match attempt::register_noting_lock(&*self.ports.store, key, now, &self.settings.lockout_policy).await {
                Ok((Verdict::Locked { until }, locked_now)) => {
                    metrics::count(NAME, "SignInLocked");
                    if locked_now {
                        let at = self.ports.clock.epoch_millis();
                        let locked =
                            domain_events::user_locked_out(&event.user_pool_id, &event.user_name, false, until, at);
                        self.ports.events.publish(NAME, &locked).await;
                    }
                    return TriggerError::Denied(message::locked(until - now));
                }
                Ok((Verdict::Allowed | Verdict::Contended, _)) => {}
                Err(err) => return TriggerError::Port(err),
            }
        }
        TriggerError::Denied(UserMessage::fixed(message::INCORRECT))
    }

    async fn check(
        &self,
        backend: Backend,
        user_name: &str,
        password: &Secret<String>,
    ) -> Result<SignInCheck, TriggerError> {
        Ok(match backend {
            Backend::LegacyTable => {
                let table = self.ports.legacy_users.as_deref().ok_or_else(|| not_wired(backend))?;
                lookup::legacy_sign_in(table, user_name, password, &self.settings.dummy_hash).await?
            }
            Backend::OldPool => {
                let pool = self.ports.old_pool.as_deref().ok_or_else(|| not_wired(backend))?;
                lookup::old_pool_sign_in(pool, user_name, password).await?
            }
        })
    }

    async fn find(&self, backend: Backend, user_name: &str) -> Result<Option<BTreeMap<String, String>>, TriggerError> {
        Ok(match backend {
            Backend::LegacyTable => {
                let table = self.ports.legacy_users.as_deref().ok_or_else(|| not_wired(backend))?;
                lookup::legacy_find(table, user_name).await?
            }
            Backend::OldPool => {
                let pool = self.ports.old_pool.as_deref().ok_or_else(|| not_wired(backend))?;
                lookup::old_pool_find(pool, user_name).await?
            }
        })
    }

    async fn sign_in(&self, mut event: UserMigrationEvent) -> Result<UserMigrationEvent, TriggerError> {
        let password = event
            .request
            .password
            .clone()
            .ok_or_else(|| TriggerError::BadEvent("UserMigration_Authentication without a password".to_owned()))?;
        let now = self.ports.clock.epoch_seconds();
        let key = lockout::key(&event.user_pool_id, &event.user_name);
        self.refuse_if_locked(&key, now).await?;
        // Every backend is asked until one verifies, so a wrong password and an unknown name take
        // the same path (and about the same time).
        let mut checks = Vec::new();
        for backend in &self.settings.order {
            let check = self.check(*backend, &event.user_name, &password).await?;
            let settled = check != SignInCheck::NotVerified;
            checks.push((*backend, check));
            if settled {
                break;
            }
        }
        match decide::sign_in(&checks, password.expose(), &self.settings) {
            Outcome::Migrate { backend, response } => {
                self.migrate(&mut event, backend, response, message::EMAIL_TAKEN, now).await?;
                Ok(event)
            }
            Outcome::Refuse(text) => {
                metrics::count(NAME, "OldPoolChallenge");
                tracing::info!(
                    trigger = NAME,
                    user = mask_identifier(&event.user_name),
                    "old pool answered a challenge"
                );
                Err(TriggerError::Denied(text))
            }
            Outcome::Failed => Err(self.failed(&event, &key, now).await),
        }
    }

    async fn forgot_password(&self, mut event: UserMigrationEvent) -> Result<UserMigrationEvent, TriggerError> {
        let now = self.ports.clock.epoch_seconds();
        let mut found = None;
        for backend in &self.settings.order {
            if let Some(attributes) = self.find(*backend, &event.user_name).await? {
                found = Some((*backend, attributes));
                break;
            }
        }
        match decide::forgot_password(found, &self.settings) {
            Outcome::Migrate { backend, response } => {
                self.migrate(&mut event, backend, response, message::CANNOT_RESET, now).await?;
                Ok(event)
            }
            Outcome::Refuse(text) => {
                metrics::count(NAME, "MigrationRefused");
                Err(TriggerError::Denied(text))
            }
            Outcome::Failed => Err(TriggerError::Denied(UserMessage::fixed(message::CANNOT_RESET))),
        }
    }

    /// Reserves the e-mail address as a confirmed sign-up would (`reservations::confirm`, the
    /// post-confirmation hand-off), then answers. An address another account holds is refused:
    /// one account per address holds for migrated users too.
    async fn migrate(
        &self,
        event: &mut UserMigrationEvent,
        backend: Backend,
        response: UserMigrationResponse,
        taken_text: &'static str,
        now: i64,
    ) -> Result<(), TriggerError> {
        if let Some(email) = response.user_attributes.get("email") {
            let confirmation = reservations::confirm(
                &*self.ports.store,
                &event.user_pool_id,
                Kind::Email,
                email,
                &event.user_name,
                now,
            )
            .await?;
            if let Confirmation::HeldByOther { .. } = confirmation {
                metrics::count(NAME, "EmailTaken");
                tracing::info!(
                    trigger = NAME,
                    user = mask_identifier(&event.user_name),
                    "e-mail address held by another account"
                );
                return Err(TriggerError::Denied(UserMessage::fixed(taken_text)));
            }
        }
        metrics::count(NAME, "Migrated");
        tracing::info!(
            trigger = NAME,
            user = mask_identifier(&event.user_name),
            backend = backend.as_str(),
            status = ?response.final_user_status,
            attributes = response.user_attributes.len(),
            "migrated"
        );
        let status = match response.final_user_status {
            Some(FinalUserStatus::ResetRequired) => "RESET_REQUIRED",
            Some(FinalUserStatus::Confirmed) | None => "CONFIRMED",
        };
        let migrated = domain_events::user_migrated(
            &event.user_pool_id,
            &event.user_name,
            event.trigger_source.as_str(),
            backend.as_str(),
            status,
            &response.user_attributes,
            self.ports.clock.epoch_millis(),
        );
        event.response = response;
        // Cognito creates the user after this answer: a failure there (rare) leaves an event for
        // a user that does not exist yet, and the next sign-in migrates again under the same id.
        self.ports.events.publish(NAME, &migrated).await;
        Ok(())
    }
}

#[async_trait]
impl Trigger for UserMigration {
    const NAME: &'static str = NAME;
    type Event = UserMigrationEvent;

    async fn handle(&self, event: UserMigrationEvent) -> Result<UserMigrationEvent, TriggerError> {
        if !event.trigger_source.is_known() {
            return Ok(event);
        }
        if event.user_name.trim().is_empty() {
            return Err(TriggerError::BadEvent("user migration event without userName".to_owned()));
        }
        match event.trigger_source {
            UserMigrationSource::Authentication => self.sign_in(event).await,
            UserMigrationSource::ForgotPassword => self.forgot_password(event).await,
            UserMigrationSource::Unknown(_) => Ok(event),
        }
    }
}
