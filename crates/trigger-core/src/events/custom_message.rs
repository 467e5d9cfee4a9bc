use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{CustomMessageSource, TriggerEvent, null_as_default};

/// Custom message event.
pub type CustomMessageEvent = TriggerEvent<CustomMessageSource, CustomMessageRequest, CustomMessageResponse>;

/// Our own request type: the crate's lacks `linkParameter` (sent when the pool verifies by link).
/// `userAttributes` values are JSON values: Cognito sends strings, some stand-ins send booleans
/// for `email_verified`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomMessageRequest {
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_attributes: HashMap<String, Value>,
    /// The code placeholder (`{####}`); Cognito swaps it for the code after the trigger answers.
    #[serde(default)]
    pub code_parameter: Option<String>,
    /// The user-name placeholder (`{username}`), for `CustomMessage_AdminCreateUser`.
    #[serde(default)]
    pub username_parameter: Option<String>,
    /// The link placeholder (`{##Click Here##}`), when the pool verifies by link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_parameter: Option<String>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl CustomMessageRequest {
    /// A user attribute given as a non-blank string.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.user_attributes.get(name).and_then(Value::as_str).filter(|v| !v.trim().is_empty())
    }
}

/// The three fields Cognito reads; null (absent) leaves Cognito's own message for that part.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomMessageResponse {
    #[serde(default)]
    pub sms_message: Option<String>,
    #[serde(default)]
    pub email_message: Option<String>,
    #[serde(default)]
    pub email_subject: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
