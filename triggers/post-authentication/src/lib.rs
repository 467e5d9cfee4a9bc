//! Post authentication trigger: after a successful sign-in, reset the lockout record, update the
//! profile and append a login history item. Fail-open: an audit write that fails is logged and
//! counted, and the sign-in goes on. Then `UserSignedIn` (docs/events.md), best effort. See
//! `docs/triggers/post-authentication.md`.

pub mod history;
pub mod profile;
pub mod settings;

use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::domain_events::{self, Events, SignedIn};
use trigger_core::lockout::{self, ResetOutcome, Subject};
use trigger_core::metrics;
use trigger_core::ports::{Clock, Store, SystemClock};
use trigger_core::runtime::{Boot, InitError, dependency_deadline};
use trigger_core::{Trigger, TriggerError};

pub use settings::Settings;
/// trigger-core's event, whose request tolerates a missing `newDeviceUsed` (Cognito sends it
/// only with remembered devices).
pub use trigger_core::events::PostAuthenticationEvent as Event;

use profile::{Recorded, SignIn};

pub const NAME: &str = "post-authentication";

/// What the trigger talks to.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// The event bus (`EVENT_BUS_NAME`; disabled when unset).
    pub events: Events,
}

/// The post authentication trigger.
pub struct PostAuthentication {
    settings: Settings,
    ports: Ports,
}

impl PostAuthentication {
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

    async fn reset_lockout(&self, event: &Event, now: i64) {
        // By `sub`: the very user who signed in, never another whose name differs only in case,
        // nor the record of a name the pool does not hold (a legacy user not migrated yet).
        let Some(subject) = Subject::user(&event.request.user_attributes) else {
            failed("LockoutResetSkipped", "no sub in the event: no lockout record to reset");
            return;
        };
        let key = lockout::key(&event.user_pool_id, &subject);
        match lockout::reset_after_success(&*self.ports.store, &key, now).await {
            Ok(ResetOutcome::Reset) => {}
            Ok(ResetOutcome::KeptActiveLock { locked_until }) => {
                tracing::info!(trigger = NAME, locked_until, "a lock set after this sign-in was kept");
            }
            Err(err) => failed("LockoutResetFailed", &err.to_string()),
        }
    }

    /// Records the sign-in; answers when it happened as far as the profile knows (for a retry,
    /// the first delivery's time: what keeps `UserSignedIn`'s id).
    async fn record_sign_in(&self, sign_in: &SignIn, at_millis: i64) -> i64 {
        match profile::record(&*self.ports.store, sign_in).await {
            Ok(Recorded::Counted) => {}
            Ok(Recorded::Retry { at }) => {
                tracing::info!(trigger = NAME, "retried delivery of a counted sign-in: not counted again");
                return at;
            }
            // Without the profile's guard the history item could be a duplicate: skip it too.
            Err(err) => {
                failed("ProfileWriteFailed", &err.to_string());
                return sign_in.at;
            }
        }
        if self.settings.history_days > 0 {
            let item = history::item(
                &sign_in.sub,
                at_millis,
                sign_in.client_id.as_deref(),
                sign_in.new_device,
                self.settings.history_days,
            );
            if let Err(err) = history::append(&*self.ports.store, &item).await {
                failed("HistoryWriteFailed", &err.to_string());
            }
        }
        sign_in.at
    }

    /// `UserSignedIn` (docs/events.md): at least once per sign-in the profile counted, one id
    /// across Cognito's retries (the fingerprint and the recorded time).
    async fn publish_signed_in(&self, event: &Event, sign_in: &SignIn, signed_in_at: i64) {
        let signed_in = SignedIn {
            user_pool_id: &event.user_pool_id,
            user_name: &event.user_name,
            sub: &sign_in.sub,
            client_id: sign_in.client_id.as_deref(),
            new_device_used: sign_in.new_device,
            fingerprint: &sign_in.fingerprint,
            signed_in_at,
        };
        let published = domain_events::user_signed_in(&signed_in, self.ports.clock.epoch_millis());
        self.ports.events.publish(NAME, &published).await;
    }
}

fn failed(metric: &str, error: &str) {
    metrics::count(NAME, metric);
    tracing::warn!(trigger = NAME, metric, error, "audit write failed; the sign-in goes on");
}

/// The sign-in as the event describes it; `None` without a `sub` (nothing to key the profile on).
fn sign_in(event: &Event, at: i64) -> Option<SignIn> {
    let sub = event.request.user_attributes.get("sub").filter(|s| !s.trim().is_empty())?;
    let client_id = event.caller_context.client_id.clone().filter(|c| !c.is_empty());
    let mut metadata: Vec<String> = event.request.client_metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
    metadata.sort();
    let new_device = if event.request.new_device_used { "1" } else { "0" };
    let mut parts =
        vec![event.user_pool_id.as_str(), event.user_name.as_str(), client_id.as_deref().unwrap_or(""), new_device];
    parts.extend(metadata.iter().map(String::as_str));
    let fingerprint = profile::fingerprint(&parts);
    Some(SignIn {
        sub: sub.clone(),
        username: event.user_name.clone(),
        email: event.request.user_attributes.get("email").cloned(),
        client_id,
        new_device: event.request.new_device_used,
        fingerprint,
        at,
    })
}

#[async_trait]
impl Trigger for PostAuthentication {
    const NAME: &'static str = NAME;
    type Event = Event;

    async fn handle(&self, event: Event) -> Result<Event, TriggerError> {
        let at_millis = self.ports.clock.epoch_millis();
        let now = at_millis.div_euclid(1000);
        let sign_in = sign_in(&event, now);
        let audit = async {
            match &sign_in {
                Some(sign_in) => {
                    let ((), at) =
                        tokio::join!(self.reset_lockout(&event, now), self.record_sign_in(sign_in, at_millis));
                    at
                }
                None => {
                    failed("AuditSkipped", "event without a sub attribute");
                    self.reset_lockout(&event, now).await;
                    now
                }
            }
        };
        // Audit writes end before the runtime's deadline: the sign-in never waits on them.
        let signed_in_at = match tokio::time::timeout_at(dependency_deadline(), audit).await {
            Ok(at) => at,
            Err(_) => {
                failed("AuditTimedOut", "audit writes not finished within the budget");
                now
            }
        };
        if let Some(sign_in) = &sign_in {
            self.publish_signed_in(&event, sign_in, signed_in_at).await;
        }
        Ok(event)
    }
}
