use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{PostAuthenticationSource, PreAuthenticationSource, TriggerEvent, null_as_default};

pub use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsPostAuthenticationResponse as PostAuthenticationResponse,
    CognitoEventUserPoolsPreAuthenticationResponse as PreAuthenticationResponse,
};

/// Pre authentication event.
pub type PreAuthenticationEvent =
    TriggerEvent<PreAuthenticationSource, PreAuthenticationRequest, PreAuthenticationResponse>;

/// Post authentication event.
pub type PostAuthenticationEvent =
    TriggerEvent<PostAuthenticationSource, PostAuthenticationRequest, PostAuthenticationResponse>;

/// Our own request type: the crate's lacks `userNotFound`, which Cognito sets when the pool
/// prevents user-existence errors (the trigger then also runs for user names that do not exist).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreAuthenticationRequest {
    #[serde(default, deserialize_with = "super::attribute_values")]
    pub user_attributes: HashMap<String, String>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub validation_data: HashMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_not_found: bool,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Our own request type: the crate's requires `newDeviceUsed`, which Cognito sends only with
/// remembered devices, and a parse error would fail a sign-in that has already succeeded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostAuthenticationRequest {
    #[serde(default, deserialize_with = "null_as_default")]
    pub new_device_used: bool,
    #[serde(default, deserialize_with = "super::attribute_values")]
    pub user_attributes: HashMap<String, String>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
