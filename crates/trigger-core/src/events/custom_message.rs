use super::{CustomMessageSource, TriggerEvent};

pub use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsCustomMessageRequest as CustomMessageRequest,
    CognitoEventUserPoolsCustomMessageResponse as CustomMessageResponse,
};

/// Custom message event. `request.userAttributes` values are JSON values (Cognito sends strings;
/// some stand-ins send booleans for `email_verified`).
pub type CustomMessageEvent = TriggerEvent<CustomMessageSource, CustomMessageRequest, CustomMessageResponse>;
