//! SDK errors → [`PortError`], in one place for every adapter.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::ports::{PortError, PortErrorKind};

/// Error codes that mean "slow down", across the services we call.
const THROTTLING_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "LimitExceededException",
];

pub(crate) fn port_error<E>(service: &'static str, operation: &'static str, err: SdkError<E, HttpResponse>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let kind = match &err {
        SdkError::TimeoutError(_) => PortErrorKind::Timeout,
        SdkError::DispatchFailure(failure) if failure.is_timeout() => PortErrorKind::Timeout,
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => PortErrorKind::Unavailable,
        SdkError::ServiceError(service_err) => {
            let code = service_err.err().code().unwrap_or_default();
            if THROTTLING_CODES.contains(&code) {
                PortErrorKind::Throttled
            } else if service_err.raw().status().is_server_error() {
                PortErrorKind::Unavailable
            } else {
                PortErrorKind::Rejected
            }
        }
        _ => PortErrorKind::Rejected,
    };
    PortError::new(service, operation, kind, DisplayErrorContext(&err).to_string())
}

/// A request the adapter could not even build (a value the SDK refuses).
pub(crate) fn build_error(service: &'static str, operation: &'static str, err: impl std::fmt::Display) -> PortError {
    PortError::new(service, operation, PortErrorKind::Rejected, err.to_string())
}
