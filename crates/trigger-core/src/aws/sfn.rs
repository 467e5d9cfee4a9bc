//! [`Scheduler`] on Step Functions.

use async_trait::async_trait;
use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::SdkError;
use aws_sdk_sfn::operation::start_execution::StartExecutionError;
use serde_json::Value;

use super::error::{build_error, port_error};
use crate::ports::{PortError, Scheduler, StartOutcome, execution_name_is_valid};

const SERVICE: &str = "states";

#[derive(Clone, Debug)]
pub struct StepFunctionsScheduler {
    client: Client,
}

impl StepFunctionsScheduler {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Scheduler for StepFunctionsScheduler {
    async fn start_execution(
        &self,
        state_machine_arn: &str,
        name: &str,
        input: &Value,
    ) -> Result<StartOutcome, PortError> {
        if !execution_name_is_valid(name) {
            return Err(build_error(SERVICE, "StartExecution", format!("invalid execution name {name:?}")));
        }
        let result = self
            .client
            .start_execution()
            .state_machine_arn(state_machine_arn)
            .name(name)
            .input(input.to_string())
            .send()
            .await;
        match result {
            Ok(output) => Ok(StartOutcome::Started { execution_arn: output.execution_arn().to_owned() }),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), StartExecutionError::ExecutionAlreadyExists(_)) => {
                Ok(StartOutcome::AlreadyStarted)
            }
            Err(e) => Err(port_error(SERVICE, "StartExecution", e)),
        }
    }
}
