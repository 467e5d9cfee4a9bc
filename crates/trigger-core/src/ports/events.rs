//! The event port (EventBridge in production): puts one domain event on the event bus.
//! What the events are and how they are built: `crate::domain_events`.

use async_trait::async_trait;
use serde_json::Value;

use super::PortError;

/// One event as the bus receives it: EventBridge's `Source`, `DetailType` and `Detail`.
#[derive(Clone, Debug, PartialEq)]
pub struct BusEvent {
    pub source: String,
    pub detail_type: String,
    /// A JSON object (at most 256 KB serialised, far more than any of ours).
    pub detail: Value,
}

/// What the bus did with an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// Accepted; EventBridge's own id for it (not our `eventId`).
    Accepted { bus_event_id: String },
    /// The request succeeded but the entry was refused (`FailedEntryCount`); the code says why
    /// (`ThrottlingException` and `InternalFailure` are worth another attempt).
    Refused { code: String, message: String },
}

#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Puts `event` on the bus the adapter was built for. One call, the SDK's retries only.
    async fn put(&self, event: &BusEvent) -> Result<PutOutcome, PortError>;
}
