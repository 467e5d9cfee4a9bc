use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{PreSignUpSource, TriggerEvent, attribute_values};

/// Our own request type, with the crate's fields: the crate's refuses the whole event for one null
/// attribute value (`"middle_name": null`), which is read here as unknown and left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreSignUpRequest {
    #[serde(default, deserialize_with = "attribute_values")]
    pub user_attributes: HashMap<String, String>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub validation_data: HashMap<String, String>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

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
