//! One error type for every trigger.
//!
//! Cognito shows a trigger's error message to the person signing up or in (and puts it in hosted
//! UI redirects), so the type separates the two things an error can be:
//! - [`TriggerError::Denied`]: a deliberate decision, with text written for that person;
//! - everything else: an internal failure, whose detail is logged and never shown. The person
//!   sees [`TriggerError::GENERIC_USER_MESSAGE`].

use std::borrow::Cow;
use std::fmt;

use crate::ports::PortError;

/// Text written for the end user. Built only from deliberate text, never from an error's detail.
#[derive(Clone, PartialEq, Eq)]
pub struct UserMessage(Cow<'static, str>);

impl UserMessage {
    pub const fn fixed(text: &'static str) -> Self {
        Self(Cow::Borrowed(text))
    }

    /// A message that includes a value the trigger computed (a retry time, a limit). The caller
    /// is responsible for never passing anything secret or internal.
    pub fn composed(text: String) -> Self {
        Self(Cow::Owned(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for UserMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// Whether `text` is fit for Cognito to show: one non-empty line that does not end with a period
/// or a space — Cognito shows "<Trigger> failed with error <text>." and adds the period itself.
/// Every trigger's tests hold each of its user-facing texts to this.
pub fn is_fit_for_cognito(text: &str) -> bool {
    !text.trim().is_empty() && !text.contains('\n') && !text.ends_with('.') && !text.ends_with(char::is_whitespace)
}

/// Why a trigger did not return the event.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// A policy decision: Cognito refuses the operation and shows this text.
    #[error("denied: {0}")]
    Denied(UserMessage),
    /// The event lacks something Cognito's contract says it carries.
    #[error("bad event: {0}")]
    BadEvent(String),
    /// A dependency failed after its retries.
    #[error(transparent)]
    Port(#[from] PortError),
    /// Something that cannot happen in a healthy system did (the kernel gave no random bytes, a
    /// user vanished between two calls): a bug or an inconsistency to look at, not an outage.
    #[error("internal: {0}")]
    Internal(String),
    /// The trigger's time budget ran out before it could answer.
    #[error("time budget of {budget_ms} ms exceeded")]
    DeadlineExceeded { budget_ms: u64 },
}

impl TriggerError {
    /// What the end user sees for any failure that is not a deliberate denial.
    pub const GENERIC_USER_MESSAGE: &'static str =
        "We could not complete your request right now. Please try again in a moment";

    pub fn denied(text: &'static str) -> Self {
        Self::Denied(UserMessage::fixed(text))
    }

    /// The text Cognito will show to the end user.
    pub fn user_message(&self) -> &str {
        match self {
            Self::Denied(message) => message.as_str(),
            _ => Self::GENERIC_USER_MESSAGE,
        }
    }

    /// A stable name for the kind of failure (the Lambda `errorType`, and a log field).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Denied(_) => "Denied",
            Self::BadEvent(_) => "BadEvent",
            Self::Port(_) => "DependencyFailure",
            Self::Internal(_) => "Internal",
            Self::DeadlineExceeded { .. } => "DeadlineExceeded",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::PortErrorKind;

    #[test]
    fn texts_for_cognito_end_without_a_period() {
        assert!(is_fit_for_cognito(TriggerError::GENERIC_USER_MESSAGE));
        assert!(is_fit_for_cognito("Try again in 5 minutes"));
        for bad in ["Try again.", "", "  ", "two\nlines", "trailing "] {
            assert!(!is_fit_for_cognito(bad), "{bad:?}");
        }
    }

    #[test]
    fn internal_detail_never_becomes_the_user_message() {
        let port = PortError::new("dynamodb", "PutItem", PortErrorKind::Unavailable, "table cognito-x not found");
        let err = TriggerError::from(port);
        assert_eq!(err.user_message(), TriggerError::GENERIC_USER_MESSAGE);
        assert!(err.to_string().contains("table cognito-x not found"));
        assert_eq!(err.kind(), "DependencyFailure");

        let denied = TriggerError::denied("Sign-up is not allowed for this e-mail domain");
        assert_eq!(denied.user_message(), "Sign-up is not allowed for this e-mail domain");
        assert_eq!(denied.kind(), "Denied");
    }
}
