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
use std::time::Duration;

use async_trait::async_trait;
use trigger_core::events::PreAuthenticationEvent;
use trigger_core::ports::{Clock, Store, SystemClock};
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError, UserMessage};
use trigger_core::{lockout, metrics};

pub use settings::{OnStoreFailure, Settings};

use attempt::Verdict;

pub struct PreAuthentication {
    settings: Settings,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// How long the lockout record may take before the failure policy applies.
    store_deadline: Duration,
}

impl PreAuthentication {
    pub fn new(settings: Settings, store: Arc<dyn Store>, clock: Arc<dyn Clock>, store_deadline: Duration) -> Self {
        Self { settings, store, clock, store_deadline }
    }

    /// Cold start: settings, then the DynamoDB adapter from the shared SDK configuration.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let store = Arc::new(boot.aws().await?.store(settings.table_name.clone()));
        let deadline = boot.dependency_deadline();
        Ok(Self::new(settings, store, Arc::new(SystemClock), deadline))
    }

    fn store_failed(&self, event: PreAuthenticationEvent, error: &str) -> Result<PreAuthenticationEvent, TriggerError> {
        metrics::count(Self::NAME, "LockoutStoreFailure");
        let policy = self.settings.on_store_failure;
        tracing::warn!(trigger = Self::NAME, error, ?policy, "lockout record unavailable; applying the failure policy");
        match policy {
            OnStoreFailure::Allow => Ok(event),
            OnStoreFailure::Deny => Err(TriggerError::Denied(UserMessage::fixed(message::UNAVAILABLE))),
        }
    }
}

#[async_trait]
impl Trigger for PreAuthentication {
    const NAME: &'static str = "pre-authentication";
    type Event = PreAuthenticationEvent;

    async fn handle(&self, event: PreAuthenticationEvent) -> Result<PreAuthenticationEvent, TriggerError> {
        if event.user_name.trim().is_empty() {
            return Err(TriggerError::BadEvent("pre authentication event without userName".to_owned()));
        }
        // Keyed by the user name whether or not the account exists (`userNotFound`): an unknown
        // name locks exactly like a real one, so the answers reveal nothing.
        let key = lockout::key(&event.user_pool_id, &event.user_name);
        let now = self.clock.epoch_seconds();
        let registered = tokio::time::timeout(
            self.store_deadline,
            attempt::register(&*self.store, &key, now, &self.settings.policy),
        )
        .await;
        match registered {
            Ok(Ok(Verdict::Allowed)) => Ok(event),
            Ok(Ok(Verdict::Locked { until })) => {
                metrics::count(Self::NAME, "SignInLocked");
                Err(TriggerError::Denied(message::locked(until - now)))
            }
            Ok(Ok(Verdict::Contended)) => {
                metrics::count(Self::NAME, "LockoutContended");
                Err(TriggerError::Denied(message::locked(message::CONTENDED_RETRY_SECONDS)))
            }
            Ok(Err(err)) => self.store_failed(event, &err.to_string()),
            Err(_) => self.store_failed(event, "lockout record not answered within the budget"),
        }
    }
}
