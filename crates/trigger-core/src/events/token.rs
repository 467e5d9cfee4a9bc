//! Pre token generation, V1 and V2 (V3 uses the V2 shape and adds the client-credentials source).
//!
//! The trap this module closes: a response whose `groupOverrideDetails` is absent or null makes
//! Cognito drop the user's groups from the token. Every response built through
//! [`PreTokenGenerationV1Event::claims_override`] / [`PreTokenGenerationV2Event::claims_override`]
//! starts from a copy of the request's group configuration, so groups survive unless a handler
//! changes them on purpose.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::{TokenGenerationSource, TriggerEvent, null_as_default};

/// `groupConfiguration` in the request and `groupOverrideDetails` in the response. Every field is
/// optional on the wire: cognito-local sends `{}`, Cognito may send null lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupConfiguration {
    #[serde(default, deserialize_with = "null_as_default")]
    pub groups_to_override: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub iam_roles_to_override: Vec<String>,
    #[serde(default)]
    pub preferred_role: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// V1 request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreTokenGenerationV1Request {
    #[serde(default, deserialize_with = "super::attribute_values")]
    pub user_attributes: HashMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub group_configuration: GroupConfiguration,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// V1 `claimsOverrideDetails`: V1 claim values are strings only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimsOverrideDetails {
    #[serde(default, deserialize_with = "null_as_default")]
    pub claims_to_add_or_override: HashMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub claims_to_suppress: Vec<String>,
    #[serde(default)]
    pub group_override_details: Option<GroupConfiguration>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// V1 response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreTokenGenerationV1Response {
    #[serde(default)]
    pub claims_override_details: Option<ClaimsOverrideDetails>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// V2 request: V1's plus the requested scopes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreTokenGenerationV2Request {
    #[serde(default, deserialize_with = "super::attribute_values")]
    pub user_attributes: HashMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub group_configuration: GroupConfiguration,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub scopes: Vec<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// V2 `idTokenGeneration`: claim values of any JSON type.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdTokenGeneration {
    #[serde(default, deserialize_with = "null_as_default")]
    pub claims_to_add_or_override: Map<String, Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub claims_to_suppress: Vec<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// V2 `accessTokenGeneration`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenGeneration {
    #[serde(default, deserialize_with = "null_as_default")]
    pub claims_to_add_or_override: Map<String, Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub claims_to_suppress: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub scopes_to_add: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub scopes_to_suppress: Vec<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// V2 `claimsAndScopeOverrideDetails`. A section left `None` is not written at all: a
/// client-credentials (V3) answer carries only `accessTokenGeneration`, as there is no ID token
/// and no group for a machine.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimsAndScopeOverrideDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_generation: Option<IdTokenGeneration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_generation: Option<AccessTokenGeneration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_override_details: Option<GroupConfiguration>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// V2 response.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreTokenGenerationV2Response {
    #[serde(default)]
    pub claims_and_scope_override_details: Option<ClaimsAndScopeOverrideDetails>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A V1 event (`version` "1"; cognito-local sends "0").
pub type PreTokenGenerationV1Event =
    TriggerEvent<TokenGenerationSource, PreTokenGenerationV1Request, PreTokenGenerationV1Response>;

/// A V2 or V3 event (`version` "2" or "3").
pub type PreTokenGenerationV2Event =
    TriggerEvent<TokenGenerationSource, PreTokenGenerationV2Request, PreTokenGenerationV2Response>;

impl PreTokenGenerationV1Event {
    /// The response's override details, created on first use with the request's groups copied in.
    pub fn claims_override(&mut self) -> &mut ClaimsOverrideDetails {
        let groups = &self.request.group_configuration;
        let details = self.response.claims_override_details.get_or_insert_with(Default::default);
        details.group_override_details.get_or_insert_with(|| groups.clone());
        details
    }
}

impl PreTokenGenerationV2Event {
    /// The response's override details, created on first use with the request's groups copied in.
    pub fn claims_override(&mut self) -> &mut ClaimsAndScopeOverrideDetails {
        let groups = &self.request.group_configuration;
        let details = self.response.claims_and_scope_override_details.get_or_insert_with(Default::default);
        details.group_override_details.get_or_insert_with(|| groups.clone());
        details
    }
}

/// A pre token generation event; the event's `version` tells which shape.
#[derive(Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PreTokenGenerationEvent {
    /// `version` "1" (cognito-local: "0"), or no version at all (the pool's default, V1_0).
    V1(PreTokenGenerationV1Event),
    /// `version` "2" or "3" (V3 is V2's shape plus the client-credentials source).
    V2(PreTokenGenerationV2Event),
    /// Any other `version`, kept as it came: answering it in a known version's shape could be
    /// read wrongly by Cognito, so a handler returns it unchanged.
    UnknownVersion(Value),
}

/// As terse as [`TriggerEvent`]'s: an event of a version nobody knows shows only its version and
/// source, never the user's attributes it may carry.
impl std::fmt::Debug for PreTokenGenerationEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::V1(event) => event.fmt(f),
            Self::V2(event) => event.fmt(f),
            Self::UnknownVersion(event) => f
                .debug_struct("UnknownVersionEvent")
                .field("version", &event.get("version"))
                .field("trigger_source", &event.get("triggerSource"))
                .finish_non_exhaustive(),
        }
    }
}

/// Which shape an event's `version` selects.
enum Shape {
    V1,
    V2,
    Unknown,
}

impl PreTokenGenerationEvent {
    fn shape(version: Option<&Value>) -> Shape {
        match version {
            None | Some(Value::Null) => Shape::V1,
            Some(Value::String(v)) if matches!(v.as_str(), "0" | "1") => Shape::V1,
            Some(Value::String(v)) if matches!(v.as_str(), "2" | "3") => Shape::V2,
            Some(_) => Shape::Unknown,
        }
    }
}

impl<'de> Deserialize<'de> for PreTokenGenerationEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        match Self::shape(value.get("version")) {
            Shape::V1 => serde_json::from_value(value).map(Self::V1).map_err(serde::de::Error::custom),
            Shape::V2 => serde_json::from_value(value).map(Self::V2).map_err(serde::de::Error::custom),
            Shape::Unknown => Ok(Self::UnknownVersion(value)),
        }
    }
}
