use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{PostConfirmationSource, TriggerEvent, attribute_values};

pub use aws_lambda_events::event::cognito::CognitoEventUserPoolsPostConfirmationResponse as PostConfirmationResponse;

/// Our own request type, with the crate's fields: the crate's refuses the whole event for one null
/// attribute value, which is read here as unknown and left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostConfirmationRequest {
    #[serde(default, deserialize_with = "attribute_values")]
    pub user_attributes: HashMap<String, String>,
    #[serde(default, deserialize_with = "super::metadata_values")]
    pub client_metadata: HashMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Post confirmation event. Cognito sends it for `ConfirmForgotPassword` too: handlers guard on
/// the source.
pub type PostConfirmationEvent =
    TriggerEvent<PostConfirmationSource, PostConfirmationRequest, PostConfirmationResponse>;
