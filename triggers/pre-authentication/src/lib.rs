//! Pre authentication trigger: a progressive, race-free lockout of sign-in attempts per user
//! name. See `docs/triggers/pre-authentication.md`.
//!
//! [`policy`] decides (a pure function), [`attempt`] applies the decision to the store
//! atomically, `trigger_core::lockout` is the lockout item shared with post-authentication,
//! post-confirmation and `triggers-admin`; this file connects them to the event and applies the failure policy.

pub mod message;
pub mod settings;

/// The attempt counter and its policy live in `trigger_core::lockout` (user-migration counts
/// failed sign-ins on the same record); re-exported under their old paths.
pub use trigger_core::lockout::{attempt, policy};

use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::domain_events::{self, Events};
use trigger_core::events::PreAuthenticationEvent;
use trigger_core::lockout::Subject;
use trigger_core::ports::{Clock, Store, SystemClock};
use trigger_core::runtime::{Boot, InitError, dependency_deadline};
use trigger_core::{Trigger, TriggerError, UserMessage};
use trigger_core::{lockout, metrics};

pub use settings::{OnStoreFailure, Settings};

use attempt::Verdict;

pub const NAME: &str = "pre-authentication";

/// What the trigger talks to.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// The event bus (`EVENT_BUS_NAME`; disabled when unset).
    pub events: Events,
}

/// The pre authentication trigger.
pub struct PreAuthentication {
    settings: Settings,
    ports: Ports,
}

impl PreAuthentication {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: settings, then the DynamoDB adapter from the shared SDK configuration.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let aws = boot.aws().await?;
        let store = Arc::new(aws.store(settings.table_name.clone()));
        let events = Events::from_env(&boot.env, &aws)?;
        Ok(Self::new(settings, Ports { store, clock: Arc::new(SystemClock), events }))
    }

    fn store_failed(&self, event: PreAuthenticationEvent, error: &str) -> Result<PreAuthenticationEvent, TriggerError> {
        metrics::count(NAME, "LockoutStoreFailure");
        let policy = self.settings.on_store_failure;
        tracing::warn!(trigger = NAME, error, ?policy, "lockout record unavailable; applying the failure policy");
        match policy {
            OnStoreFailure::Allow => Ok(event),
            OnStoreFailure::Deny => Err(TriggerError::Denied(UserMessage::fixed(message::UNAVAILABLE))),
        }
    }
}

#[async_trait]
impl Trigger for PreAuthentication {
    const NAME: &'static str = NAME;
    type Event = PreAuthenticationEvent;

    async fn handle(&self, event: PreAuthenticationEvent) -> Result<PreAuthenticationEvent, TriggerError> {
        if event.user_name.trim().is_empty() {
            return Err(TriggerError::BadEvent("pre authentication event without userName".to_owned()));
        }
        let request = &event.request;
        let subject = Subject::of_sign_in(
            &event.user_name,
            &request.user_attributes,
            request.user_not_found,
            self.settings.names,
        );
        // A user of the pool is counted by `sub`, whatever name or case was typed; a name the pool
        // does not hold (`userNotFound`) by the name under the pool's rule, and it locks exactly
        // like a real one, so the answers reveal nothing.
        let key = lockout::key(&event.user_pool_id, &subject);
        let now = self.ports.clock.epoch_seconds();
        // Decided before the runtime's own deadline, so that a slow store meets the failure policy.
        let registered = tokio::time::timeout_at(
            dependency_deadline(),
            attempt::register_noting_lock(&*self.ports.store, &key, now, &self.settings.policy),
        )
        .await;
        match registered {
            Ok(Ok((Verdict::Allowed, _))) => Ok(event),
            Ok(Ok((Verdict::Locked { until }, locked_now))) => {
                metrics::count(NAME, "SignInLocked");
                if locked_now {
                    self.publish_locked_out(&event, until).await;
                }
                Err(TriggerError::Denied(message::locked(until - now)))
            }
            Ok(Ok((Verdict::Contended, _))) => {
                metrics::count(NAME, "LockoutContended");
                Err(TriggerError::Denied(message::locked(message::CONTENDED_RETRY_SECONDS)))
            }
            Ok(Err(err)) => self.store_failed(event, &err.to_string()),
            Err(_) => self.store_failed(event, "lockout record not answered within the budget"),
        }
    }
}

impl PreAuthentication {
    /// `UserLockedOut`, from the attempt whose write set the lock (the attempts denied by it
    /// after publish nothing): at most once per lock. Best effort, bounded by the budget.
    async fn publish_locked_out(&self, event: &PreAuthenticationEvent, until: i64) {
        let locked = domain_events::user_locked_out(
            &event.user_pool_id,
            &event.user_name,
            !event.request.user_not_found,
            until,
            self.ports.clock.epoch_millis(),
        );
        self.ports.events.publish(NAME, &locked).await;
    }
}
