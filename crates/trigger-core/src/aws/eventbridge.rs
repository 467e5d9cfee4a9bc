//! [`EventPublisher`] on EventBridge (`PutEvents`, one entry per call).

use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use super::error::port_error;
use crate::ports::{BusEvent, EventPublisher, PortError, PutOutcome};

const SERVICE: &str = "events";

#[derive(Clone, Debug)]
pub struct EventBridgePublisher {
    client: Client,
    bus_name: String,
}

impl EventBridgePublisher {
    /// `bus_name`: the bus's name or ARN (`EVENT_BUS_NAME`).
    pub fn new(client: Client, bus_name: impl Into<String>) -> Self {
        Self { client, bus_name: bus_name.into() }
    }
}

#[async_trait]
impl EventPublisher for EventBridgePublisher {
    async fn put(&self, event: &BusEvent) -> Result<PutOutcome, PortError> {
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus_name)
            .source(&event.source)
            .detail_type(&event.detail_type)
            .detail(event.detail.to_string())
            .build();
        let output =
            self.client.put_events().entries(entry).send().await.map_err(|e| port_error(SERVICE, "PutEvents", e))?;
        let Some(result) = output.entries().first() else {
            return Ok(PutOutcome::Refused {
                code: "NoResult".to_owned(),
                message: "no entry in the answer".to_owned(),
            });
        };
        match (result.event_id(), result.error_code()) {
            (Some(id), None) => Ok(PutOutcome::Accepted { bus_event_id: id.to_owned() }),
            (_, code) => Ok(PutOutcome::Refused {
                code: code.unwrap_or("Unknown").to_owned(),
                message: result.error_message().unwrap_or_default().to_owned(),
            }),
        }
    }
}
