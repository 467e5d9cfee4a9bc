//! The profile item apps read (`pk = USER#<sub>`, `sk = PROFILE`): post confirmation creates it
//! with trigger-core's shared create-if-missing update, so a retry (sequential or concurrent)
//! changes nothing and attributes other triggers own are never touched.

pub use trigger_core::profile::{SORT_KEY, create_if_missing, key};
