//! The scheduler port (Step Functions in production).

use async_trait::async_trait;
use serde_json::Value;

use super::PortError;

/// What starting an execution did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartOutcome {
    Started {
        execution_arn: String,
    },
    /// An execution with this name exists already: a retried trigger, treated as success.
    AlreadyStarted,
}

/// Step Functions execution names: 1 to 80 characters from `A-Z a-z 0-9 - _`.
pub fn execution_name_is_valid(name: &str) -> bool {
    (1..=80).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[async_trait]
pub trait Scheduler: Send + Sync {
    /// Starts one execution named `name` (deterministic, so a retry cannot start a second one)
    /// with `input` as its JSON input object.
    async fn start_execution(
        &self,
        state_machine_arn: &str,
        name: &str,
        input: &Value,
    ) -> Result<StartOutcome, PortError>;
}

/// The scheduler of a trigger configured without a state machine, so that no Step Functions
/// client is built at its cold start for calls it never makes; a call is refused.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoScheduler;

#[async_trait]
impl Scheduler for NoScheduler {
    async fn start_execution(&self, _: &str, _: &str, _: &Value) -> Result<StartOutcome, PortError> {
        Err(PortError::new(
            "states",
            "StartExecution",
            super::PortErrorKind::Rejected,
            "no state machine is configured".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn without_a_state_machine_nothing_starts() {
        let err = NoScheduler.start_execution("arn", "name", &serde_json::json!({})).await.unwrap_err();
        assert_eq!(err.kind, super::super::PortErrorKind::Rejected);
    }
}
