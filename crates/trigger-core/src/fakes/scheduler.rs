use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::Value;

use super::{Outage, lock};
use crate::ports::{PortError, PortErrorKind, Scheduler, StartOutcome};

/// One execution the fake scheduler started.
#[derive(Clone, Debug, PartialEq)]
pub struct StartedExecution {
    pub state_machine_arn: String,
    pub name: String,
    pub input: Value,
}

/// Starts nothing; records executions, one per name, like Step Functions.
#[derive(Debug, Default)]
pub struct RecordingScheduler {
    started: Mutex<Vec<StartedExecution>>,
    outage: Outage,
}

impl RecordingScheduler {
    pub fn started(&self) -> Vec<StartedExecution> {
        lock(&self.started).clone()
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }
}

#[async_trait]
impl Scheduler for RecordingScheduler {
    async fn start_execution(
        &self,
        state_machine_arn: &str,
        name: &str,
        input: &Value,
    ) -> Result<StartOutcome, PortError> {
        self.outage.check("states", "StartExecution")?;
        let mut started = lock(&self.started);
        if started.iter().any(|e| e.state_machine_arn == state_machine_arn && e.name == name) {
            return Ok(StartOutcome::AlreadyStarted);
        }
        started.push(StartedExecution {
            state_machine_arn: state_machine_arn.to_owned(),
            name: name.to_owned(),
            input: input.clone(),
        });
        Ok(StartOutcome::Started { execution_arn: format!("{state_machine_arn}:{name}") })
    }
}
