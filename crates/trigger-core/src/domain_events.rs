//! Domain events: what happened to a user, put on an EventBridge bus for the rest of the system
//! (`docs/events.md` has the schemas and the delivery promise of each).
//!
//! - [`EventSettings`]: `EVENT_BUS_NAME` (unset: no events, no client), `EVENT_SOURCE`,
//!   `EVENT_INCLUDE_CONTACT`.
//! - One constructor per event ([`user_signed_up`] …), each deriving its `eventId` from what
//!   identifies the action (never from the time of the invocation), so that a delivery Cognito
//!   retries carries the same id and consumers can deduplicate.
//! - [`Events`]: the publisher a trigger's `Ports` hold. [`Events::publish`] never fails and never
//!   outlasts [`runtime::dependency_deadline`]: one attempt past the SDK's own retries when there
//!   is time left, then the failure is logged and counted (`EventPublishFailed`).
//!
//! No password, code or token is ever part of an event: the constructors take only the fields
//! they put in, and e-mail and phone only where the schema has them (and the setting allows).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::aws::Aws;
use crate::config::{ConfigError, Env};
use crate::logging::mask_sensitive;
use crate::metrics;
use crate::ports::{
    AttrValue, BusEvent, CompareOp, Condition, EXPIRES_AT, EventPublisher, Key, PortError, PutOutcome, Store, Update,
    UpdateOutcome,
};
use crate::runtime;

/// The version of every schema in `docs/events.md`; a breaking change to one bumps its own.
pub const SCHEMA_VERSION: u32 = 1;
pub const DEFAULT_SOURCE: &str = "cognito-triggers";
/// The metric counted when an event could not be put on the bus.
pub const PUBLISH_FAILED: &str = "EventPublishFailed";

/// The events settings, read once at cold start (docs/configuration.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSettings {
    /// `EVENT_BUS_NAME`: the bus's name or ARN; unset, nothing is published.
    pub bus_name: Option<String>,
    /// `EVENT_SOURCE`: the events' `source` (default `cognito-triggers`).
    pub source: String,
    /// `EVENT_INCLUDE_CONTACT` (default true): false drops `email` and `phoneNumber` from every
    /// event, and `userName` where the user name is itself an address or a phone number.
    pub include_contact: bool,
}

impl EventSettings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let source = env.text("EVENT_SOURCE").unwrap_or(DEFAULT_SOURCE).to_owned();
        let valid = (1..=256).contains(&source.len()) && source.chars().all(|c| c.is_ascii_graphic());
        if !valid {
            return Err(ConfigError::invalid("EVENT_SOURCE", &source, "expected 1 to 256 printable ASCII characters"));
        }
        if source.to_ascii_lowercase().starts_with("aws.") {
            return Err(ConfigError::invalid("EVENT_SOURCE", &source, "sources starting with aws. are AWS's own"));
        }
        let bus_name = env.text("EVENT_BUS_NAME").map(str::to_owned);
        if let Some(bus) = &bus_name {
            let valid = bus.len() <= 1_600 && bus.chars().all(|c| c.is_ascii_graphic());
            if !valid {
                return Err(ConfigError::invalid("EVENT_BUS_NAME", bus, "expected an event bus name or ARN"));
            }
        }
        Ok(Self { bus_name, source, include_contact: env.flag("EVENT_INCLUDE_CONTACT", true)? })
    }
}

/// The events, by their `detail-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    UserSignedUp,
    UserConfirmed,
    PasswordReset,
    UserLockedOut,
    UserUnlocked,
    UserSignedIn,
    SignUpExpired,
    UserMigrated,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::UserSignedUp,
        Kind::UserConfirmed,
        Kind::PasswordReset,
        Kind::UserLockedOut,
        Kind::UserUnlocked,
        Kind::UserSignedIn,
        Kind::SignUpExpired,
        Kind::UserMigrated,
    ];

    pub fn detail_type(self) -> &'static str {
        match self {
            Self::UserSignedUp => "UserSignedUp",
            Self::UserConfirmed => "UserConfirmed",
            Self::PasswordReset => "PasswordReset",
            Self::UserLockedOut => "UserLockedOut",
            Self::UserUnlocked => "UserUnlocked",
            Self::UserSignedIn => "UserSignedIn",
            Self::SignUpExpired => "SignUpExpired",
            Self::UserMigrated => "UserMigrated",
        }
    }
}

/// E-mail and phone, for the events whose schema has them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub phone_number: Option<String>,
}

impl Contact {
    /// `email` and `phone_number` of a user's attributes (blank ones left out).
    pub fn from_attributes(attributes: &HashMap<String, String>) -> Self {
        let get = |name: &str| attributes.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_owned);
        Self { email: get("email"), phone_number: get("phone_number") }
    }
}

/// One domain event, before it becomes a [`BusEvent`].
#[derive(Clone, Debug, PartialEq)]
pub struct DomainEvent {
    pub kind: Kind,
    /// Deterministic (see each constructor): the same action, retried, has the same id.
    pub event_id: String,
    /// When the trigger saw it (epoch milliseconds). A retried delivery has a later time.
    pub occurred_at_ms: i64,
    pub user_pool_id: String,
    pub user_name: String,
    pub sub: Option<String>,
    pub contact: Contact,
    /// The event's own fields.
    pub data: Map<String, Value>,
}

impl DomainEvent {
    /// The event's `detail`: the common fields, then the event's own. Contact fields only when
    /// `include_contact`; without it, a user name that holds an address or a phone number (a pool
    /// with free-form names lets a user choose one) is left out too.
    pub fn detail(&self, include_contact: bool) -> Value {
        let mut detail = Map::new();
        detail.insert("schemaVersion".into(), json!(SCHEMA_VERSION));
        detail.insert("eventId".into(), json!(self.event_id));
        detail.insert("occurredAt".into(), json!(self.occurred_at_ms));
        detail.insert("userPoolId".into(), json!(self.user_pool_id));
        if include_contact || !holds_contact(&self.user_name) {
            detail.insert("userName".into(), json!(self.user_name));
        }
        if let Some(sub) = &self.sub {
            detail.insert("sub".into(), json!(sub));
        }
        if include_contact {
            if let Some(email) = &self.contact.email {
                detail.insert("email".into(), json!(email));
            }
            if let Some(phone) = &self.contact.phone_number {
                detail.insert("phoneNumber".into(), json!(phone));
            }
        }
        for (name, value) in &self.data {
            detail.insert(name.clone(), value.clone());
        }
        Value::Object(detail)
    }
}

/// Whether `text` holds an e-mail address or a phone number: what the log masker would mask.
fn holds_contact(text: &str) -> bool {
    matches!(mask_sensitive(text), std::borrow::Cow::Owned(_))
}

/// A UUID-shaped id from SHA-256 over the event's kind and the parts that identify the action,
/// each length-prefixed (so `("ab", "c")` and `("a", "bc")` differ). Stable across builds.
pub fn event_id(kind: Kind, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in std::iter::once(kind.detail_type()).chain(parts.iter().copied()) {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let hex: String = hasher.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn data(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn event(
    kind: Kind,
    id_parts: &[&str],
    user: (&str, &str, Option<&str>),
    contact: Contact,
    occurred_at_ms: i64,
    fields: Map<String, Value>,
) -> DomainEvent {
    let (user_pool_id, user_name, sub) = user;
    DomainEvent {
        kind,
        event_id: event_id(kind, id_parts),
        occurred_at_ms,
        user_pool_id: user_pool_id.to_owned(),
        user_name: user_name.to_owned(),
        sub: sub.map(str::to_owned),
        contact,
        data: fields,
    }
}

/// Pre sign-up let a sign-up through. Id: pool and user name (as given: two users of a case-sensitive
/// pool whose names differ only in case are two sign-ups): a user name signs up once; a retried
/// pre sign-up carries the same one.
pub fn user_signed_up(
    user_pool_id: &str,
    user_name: &str,
    trigger_source: &str,
    attributes: &HashMap<String, String>,
    auto_confirmed: bool,
    occurred_at_ms: i64,
) -> DomainEvent {
    let name = user_name.trim();
    event(
        Kind::UserSignedUp,
        &[user_pool_id, name],
        (user_pool_id, user_name, None),
        Contact::from_attributes(attributes),
        occurred_at_ms,
        data([("triggerSource", json!(trigger_source)), ("autoConfirmed", json!(auto_confirmed))]),
    )
}

/// Post confirmation, sign-up confirmed. Id: pool and `sub` (a user is confirmed once).
pub fn user_confirmed(
    user_pool_id: &str,
    user_name: &str,
    sub: &str,
    attributes: &HashMap<String, String>,
    occurred_at_ms: i64,
) -> DomainEvent {
    event(
        Kind::UserConfirmed,
        &[user_pool_id, sub],
        (user_pool_id, user_name, Some(sub)),
        Contact::from_attributes(attributes),
        occurred_at_ms,
        Map::new(),
    )
}

/// Post confirmation, forgot-password completed. Id: pool, `sub` and `reset_at` (epoch seconds),
/// the time [`occurrence`] recorded for this reset: a retry finds the first delivery's time.
pub fn password_reset(
    user_pool_id: &str,
    user_name: &str,
    sub: &str,
    reset_at: i64,
    occurred_at_ms: i64,
) -> DomainEvent {
    event(
        Kind::PasswordReset,
        &[user_pool_id, sub, &reset_at.to_string()],
        (user_pool_id, user_name, Some(sub)),
        Contact::default(),
        occurred_at_ms,
        data([("resetAt", json!(reset_at))]),
    )
}

/// Pre authentication locked the user name (`user_exists` false: a name the pool does not have,
/// which locks all the same). Id: pool, user name (as given) and the lock's end: one lock,
/// one id.
pub fn user_locked_out(
    user_pool_id: &str,
    user_name: &str,
    user_exists: bool,
    locked_until: i64,
    occurred_at_ms: i64,
) -> DomainEvent {
    let name = user_name.trim();
    event(
        Kind::UserLockedOut,
        &[user_pool_id, name, &locked_until.to_string()],
        (user_pool_id, user_name, None),
        Contact::default(),
        occurred_at_ms,
        data([("lockedUntil", json!(locked_until)), ("userExists", json!(user_exists))]),
    )
}

/// `triggers-admin unlock` cleared a live lock. Id: pool, user name (as given) and the end of
/// the lock it cleared: unlocking the same lock twice is one action.
pub fn user_unlocked(user_pool_id: &str, user_name: &str, was_locked_until: i64, occurred_at_ms: i64) -> DomainEvent {
    let name = user_name.trim();
    event(
        Kind::UserUnlocked,
        &[user_pool_id, name, &was_locked_until.to_string()],
        (user_pool_id, user_name, None),
        Contact::default(),
        occurred_at_ms,
        data([("wasLockedUntil", json!(was_locked_until))]),
    )
}

/// One sign-in as post authentication saw it.
#[derive(Clone, Copy, Debug)]
pub struct SignedIn<'a> {
    pub user_pool_id: &'a str,
    pub user_name: &'a str,
    pub sub: &'a str,
    pub client_id: Option<&'a str>,
    pub new_device_used: bool,
    /// A fingerprint of the event (what a retry repeats exactly).
    pub fingerprint: &'a str,
    /// When the sign-in was first recorded (epoch seconds): for a retry, the first delivery's
    /// time as the profile holds it, so the id repeats; for a new sign-in, now.
    pub signed_in_at: i64,
}

/// Post authentication. Id: pool, `sub`, the event's fingerprint and the recorded sign-in time:
/// a retry (same event, within the profile's dedupe time) finds the first delivery's time.
pub fn user_signed_in(sign_in: &SignedIn<'_>, occurred_at_ms: i64) -> DomainEvent {
    event(
        Kind::UserSignedIn,
        &[sign_in.user_pool_id, sign_in.sub, sign_in.fingerprint, &sign_in.signed_in_at.to_string()],
        (sign_in.user_pool_id, sign_in.user_name, Some(sign_in.sub)),
        Contact::default(),
        occurred_at_ms,
        data([
            ("clientId", sign_in.client_id.map_or(Value::Null, |c| json!(c))),
            ("newDeviceUsed", json!(sign_in.new_device_used)),
            ("signedInAt", json!(sign_in.signed_in_at)),
        ]),
    )
}

/// One sign-up the reminder removed.
#[derive(Clone, Copy, Debug)]
pub struct ExpiredSignUp<'a> {
    pub user_pool_id: &'a str,
    pub user_name: &'a str,
    /// What identifies the sign-up (pool, name and the reminder's execution): one per sign-up.
    pub signup_id: &'a str,
    pub sub: Option<&'a str>,
    pub email: Option<&'a str>,
    pub signed_up_at: Option<i64>,
}

/// The sign-up reminder removed a sign-up that was never confirmed. Id: the sign-up's id (one
/// sign-up expires once, however often the state machine retries the step).
pub fn sign_up_expired(expired: &ExpiredSignUp<'_>, occurred_at_ms: i64) -> DomainEvent {
    event(
        Kind::SignUpExpired,
        &[expired.user_pool_id, expired.signup_id],
        (expired.user_pool_id, expired.user_name, expired.sub),
        Contact { email: expired.email.map(str::to_owned), phone_number: None },
        occurred_at_ms,
        data([("signedUpAt", expired.signed_up_at.map_or(Value::Null, |at| json!(at)))]),
    )
}

/// User migration moved a user in. Id: pool and user name (as given): once migrated, the user
/// exists and the trigger is not called for it again.
pub fn user_migrated(
    user_pool_id: &str,
    user_name: &str,
    trigger_source: &str,
    backend: &str,
    final_user_status: &str,
    attributes: &HashMap<String, String>,
    occurred_at_ms: i64,
) -> DomainEvent {
    let name = user_name.trim();
    event(
        Kind::UserMigrated,
        &[user_pool_id, name],
        (user_pool_id, user_name, None),
        Contact::from_attributes(attributes),
        occurred_at_ms,
        data([
            ("triggerSource", json!(trigger_source)),
            ("backend", json!(backend)),
            ("finalUserStatus", json!(final_user_status)),
        ]),
    )
}

/// When an action that Cognito may deliver more than once happened: `now` if `key`'s `attribute`
/// records none within the last `window_seconds`, else the time recorded by the first delivery.
/// One conditional `UpdateItem` (atomic: two concurrent deliveries agree on one time); the row
/// expires a day later (`expiresAt`), long after any retry.
pub async fn occurrence(
    store: &dyn Store,
    key: &Key,
    attribute: &str,
    now: i64,
    window_seconds: i64,
) -> Result<i64, PortError> {
    let condition = Condition::Or(vec![
        Condition::ItemNotExists,
        Condition::AttributeNotExists(attribute.to_owned()),
        Condition::compare(attribute, CompareOp::Le, AttrValue::n(now - window_seconds)),
    ]);
    let update = Update::default().set(attribute, AttrValue::n(now)).set(EXPIRES_AT, AttrValue::n(now + 86_400));
    Ok(match store.update(key, &update, Some(&condition)).await? {
        UpdateOutcome::Updated(_) => now,
        UpdateOutcome::ConditionFailed { current } => current.and_then(|item| item.i64(attribute)).unwrap_or(now),
    })
}

/// What [`Events::publish`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Published {
    /// No bus configured.
    Disabled,
    Accepted,
    /// Not published (logged and counted).
    Failed,
}

/// The publisher a trigger holds: the bus port and the envelope settings, or nothing when no
/// bus is configured. Cheap to clone.
#[derive(Clone)]
pub struct Events {
    publisher: Option<Arc<dyn EventPublisher>>,
    source: String,
    include_contact: bool,
}

/// Less than this left before the deadline: no second attempt.
const SECOND_ATTEMPT_MIN: Duration = Duration::from_millis(100);

impl Events {
    /// Publishes nothing.
    pub fn disabled() -> Self {
        Self { publisher: None, source: DEFAULT_SOURCE.to_owned(), include_contact: false }
    }

    /// Publishes through `publisher` with the envelope of `settings` (its bus name is the
    /// adapter's business).
    pub fn new(settings: &EventSettings, publisher: Arc<dyn EventPublisher>) -> Self {
        Self { publisher: Some(publisher), source: settings.source.clone(), include_contact: settings.include_contact }
    }

    /// Cold start: the EventBridge adapter when `EVENT_BUS_NAME` is set, else no client at all.
    pub fn from_settings(settings: &EventSettings, aws: &Aws) -> Self {
        match &settings.bus_name {
            Some(bus) => Self::new(settings, Arc::new(aws.event_bus(bus.clone()))),
            None => Self::disabled(),
        }
    }

    /// [`EventSettings::from_env`], then [`Events::from_settings`].
    pub fn from_env(env: &Env, aws: &Aws) -> Result<Self, ConfigError> {
        Ok(Self::from_settings(&EventSettings::from_env(env)?, aws))
    }

    pub fn is_enabled(&self) -> bool {
        self.publisher.is_some()
    }

    /// The event as the bus receives it.
    pub fn bus_event(&self, event: &DomainEvent) -> BusEvent {
        BusEvent {
            source: self.source.clone(),
            detail_type: event.kind.detail_type().to_owned(),
            detail: event.detail(self.include_contact),
        }
    }

    /// Puts `event` on the bus for `trigger`. Never fails and ends by
    /// [`runtime::dependency_deadline`]: the SDK's attempts, then one more if the failure was
    /// transient and time is left; a failure is logged (type and id, never the detail) and
    /// counted as `EventPublishFailed`.
    pub async fn publish(&self, trigger: &'static str, event: &DomainEvent) -> Published {
        let Some(publisher) = &self.publisher else { return Published::Disabled };
        let bus_event = self.bus_event(event);
        let deadline = runtime::dependency_deadline();
        let mut error = String::new();
        for attempt in 1..=2 {
            if attempt == 2 && deadline.saturating_duration_since(tokio::time::Instant::now()) < SECOND_ATTEMPT_MIN {
                break;
            }
            let retry = match tokio::time::timeout_at(deadline, publisher.put(&bus_event)).await {
                Ok(Ok(PutOutcome::Accepted { .. })) => {
                    tracing::info!(
                        trigger,
                        event_type = bus_event.detail_type,
                        event_id = event.event_id,
                        "domain event published"
                    );
                    return Published::Accepted;
                }
                Ok(Ok(PutOutcome::Refused { code, message })) => {
                    let retry =
                        matches!(code.as_str(), "ThrottlingException" | "InternalFailure" | "InternalException");
                    error = format!("entry refused: {code}: {message}");
                    retry
                }
                Ok(Err(err)) => {
                    error = err.to_string();
                    err.is_transient()
                }
                Err(_) => {
                    error = "not answered within the invocation's budget".to_owned();
                    false
                }
            };
            if !retry {
                break;
            }
        }
        metrics::count(trigger, PUBLISH_FAILED);
        tracing::warn!(
            trigger,
            event_type = bus_event.detail_type,
            event_id = event.event_id,
            error,
            "domain event not published; the trigger goes on"
        );
        Published::Failed
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("enabled", &self.is_enabled())
            .field("source", &self.source)
            .field("include_contact", &self.include_contact)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::fakes::{InMemoryStore, RecordingBus};
    use crate::ports::PortErrorKind;

    fn attributes() -> HashMap<String, String> {
        HashMap::from([
            ("email".to_owned(), "jane@example.com".to_owned()),
            ("phone_number".to_owned(), "+15555550100".to_owned()),
            ("custom:secret".to_owned(), "never".to_owned()),
        ])
    }

    fn settings(include_contact: bool) -> EventSettings {
        EventSettings { bus_name: Some("bus".into()), source: DEFAULT_SOURCE.into(), include_contact }
    }

    #[test]
    fn settings_default_validate_and_name_the_variable() {
        let defaults = EventSettings::from_env(&Env::default()).unwrap();
        assert_eq!(
            defaults,
            EventSettings { bus_name: None, source: "cognito-triggers".into(), include_contact: true }
        );
        let env = Env::from_pairs([
            ("EVENT_BUS_NAME", "users"),
            ("EVENT_SOURCE", "acme.users"),
            ("EVENT_INCLUDE_CONTACT", "no"),
        ]);
        let set = EventSettings::from_env(&env).unwrap();
        assert_eq!(
            (set.bus_name.as_deref(), set.source.as_str(), set.include_contact),
            (Some("users"), "acme.users", false)
        );
        for (variable, bad) in [
            ("EVENT_SOURCE", "aws.cognito"),
            ("EVENT_SOURCE", "two words"),
            ("EVENT_INCLUDE_CONTACT", "maybe"),
            ("EVENT_BUS_NAME", "a bus"),
        ] {
            let err = EventSettings::from_env(&Env::from_pairs([(variable, bad)])).unwrap_err();
            assert_eq!(err.variable(), variable, "{bad}");
        }
    }

    #[test]
    fn ids_are_uuid_shaped_deterministic_and_separate_their_parts() {
        let id = event_id(Kind::UserConfirmed, &["pool", "sub"]);
        assert_eq!(id, event_id(Kind::UserConfirmed, &["pool", "sub"]));
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert_ne!(id, event_id(Kind::UserSignedUp, &["pool", "sub"]));
        assert_ne!(event_id(Kind::UserConfirmed, &["ab", "c"]), event_id(Kind::UserConfirmed, &["a", "bc"]));
    }

    #[test]
    fn the_common_fields_and_contact_only_where_allowed() {
        let event = user_signed_up("pool", "Jane", "PreSignUp_SignUp", &attributes(), false, 42);
        let detail = event.detail(true);
        assert_eq!(detail["schemaVersion"], 1);
        assert_eq!(detail["eventId"], event.event_id);
        assert_eq!(detail["occurredAt"], 42);
        assert_eq!(detail["userPoolId"], "pool");
        assert_eq!(detail["userName"], "Jane");
        assert_eq!(detail["email"], "jane@example.com");
        assert_eq!(detail["phoneNumber"], "+15555550100");
        assert_eq!(detail["triggerSource"], "PreSignUp_SignUp");
        assert_eq!(detail["autoConfirmed"], false);
        assert!(!detail.to_string().contains("never"), "only the fields the schema names");
        let without = event.detail(false);
        assert!(without.get("email").is_none() && without.get("phoneNumber").is_none());
        // Retried: later, same id.
        assert_eq!(
            user_signed_up("pool", "Jane", "PreSignUp_SignUp", &attributes(), false, 99).event_id,
            event.event_id
        );
        // Two users of a case-sensitive pool whose names differ only in case: two sign-ups, two
        // ids (a consumer that deduplicates by id must not drop the second).
        assert_ne!(
            user_signed_up("pool", "jane", "PreSignUp_SignUp", &attributes(), false, 42).event_id,
            event.event_id
        );
    }

    #[test]
    fn without_contact_no_event_carries_an_address_or_phone_number_in_the_user_name_either() {
        for name in ["jane@example.com", "+15555550100", "Jane.Doe@Example.COM"] {
            let event = user_signed_up("pool", name, "PreSignUp_SignUp", &attributes(), false, 42);
            let without = event.detail(false).to_string();
            assert!(!without.contains(name) && !without.contains("5555550100"), "{without}");
            assert!(!without.contains('@'), "{without}");
            assert_eq!(event.detail(true)["userName"], name, "with contact allowed, as it is");
        }
        let plain = user_locked_out("pool", "jane.doe", true, 2_000, 1).detail(false);
        assert_eq!(plain["userName"], "jane.doe", "a name that is no address stays");
    }

    #[test]
    fn each_event_has_its_fields_and_an_id_from_what_identifies_the_action() {
        let confirmed = user_confirmed("pool", "jane", "s-1", &attributes(), 1);
        assert_eq!(confirmed.detail(true)["sub"], "s-1");
        assert_eq!(confirmed.detail(true)["email"], "jane@example.com");
        assert_eq!(confirmed.event_id, user_confirmed("pool", "jane", "s-1", &HashMap::new(), 2).event_id);

        let reset = password_reset("pool", "jane", "s-1", 1_000, 1);
        assert_eq!(reset.detail(true)["resetAt"], 1_000);
        assert!(reset.detail(true).get("email").is_none());
        assert_ne!(reset.event_id, password_reset("pool", "jane", "s-1", 1_031, 1).event_id);

        let locked = user_locked_out("pool", "Jane", true, 2_000, 1);
        assert_eq!(locked.detail(true)["lockedUntil"], 2_000);
        assert_eq!(locked.event_id, user_locked_out("pool", "Jane", true, 2_000, 5).event_id);
        assert_ne!(locked.event_id, user_locked_out("pool", "Jane", true, 2_600, 5).event_id);
        assert_ne!(locked.event_id, user_locked_out("pool", "jane", true, 2_000, 5).event_id, "another user");

        let unlocked = user_unlocked("pool", "jane", 2_000, 1);
        assert_eq!(unlocked.detail(true)["wasLockedUntil"], 2_000);
        assert_ne!(unlocked.event_id, locked.event_id);

        let sign_in = SignedIn {
            user_pool_id: "pool",
            user_name: "jane",
            sub: "s-1",
            client_id: Some("app"),
            new_device_used: true,
            fingerprint: "f1",
            signed_in_at: 1_000,
        };
        let signed_in = user_signed_in(&sign_in, 1);
        let detail = signed_in.detail(true);
        assert_eq!((detail["clientId"].as_str(), detail["newDeviceUsed"].as_bool()), (Some("app"), Some(true)));
        assert!(detail.get("email").is_none());
        let later = SignedIn { signed_in_at: 1_040, ..sign_in };
        assert_ne!(user_signed_in(&later, 1).event_id, signed_in.event_id);

        let sign_up = ExpiredSignUp {
            user_pool_id: "pool",
            user_name: "jane",
            signup_id: "pool#jane#signup-1",
            sub: None,
            email: Some("jane@example.com"),
            signed_up_at: Some(500),
        };
        let expired = sign_up_expired(&sign_up, 1);
        assert_eq!(expired.event_id, sign_up_expired(&sign_up, 2).event_id);
        assert_eq!(expired.detail(true)["signedUpAt"], 500);
        assert_eq!(expired.detail(true)["email"], "jane@example.com");

        let migrated = user_migrated(
            "pool",
            "jane",
            "UserMigration_Authentication",
            "legacy-table",
            "CONFIRMED",
            &attributes(),
            1,
        );
        assert_eq!(migrated.detail(true)["finalUserStatus"], "CONFIRMED");
        assert_eq!(migrated.detail(true)["email"], "jane@example.com");
    }

    #[tokio::test]
    async fn occurrences_repeat_the_first_time_within_the_window() {
        let store = InMemoryStore::default();
        let key = Key::new("USER#s-1", "PROFILE");
        assert_eq!(occurrence(&store, &key, "lastPasswordResetAt", 1_000, 30).await.unwrap(), 1_000);
        assert_eq!(occurrence(&store, &key, "lastPasswordResetAt", 1_012, 30).await.unwrap(), 1_000);
        assert_eq!(occurrence(&store, &key, "lastPasswordResetAt", 1_030, 30).await.unwrap(), 1_030);
    }

    #[tokio::test]
    async fn publishing_puts_the_envelope_and_never_fails() {
        let bus = Arc::new(RecordingBus::default());
        let events = Events::new(&settings(false), bus.clone());
        let event = user_confirmed("pool", "jane", "s-1", &attributes(), 1);
        assert_eq!(events.publish("post-confirmation", &event).await, Published::Accepted);
        let put = bus.events();
        assert_eq!(put.len(), 1);
        assert_eq!((put[0].source.as_str(), put[0].detail_type.as_str()), ("cognito-triggers", "UserConfirmed"));
        assert!(put[0].detail.get("email").is_none(), "EVENT_INCLUDE_CONTACT=false drops it");

        // One refused entry: the second attempt puts it.
        bus.refuse_next(1);
        assert_eq!(events.publish("post-confirmation", &event).await, Published::Accepted);
        assert_eq!(bus.events().len(), 2);
        // Refused twice: given up after the one extra attempt.
        bus.refuse_next(2);
        assert_eq!(events.publish("post-confirmation", &event).await, Published::Failed);
        bus.refuse_next(0);
        bus.set_outage(Some(PortErrorKind::Rejected));
        assert_eq!(events.publish("post-confirmation", &event).await, Published::Failed);
        assert_eq!(bus.events().len(), 2);
        assert_eq!(Events::disabled().publish("post-confirmation", &event).await, Published::Disabled);
    }

    #[tokio::test]
    async fn a_bus_that_does_not_answer_is_given_up_at_the_deadline() {
        struct Silent;
        #[async_trait::async_trait]
        impl EventPublisher for Silent {
            async fn put(&self, _event: &BusEvent) -> Result<PutOutcome, PortError> {
                std::future::pending().await
            }
        }
        struct Probe(Events);
        #[async_trait::async_trait]
        impl runtime::Trigger for Probe {
            const NAME: &'static str = "probe";
            type Event = Value;
            async fn handle(&self, _event: Value) -> Result<Value, crate::TriggerError> {
                let event = user_unlocked("pool", "jane", 1, 1);
                Ok(json!(self.0.publish("probe", &event).await == Published::Failed))
            }
        }
        let probe = Probe(Events::new(&settings(true), Arc::new(Silent)));
        // The handler answers within its budget (no DeadlineExceeded): the publish gave up first.
        let answer = runtime::run_within(&probe, Duration::from_millis(500), Value::Null).await.unwrap();
        assert_eq!(answer, json!(true));
    }
}
