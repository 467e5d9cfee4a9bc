//! User migration trigger: moves a user into the pool at their first sign-in (or password reset)
//! from an old Cognito user pool or a legacy table of password hashes. See
//! `docs/triggers/user-migration.md`.
//!
//! The path reads top to bottom: the attempt is registered on the name's lockout record first,
//! atomically, as pre-authentication does (a locked name, or an attempt past the maximum, is
//! refused before any hash is computed; in `check` mode pre-authentication has registered it and
//! the lock is only read), [`lookup`] asks each backend in the configured order, [`decide`] turns
//! what they said into an outcome, the lock is read once more (a burst may have locked the name
//! while this password was being verified: a right password in a locked window is refused), and
//! this file applies the outcome: the reservations ([`reserve`]), the response, or a refusal
//! that is the same for a wrong password and an unknown user. Forgot-password is counted on a
//! row of its own beside the lockout record (`sk = MIGRATION_RESETS`).
//!
//! Failure policy: fail closed. A backend or the table that does not answer refuses the sign-in
//! with the generic "try again" text; nobody is moved in on a guess, and a person whose migration
//! failed simply tries again (the attempt was counted: a verification cut off by the deadline
//! counts like a wrong password).

pub mod attributes;
pub mod decide;
pub mod dummy;
pub mod lookup;
pub mod message;
pub mod password_policy;
pub mod reserve;
pub mod settings;

use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::domain_events::{self, Events};
use trigger_core::events::{FinalUserStatus, UserMigrationEvent, UserMigrationResponse, UserMigrationSource};
use trigger_core::lockout::attempt::{self, Verdict};
use trigger_core::lockout::{self, LockoutState, Subject};
use trigger_core::logging::{Secret, mask_identifier};
use trigger_core::metrics;
use trigger_core::ports::{
    Clock, Key, LegacyUsers, OldUserPool, PortError, PortErrorKind, Store, SystemClock, UserLookup,
};
use trigger_core::reservations::Kind;
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError, UserMessage};

pub use settings::{Backend, LockoutMode, Settings};

use decide::Outcome;
use dummy::Dummy;
use lookup::{Found, SignInCheck};
use reserve::Reserved;

/// The sort key of the forgot-password counter, beside the name's lockout record
/// (`pk = LOCKOUT#<pool>#NAME#<name>`, `sk = STATE`): a lockout record of its own, counted by
/// `trigger_core::lockout::attempt` with the `MIGRATION_RESET_*` policy.
pub const RESETS_SORT_KEY: &str = "MIGRATION_RESETS";

/// The binary name (Lambda function, CDK entry, log `trigger` field).
pub const NAME: &str = "user-migration";

/// What the trigger talks to. A backend port is present exactly when its settings are.
#[derive(Clone)]
pub struct Ports {
    /// `TABLE_NAME`: reservations and the lockout record.
    pub store: Arc<dyn Store>,
    /// The new pool (the event's `userPoolId`): the holder of a reservation, and with
    /// `FORCE_ALIAS_CREATION` the holder of an address or number as an alias (AdminGetUser only).
    pub directory: Arc<dyn UserLookup>,
    pub legacy_users: Option<Arc<dyn LegacyUsers>>,
    pub old_pool: Option<Arc<dyn OldUserPool>>,
    pub clock: Arc<dyn Clock>,
    /// The event bus (`EVENT_BUS_NAME`; disabled when unset): `UserMigrated`, `UserLockedOut`.
    pub events: Events,
}

pub struct UserMigration {
    settings: Settings,
    ports: Ports,
    /// What an unknown name's password is verified against; follows the rows' cost.
    dummy: Dummy,
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
        let dummy = Dummy::starting_from(&settings.dummy_hash);
        Self { settings, ports, dummy }
    }

    /// The dummy hash as it is now (for tests and the measurement of its cost).
    pub fn dummy(&self) -> &Dummy {
        &self.dummy
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
            directory: Arc::new(aws.directory()),
            legacy_users,
            old_pool,
            clock: Arc::new(SystemClock),
            events: Events::from_env(&boot.env, &aws)?,
        };
        let trigger = Self::new(settings, ports);
        trigger.recall_dummy().await;
        Ok(trigger)
    }

    /// Cold start: the dummy hash an earlier instance learned from the rows ([`dummy`]), so that
    /// this instance's first unknown names already cost what a row costs. A table that does not
    /// answer leaves the starting point (`LEGACY_DUMMY_HASH`).
    pub async fn recall_dummy(&self) {
        let Some(table) = &self.settings.legacy_table else { return };
        match self.ports.store.get(&dummy::key(table)).await {
            Ok(Some(item)) => {
                if let Some(saved) = item.str(dummy::HASH) {
                    self.dummy.recall(&Secret::new(saved.to_owned()));
                }
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(trigger = NAME, %error, "saved dummy hash not read; starting from LEGACY_DUMMY_HASH")
            }
        }
    }

    /// Saves the first dummy this instance learned from a row ([`dummy`]); best effort.
    async fn save_dummy(&self, now: i64) {
        let (Some(table), Some(learned)) = (&self.settings.legacy_table, self.dummy.to_save()) else { return };
        if let Err(error) = self.ports.store.put(&dummy::item(table, &learned, now), None).await {
            tracing::warn!(trigger = NAME, %error, "dummy hash not saved; the next cold start learns it again");
        }
    }

    /// The lockout record of the event's name. The user does not exist in the pool yet, so it is
    /// the record of the name (`NAME#…` under the pool's rule): the very record pre-authentication
    /// counts for a name the pool does not hold.
    fn lockout_key(&self, event: &UserMigrationEvent) -> Key {
        lockout::key(&event.user_pool_id, &Subject::of(&event.user_name, None, self.settings.names))
    }

    /// The forgot-password counter of the event's name, beside its lockout record.
    fn resets_key(&self, event: &UserMigrationEvent) -> Key {
        Key::new(self.lockout_key(event).pk, RESETS_SORT_KEY)
    }

    /// Refuses a name that is locked at `now`.
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

    /// Before any backend is asked. `count`: the attempt is registered atomically (one
    /// conditional write), so that N concurrent guesses never let more than the maximum through
    /// to a verification, and an attempt cut off later is counted all the same. `check`:
    /// pre-authentication registered it; a locked name is refused.
    async fn admit(&self, event: &UserMigrationEvent, key: &Key, now: i64) -> Result<(), TriggerError> {
        if self.settings.lockout == LockoutMode::Check {
            return self.refuse_if_locked(key, now).await;
        }
        match attempt::register_noting_lock(&*self.ports.store, key, now, &self.settings.lockout_policy).await? {
            (Verdict::Allowed, _) => Ok(()),
            (Verdict::Locked { until }, locked_now) => {
                metrics::count(NAME, "SignInLocked");
                if locked_now {
                    let at = self.ports.clock.epoch_millis();
                    let locked =
                        domain_events::user_locked_out(&event.user_pool_id, &event.user_name, false, until, at);
                    self.ports.events.publish(NAME, &locked).await;
                }
                Err(TriggerError::Denied(message::locked(until - now)))
            }
            (Verdict::Contended, _) => {
                metrics::count(NAME, "LockoutContended");
                Err(TriggerError::Denied(message::locked(message::CONTENDED_RETRY_SECONDS)))
            }
        }
    }

    /// Forgot-password, counted per name on its own row (`MIGRATION_RESET_*`), in both lockout
    /// modes: pre-authentication never sees a reset.
    async fn admit_reset(&self, event: &UserMigrationEvent, now: i64) -> Result<(), TriggerError> {
        let key = self.resets_key(event);
        match attempt::register(&*self.ports.store, &key, now, &self.settings.reset_policy).await? {
            Verdict::Allowed => Ok(()),
            Verdict::Locked { until } => {
                metrics::count(NAME, "ResetsLimited");
                Err(TriggerError::Denied(message::resets_limited(until - now)))
            }
            Verdict::Contended => {
                metrics::count(NAME, "ResetsLimited");
                Err(TriggerError::Denied(message::resets_limited(message::CONTENDED_RETRY_SECONDS)))
            }
        }
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
                lookup::legacy_sign_in(table, user_name, self.settings.names, password, &self.dummy).await?
            }
            Backend::OldPool => {
                let pool = self.ports.old_pool.as_deref().ok_or_else(|| not_wired(backend))?;
                lookup::old_pool_sign_in(pool, user_name, password).await?
            }
        })
    }

    async fn find(&self, backend: Backend, user_name: &str) -> Result<Option<Found>, TriggerError> {
        Ok(match backend {
            Backend::LegacyTable => {
                let table = self.ports.legacy_users.as_deref().ok_or_else(|| not_wired(backend))?;
                lookup::legacy_find(table, user_name, self.settings.names).await?
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
        let key = self.lockout_key(&event);
        self.admit(&event, &key, now).await?;
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
        self.save_dummy(now).await;
        let outcome = decide::sign_in(&checks, password.expose(), &self.settings);
        // Every outcome but `Failed` means the password was right. Concurrent guesses may have
        // locked the name while it was being verified: a right password inside a locked window is
        // refused like any attempt in it, and no answer says it was right.
        if outcome != Outcome::Failed {
            self.refuse_if_locked(&key, self.ports.clock.epoch_seconds()).await?;
        }
        match outcome {
            Outcome::Migrate { backend, response } => {
                self.migrate(&mut event, backend, response, [message::EMAIL_TAKEN, message::PHONE_TAKEN], now).await?;
                Ok(event)
            }
            Outcome::Refuse(text) => {
                metrics::count(NAME, "OldPoolChallenge");
                tracing::info!(
                    trigger = NAME,
                    user = mask_identifier(&event.user_name),
                    "password verified, not moved in: a challenge or MFA that cannot be carried"
                );
                Err(TriggerError::Denied(text))
            }
            // Counted when it was admitted (`count`), or by pre-authentication (`check`).
            Outcome::Failed => {
                metrics::count(NAME, "MigrationRefused");
                Err(TriggerError::Denied(UserMessage::fixed(message::INCORRECT)))
            }
        }
    }

    async fn forgot_password(&self, mut event: UserMigrationEvent) -> Result<UserMigrationEvent, TriggerError> {
        let now = self.ports.clock.epoch_seconds();
        self.admit_reset(&event, now).await?;
        let mut found = None;
        for backend in &self.settings.order {
            if let Some(user) = self.find(*backend, &event.user_name).await? {
                found = Some((*backend, user));
                break;
            }
        }
        match decide::forgot_password(found, &self.settings) {
            Outcome::Migrate { backend, response } => {
                self.migrate(&mut event, backend, response, [message::CANNOT_RESET; 2], now).await?;
                Ok(event)
            }
            Outcome::Refuse(text) => {
                metrics::count(NAME, "MigrationRefused");
                Err(TriggerError::Denied(text))
            }
            Outcome::Failed => Err(TriggerError::Denied(UserMessage::fixed(message::CANNOT_RESET))),
        }
    }

    /// Reserves the e-mail address and the phone number as a confirmed sign-up would
    /// ([`reserve`]), then answers. A value another account holds is refused with
    /// `taken_texts[0]` (e-mail) or `[1]` (phone): one account per address holds for migrated
    /// users too.
    async fn migrate(
        &self,
        event: &mut UserMigrationEvent,
        backend: Backend,
        response: UserMigrationResponse,
        taken_texts: [&'static str; 2],
        now: i64,
    ) -> Result<(), TriggerError> {
        let request = reserve::Request {
            user_pool_id: &event.user_pool_id,
            owner: &event.user_name,
            attributes: &response.user_attributes,
            force_alias_creation: response.force_alias_creation,
            now,
        };
        if let Reserved::TakenBy(kind) = reserve::reserve(&*self.ports.store, &*self.ports.directory, &request).await? {
            let (metric, text) = match kind {
                Kind::Email => ("EmailTaken", taken_texts[0]),
                Kind::Phone => ("PhoneTaken", taken_texts[1]),
            };
            metrics::count(NAME, metric);
            tracing::info!(trigger = NAME, user = mask_identifier(&event.user_name), ?kind, "held by another account");
            return Err(TriggerError::Denied(UserMessage::fixed(text)));
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
