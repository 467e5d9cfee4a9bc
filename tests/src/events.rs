//! The domain events a listener received: an SQS queue behind a rule on the local bus
//! (`local/provision.py` creates the bus `cognito-triggers-local` and the listener queue
//! `cognito-triggers-local-events`; tests make their own rules and queues). docs/events.md.

use std::time::{Duration, Instant};

use aws_sdk_sqs::Client;
use serde_json::Value;

use crate::Error;

/// The local bus (`EVENT_BUS_NAME`, default `cognito-triggers-local`, as in local/functions.env).
pub fn bus_name() -> String {
    std::env::var("EVENT_BUS_NAME").unwrap_or_else(|_| "cognito-triggers-local".to_owned())
}

/// The example listener's queue that local/provision.py puts behind the bus.
pub fn listener_queue_name() -> String {
    format!("{}-events", bus_name())
}

/// An SQS client on the local moto (`AWS_ENDPOINT_URL`, default `http://127.0.0.1:4566`).
pub async fn local_sqs() -> Client {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:4566".to_owned());
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new("test", "test", None, None, "e2e"))
        .endpoint_url(endpoint)
        .load()
        .await;
    Client::new(&config)
}

/// The events the example listener's queue holds for `user_pool_id` (read and deleted).
pub async fn received_by_listener(user_pool_id: &str, expected: usize) -> Result<Vec<Value>, Error> {
    let sqs = local_sqs().await;
    let queue_url = sqs.get_queue_url().queue_name(listener_queue_name()).send().await?.queue_url.unwrap_or_default();
    drain(&sqs, &queue_url, expected, |m| m["detail"]["userPoolId"] == user_pool_id).await
}

/// Reads (and deletes) the queue's messages until `expected` of them match `wanted` or 10 s
/// pass, then looks twice more, so that a duplicate would be seen too. Messages that do not match
/// (another run's) are deleted all the same. Returns the EventBridge envelopes, as received.
pub async fn drain(
    sqs: &Client,
    queue_url: &str,
    expected: usize,
    wanted: impl Fn(&Value) -> bool,
) -> Result<Vec<Value>, Error> {
    let mut received = Vec::new();
    let started = Instant::now();
    let mut empty_looks = 0;
    while empty_looks < 2 && started.elapsed() < Duration::from_secs(10) {
        let wait = if received.len() >= expected { 1 } else { 2 };
        let answer = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait)
            .send()
            .await?;
        let messages = answer.messages();
        if messages.is_empty() && received.len() >= expected {
            empty_looks += 1;
        }
        for message in messages {
            let body: Value = serde_json::from_str(message.body().unwrap_or("null"))?;
            if wanted(&body) {
                received.push(body);
            }
            if let Some(handle) = message.receipt_handle() {
                sqs.delete_message().queue_url(queue_url).receipt_handle(handle).send().await?;
            }
        }
    }
    Ok(received)
}

/// One line per event: its type and what it says (never more than the event carries).
pub fn describe(envelope: &Value) -> String {
    let detail = &envelope["detail"];
    let mut fields: Vec<String> = detail
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "schemaVersion" | "userPoolId" | "occurredAt"))
                .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    fields.sort();
    format!("{} ({})", envelope["detail-type"].as_str().unwrap_or("?"), fields.join(", "))
}
