use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{PreSignUpSource, TriggerEvent};

/// The crate's request is right as it is: null maps read as empty.
pub use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignupRequest as PreSignUpRequest;

/// Pre sign-up event.
pub type PreSignUpEvent = TriggerEvent<PreSignUpSource, PreSignUpRequest, PreSignUpResponse>;

/// Our own response type: the crate's requires all three flags to be present, and Cognito and its
/// stand-ins send `{}` or null. All three are ignored by Cognito for `PreSignUp_AdminCreateUser`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreSignUpResponse {
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub auto_confirm_user: bool,
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub auto_verify_email: bool,
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub auto_verify_phone: bool,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
