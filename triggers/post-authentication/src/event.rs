//! The post authentication event, with a request type that never fails on a field Cognito leaves
//! out: `aws_lambda_events` requires `newDeviceUsed`, which Cognito documents as present only with
//! remembered devices, and a parse error here would fail a sign-in that already succeeded.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use trigger_core::events::{PostAuthenticationResponse, PostAuthenticationSource, TriggerEvent, null_as_default};

pub type Event = TriggerEvent<PostAuthenticationSource, Request, PostAuthenticationResponse>;

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    #[serde(default, deserialize_with = "null_as_default")]
    pub new_device_used: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_attributes: HashMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub client_metadata: HashMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
