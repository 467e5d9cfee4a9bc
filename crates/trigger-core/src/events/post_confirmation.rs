use super::{PostConfirmationSource, TriggerEvent};

pub use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsPostConfirmationRequest as PostConfirmationRequest,
    CognitoEventUserPoolsPostConfirmationResponse as PostConfirmationResponse,
};

/// Post confirmation event. Cognito sends it for `ConfirmForgotPassword` too: handlers guard on
/// the source.
pub type PostConfirmationEvent =
    TriggerEvent<PostConfirmationSource, PostConfirmationRequest, PostConfirmationResponse>;
