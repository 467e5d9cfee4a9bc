use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{TriggerEvent, UserMigrationSource, null_as_default};
use crate::logging::Secret;

/// User migration event.
pub type UserMigrationEvent = TriggerEvent<UserMigrationSource, UserMigrationRequest, UserMigrationResponse>;

/// Our own request type: the password is a [`Secret`], so no `{:?}` or `%` can log it.
/// Present for `UserMigration_Authentication`, absent for `UserMigration_ForgotPassword`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMigrationRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret<String>>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub validation_data: HashMap<String, String>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `finalUserStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FinalUserStatus {
    Confirmed,
    ResetRequired,
}

/// `desiredDeliveryMediums` entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryMedium {
    Email,
    Sms,
}

/// Our own response type: the crate's lacks `enableSMSMFA` and types the enums as free text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMigrationResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_attributes: HashMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_user_status: Option<FinalUserStatus>,
    /// Only `SUPPRESS` is accepted by Cognito.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_delivery_mediums: Option<Vec<DeliveryMedium>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub force_alias_creation: bool,
    #[serde(
        default,
        rename = "enableSMSMFA",
        deserialize_with = "null_as_default",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub enable_sms_mfa: bool,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
