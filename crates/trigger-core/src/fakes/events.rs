use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::ports::{BusEvent, EventPublisher, PortError, PortErrorKind, PutOutcome};

/// A bus in memory: records every event put on it, in order.
#[derive(Debug, Default)]
pub struct RecordingBus {
    events: Mutex<Vec<BusEvent>>,
    outage: Outage,
    /// Refuse this many entries (`ThrottlingException`) before accepting again.
    refusals: Mutex<usize>,
}

impl RecordingBus {
    pub fn events(&self) -> Vec<BusEvent> {
        lock(&self.events).clone()
    }

    /// The detail types put so far, in order.
    pub fn detail_types(&self) -> Vec<String> {
        lock(&self.events).iter().map(|e| e.detail_type.clone()).collect()
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }

    /// The next `n` entries are refused as throttled (a partial failure of `PutEvents`).
    pub fn refuse_next(&self, n: usize) {
        *lock(&self.refusals) = n;
    }
}

#[async_trait]
impl EventPublisher for RecordingBus {
    async fn put(&self, event: &BusEvent) -> Result<PutOutcome, PortError> {
        self.outage.check("events", "PutEvents")?;
        {
            let mut refusals = lock(&self.refusals);
            if *refusals > 0 {
                *refusals -= 1;
                return Ok(PutOutcome::Refused {
                    code: "ThrottlingException".to_owned(),
                    message: "injected".to_owned(),
                });
            }
        }
        let mut events = lock(&self.events);
        events.push(event.clone());
        Ok(PutOutcome::Accepted { bus_event_id: format!("fake-{}", events.len()) })
    }
}
