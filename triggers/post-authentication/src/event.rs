//! The post authentication event: trigger-core's, whose request tolerates a missing
//! `newDeviceUsed` (Cognito sends it only with remembered devices).

pub type Event = trigger_core::events::PostAuthenticationEvent;
