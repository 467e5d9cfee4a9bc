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
    /// JSON values, kept as given: Cognito documents strings, but the account-takeover notice
    /// carries `null` for an unknown `CITY`, `COUNTRY` or `DEVICE_NAME`, and some libraries'
    /// samples carry booleans. One odd value must not fail the whole event: read attributes
    /// through [`CustomSenderRequest::attribute`], which sees non-blank strings only.
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_attributes: HashMap<String, Value>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl CustomSenderRequest {
    /// A user attribute given as a non-blank string (`None` for null, absent, blank or non-text).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.user_attributes.get(name).and_then(Value::as_str).filter(|v| !v.trim().is_empty())
    }
}

/// Custom senders have no response fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CustomSenderResponse {
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
