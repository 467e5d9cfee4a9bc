use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{CustomEmailSenderSource, CustomSmsSenderSource, TriggerEvent, null_as_default};
use crate::logging::Secret;

/// Custom e-mail sender event (not in `aws_lambda_events`). Invoked asynchronously.
pub type CustomEmailSenderEvent = TriggerEvent<CustomEmailSenderSource, CustomSenderRequest, CustomSenderResponse>;

/// Custom SMS sender event (not in `aws_lambda_events`). Invoked asynchronously.
pub type CustomSmsSenderEvent = TriggerEvent<CustomSmsSenderSource, CustomSenderRequest, CustomSenderResponse>;

/// The request both custom senders receive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomSenderRequest {
    /// `customEmailSenderRequestV1` / `customSMSSenderRequestV1`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub request_type: Option<String>,
    /// An AWS Encryption SDK message (base64) holding the code or temporary password. Encrypted,
    /// and a [`Secret`] all the same: it identifies one delivery and must not reach logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Secret<String>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_attributes: HashMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub client_metadata: HashMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Custom senders have no response fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CustomSenderResponse {
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
