//! Inbound federation (`InboundFederation_ExternalProvider`, 2026): Cognito calls it after it has
//! received and validated an identity provider's answer, before it creates or updates the
//! federated user, with what the provider asserted. Not in `aws_lambda_events`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::{InboundFederationSource, TriggerEvent, null_as_default};
use crate::logging::Secret;

/// Inbound federation event.
pub type InboundFederationEvent =
    TriggerEvent<InboundFederationSource, InboundFederationRequest, InboundFederationResponse>;

/// `request.providerType`. A type this build does not know is kept as `Unknown(text)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProviderType {
    Oidc,
    Saml,
    Facebook,
    Google,
    SignInWithApple,
    LoginWithAmazon,
    Unknown(String),
}

impl ProviderType {
    /// Every provider type Cognito documents, as it appears on the wire.
    pub const KNOWN: &'static [&'static str] =
        &["OIDC", "SAML", "Facebook", "Google", "SignInWithApple", "LoginWithAmazon"];

    pub fn as_str(&self) -> &str {
        match self {
            Self::Oidc => "OIDC",
            Self::Saml => "SAML",
            Self::Facebook => "Facebook",
            Self::Google => "Google",
            Self::SignInWithApple => "SignInWithApple",
            Self::LoginWithAmazon => "LoginWithAmazon",
            Self::Unknown(text) => text,
        }
    }
}

impl From<&str> for ProviderType {
    fn from(text: &str) -> Self {
        match text {
            "OIDC" => Self::Oidc,
            "SAML" => Self::Saml,
            "Facebook" => Self::Facebook,
            "Google" => Self::Google,
            "SignInWithApple" => Self::SignInWithApple,
            "LoginWithAmazon" => Self::LoginWithAmazon,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl Default for ProviderType {
    fn default() -> Self {
        Self::Unknown(String::new())
    }
}

impl fmt::Display for ProviderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ProviderType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProviderType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
        Ok(Self::from(text.as_str()))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundFederationRequest {
    /// The provider's name as the pool spells it (`Google`, `CorpSAML`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub provider_name: String,
    #[serde(default)]
    pub provider_type: ProviderType,
    #[serde(default, deserialize_with = "null_as_default")]
    pub attributes: ProviderAttributes,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// What the provider sent, as Cognito received it (and validated it: signature, issuer,
/// audience, expiry). Values are JSON as the provider wrote them: usually strings, but numbers,
/// booleans and lists (a `groups` claim) occur.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderAttributes {
    /// The token endpoint's answer (OIDC and social): `access_token`, `id_token`,
    /// `refresh_token`, … — tokens, hence a [`Secret`]. No trigger here reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_response: Option<Secret<Map<String, Value>>>,
    /// The ID token's claims, decoded (OIDC and social).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Map<String, Value>>,
    /// The userInfo endpoint's answer (OIDC and social).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_info: Option<Map<String, Value>>,
    /// The SAML assertion's attributes (SAML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saml_response: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Claim values are personal data: `{:?}` shows which parts are present and their claim names.
impl fmt::Debug for ProviderAttributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |part: &Option<Map<String, Value>>| part.as_ref().map(|m| m.keys().cloned().collect::<Vec<_>>());
        f.debug_struct("ProviderAttributes")
            .field("token_response", &self.token_response)
            .field("id_token", &names(&self.id_token))
            .field("user_info", &names(&self.user_info))
            .field("saml_response", &names(&self.saml_response))
            .finish_non_exhaustive()
    }
}

/// `response.userAttributesToMap`: the user-pool attributes Cognito writes to the federated
/// user. A non-empty map is the whole answer — attributes left out are dropped; an empty map
/// (`{}`) keeps what Cognito mapped itself (the provider's attribute mapping). Always written as
/// an object: a null would leave the meaning to Cognito.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundFederationResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_attributes_to_map: BTreeMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
