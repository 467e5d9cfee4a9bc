//! The three custom-authentication triggers: define auth challenge, create auth challenge and
//! verify auth challenge response.
//!
//! Built on `aws_lambda_events`' types where they fit (a session entry, the define and verify
//! responses); our own request types and create response because the crate's carry the private
//! challenge parameters and the answer as plain strings, which a `{:?}` would print. Here they are
//! [`Secret`]s, and `session` / `clientMetadata` / `userAttributes` tolerate null and absence.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    CreateAuthChallengeSource, DefineAuthChallengeSource, TriggerEvent, VerifyAuthChallengeResponseSource,
    null_as_default,
};
use crate::logging::Secret;

pub use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsChallengeResult as ChallengeResult,
    CognitoEventUserPoolsDefineAuthChallengeResponse as DefineAuthChallengeResponse,
    CognitoEventUserPoolsVerifyAuthChallengeResponse as VerifyAuthChallengeResponse,
};

/// The challenge name of a challenge a create-auth-challenge trigger makes.
pub const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";

/// Define auth challenge event: decides the next step of a custom sign-in from the session.
pub type DefineAuthChallengeEvent =
    TriggerEvent<DefineAuthChallengeSource, DefineAuthChallengeRequest, DefineAuthChallengeResponse>;

/// Create auth challenge event: makes the challenge define asked for.
pub type CreateAuthChallengeEvent =
    TriggerEvent<CreateAuthChallengeSource, CreateAuthChallengeRequest, CreateAuthChallengeResponse>;

/// Verify auth challenge response event: checks the user's answer.
pub type VerifyAuthChallengeResponseEvent =
    TriggerEvent<VerifyAuthChallengeResponseSource, VerifyAuthChallengeRequest, VerifyAuthChallengeResponse>;

/// `request` of define auth challenge.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DefineAuthChallengeRequest {
    #[serde(default, deserialize_with = "super::attribute_values")]
    pub user_attributes: HashMap<String, String>,
    /// The challenges of this sign-in so far, oldest first (empty on the first call). Entries
    /// Cognito sends as null are kept as `None`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub session: Vec<Option<ChallengeResult>>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    /// Set when the pool prevents user-existence errors and the user name has no account.
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_not_found: bool,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `request` of create auth challenge.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAuthChallengeRequest {
    #[serde(default, deserialize_with = "super::attribute_values")]
    pub user_attributes: HashMap<String, String>,
    /// The challenge define asked for (`CUSTOM_CHALLENGE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub session: Vec<Option<ChallengeResult>>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_not_found: bool,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `response` of create auth challenge.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAuthChallengeResponse {
    /// What the client sees (`ChallengeParameters`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub public_challenge_parameters: HashMap<String, String>,
    /// What only verify sees, of this round only. Secrets: they hold what checks the answer.
    #[serde(default, deserialize_with = "null_as_default")]
    pub private_challenge_parameters: HashMap<String, Secret<String>>,
    /// Written into this round's session entry, which later rounds' events carry.
    #[serde(default)]
    pub challenge_metadata: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `request` of verify auth challenge response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyAuthChallengeRequest {
    #[serde(default, deserialize_with = "super::attribute_values")]
    pub user_attributes: HashMap<String, String>,
    /// What create put in `privateChallengeParameters` this round.
    #[serde(default, deserialize_with = "null_as_default")]
    pub private_challenge_parameters: HashMap<String, Secret<String>>,
    /// The user's answer (`ChallengeResponses.ANSWER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_answer: Option<Secret<String>>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_not_found: bool,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn null_and_missing_session_and_maps_read_as_empty() {
        let event: DefineAuthChallengeEvent = serde_json::from_value(serde_json::json!({
            "triggerSource": "DefineAuthChallenge_Authentication", "userPoolId": "p", "userName": "u",
            "request": { "session": null, "userAttributes": null, "clientMetadata": null }
        }))
        .unwrap();
        assert!(event.request.session.is_empty() && event.request.client_metadata.is_empty());
        assert!(!event.request.user_not_found);
        let event: CreateAuthChallengeEvent = serde_json::from_value(serde_json::json!({
            "triggerSource": "CreateAuthChallenge_Authentication", "request": {}, "response": null
        }))
        .unwrap();
        assert!(event.response.private_challenge_parameters.is_empty());
    }

    #[test]
    fn the_answer_and_private_parameters_never_show_in_debug() {
        let event: VerifyAuthChallengeResponseEvent = serde_json::from_value(serde_json::json!({
            "triggerSource": "VerifyAuthChallengeResponse_Authentication", "userPoolId": "p", "userName": "u",
            "request": { "privateChallengeParameters": { "codeHash": "c0ffee4711" }, "challengeAnswer": "314159" }
        }))
        .unwrap();
        let shown = format!("{:?}", event.request);
        assert!(!shown.contains("314159") && !shown.contains("c0ffee4711"), "{shown}");
        assert_eq!(event.request.challenge_answer.as_ref().map(|a| a.expose().as_str()), Some("314159"));
        // Serialised as the plain values: they travel back to Cognito.
        let back = serde_json::to_value(&event).unwrap();
        assert_eq!(back["request"]["challengeAnswer"], "314159");
    }
}
