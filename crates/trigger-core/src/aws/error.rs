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
    PortError::new(service, operation, kind, detail(&err))
}

/// What a failure's log line says. Never the response itself: `DisplayErrorContext` of a service
/// or response error prints the raw HTTP response, body included (an item returned with a
/// cancelled transaction, an echo of the request), so those two are described by status, code
/// and message; AWS validation messages quote the offending value (`Value 'jane' at 'name'`),
/// which is cut out too. Dispatch failures and timeouts carry no response: shown in full.
fn detail<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match err {
        SdkError::ServiceError(service_err) => {
            let error = service_err.err();
            format!(
                "service error: HTTP {} {}: {}",
                service_err.raw().status().as_u16(),
                error.code().unwrap_or("(no error code)"),
                without_quoted_values(error.message().unwrap_or("(no message)"))
            )
        }
        SdkError::ResponseError(response_err) => {
            format!(
                "response error: HTTP {} with a response that could not be read",
                response_err.raw().status().as_u16()
            )
        }
        other => DisplayErrorContext(other).to_string(),
    }
}

/// `1 validation error detected: Value 'x' at 'userName' failed…` → `Value '…' at 'userName' failed…`.
fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find("Value '") {
        let value_start = start + "Value '".len();
        let Some(length) = rest[value_start..].find("' at '") else { break };
        out.push_str(&rest[..value_start]);
        out.push('…');
        rest = &rest[value_start + length..];
    }
    out.push_str(rest);
    out
}

/// A request the adapter could not even build (a value the SDK refuses).
pub(crate) fn build_error(service: &'static str, operation: &'static str, err: impl std::fmt::Display) -> PortError {
    PortError::new(service, operation, PortErrorKind::Rejected, err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages_lose_the_values_they_quote() {
        assert_eq!(
            without_quoted_values(
                "2 validation errors detected: Value 'Jane Doe' at 'name' failed; Value 'x' at 'code' failed"
            ),
            "2 validation errors detected: Value '…' at 'name' failed; Value '…' at 'code' failed"
        );
        assert_eq!(without_quoted_values("User does not exist."), "User does not exist.");
        assert_eq!(without_quoted_values("Value 'unterminated"), "Value 'unterminated");
    }
}
