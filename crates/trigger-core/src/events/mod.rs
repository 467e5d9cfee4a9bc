//! The Cognito trigger contract: one envelope shared by every trigger, and a request/response
//! pair per trigger.
//!
//! Built on `aws_lambda_events` (feature `cognito`) where its types are right, and extended here
//! where they are not (see `docs/architecture.md`, "Event contract"):
//! - trigger sources are our own enums with an `Unknown` catch-all, so a source Cognito adds later
//!   does not fail the parse (the crate's enums have no catch-all);
//! - the header tolerates a missing or null `callerContext`, `request` and `response`;
//! - pre authentication carries `userNotFound`; the migration response carries `enableSMSMFA`;
//! - pre token generation V1 and V2 keep the request's group configuration tolerant of `{}` and
//!   null and let a handler copy it into the response (an absent `groupOverrideDetails` in a
//!   response would strip the user's groups);
//! - the custom e-mail / SMS sender events and the inbound federation event, which the crate
//!   does not have;
//! - the custom-authentication requests with the private challenge parameters and the answer as
//!   secrets;
//! - fields nobody declared are kept (`other`) and written back unchanged.

mod auth;
mod custom_auth;
mod custom_message;
mod custom_sender;
mod inbound_federation;
mod migration;
mod nullish;
mod post_confirmation;
mod pre_signup;
mod source;
mod token;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use auth::{
    PostAuthenticationEvent, PostAuthenticationRequest, PostAuthenticationResponse, PreAuthenticationEvent,
    PreAuthenticationRequest, PreAuthenticationResponse,
};
pub use custom_auth::{
    CUSTOM_CHALLENGE, ChallengeResult, CreateAuthChallengeEvent, CreateAuthChallengeRequest,
    CreateAuthChallengeResponse, DefineAuthChallengeEvent, DefineAuthChallengeRequest, DefineAuthChallengeResponse,
    VerifyAuthChallengeRequest, VerifyAuthChallengeResponse, VerifyAuthChallengeResponseEvent,
};
pub use custom_message::{CustomMessageEvent, CustomMessageRequest, CustomMessageResponse};
pub use custom_sender::{CustomEmailSenderEvent, CustomSenderRequest, CustomSenderResponse, CustomSmsSenderEvent};
pub use inbound_federation::{
    InboundFederationEvent, InboundFederationRequest, InboundFederationResponse, ProviderAttributes, ProviderType,
};
pub use migration::{DeliveryMedium, FinalUserStatus, UserMigrationEvent, UserMigrationRequest, UserMigrationResponse};
pub use nullish::{attribute_values, metadata_values, null_as_default, version_text};
pub use post_confirmation::{PostConfirmationEvent, PostConfirmationRequest, PostConfirmationResponse};
pub use pre_signup::{PreSignUpEvent, PreSignUpRequest, PreSignUpResponse};
pub use source::{
    CreateAuthChallengeSource, CustomEmailSenderSource, CustomMessageSource, CustomSmsSenderSource,
    DefineAuthChallengeSource, InboundFederationSource, PostAuthenticationSource, PostConfirmationSource,
    PreAuthenticationSource, PreSignUpSource, TokenGenerationSource, UserMigrationSource,
    VerifyAuthChallengeResponseSource,
};
pub use token::{
    AccessTokenGeneration, ClaimsAndScopeOverrideDetails, ClaimsOverrideDetails, GroupConfiguration, IdTokenGeneration,
    PreTokenGenerationEvent, PreTokenGenerationV1Event, PreTokenGenerationV1Request, PreTokenGenerationV1Response,
    PreTokenGenerationV2Event, PreTokenGenerationV2Request, PreTokenGenerationV2Response,
};

use crate::logging::mask_identifier;

/// `callerContext`: which SDK and which app client made the call.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerContext {
    #[serde(default, rename = "awsSdkVersion", skip_serializing_if = "Option::is_none")]
    pub aws_sdk_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Every Cognito user-pool trigger event: the common header, the trigger's `request` and its
/// `response`. A handler fills `response` in and returns the whole event, as Cognito expects.
#[derive(Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(
    rename_all = "camelCase",
    bound(deserialize = "Source: Deserialize<'de> + Default, Request: Deserialize<'de> + Default, \
                         Response: Deserialize<'de> + Default")
)]
pub struct TriggerEvent<Source, Request, Response> {
    /// Text as Cognito sends it; a number (the developer guide's custom-message example) is read
    /// as its text.
    #[serde(default, deserialize_with = "version_text", skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default)]
    pub trigger_source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_pool_id: String,
    /// Null for client-credentials token events, which have no user.
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub caller_context: CallerContext,
    #[serde(default, deserialize_with = "null_as_default")]
    pub request: Request,
    #[serde(default, deserialize_with = "null_as_default")]
    pub response: Response,
    /// Top-level fields this build does not know, written back unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Deliberately terse: an event carries e-mail addresses, phone numbers and, for some triggers,
/// passwords or codes, so `{:?}` on a whole event shows only what identifies the call.
impl<Source: fmt::Debug, Request, Response> fmt::Debug for TriggerEvent<Source, Request, Response> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TriggerEvent")
            .field("trigger_source", &self.trigger_source)
            .field("user_pool_id", &self.user_pool_id)
            .field("user_name", &mask_identifier(&self.user_name))
            .finish_non_exhaustive()
    }
}
