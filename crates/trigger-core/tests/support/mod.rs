//! Shared by this crate's integration tests.
#![allow(dead_code, unused_imports)]

pub mod store_contract;

use trigger_core::aws::Aws;
pub use trigger_core::testing::{ReplayEndpoint, table_name, unique};

pub async fn local_aws() -> Aws {
    trigger_core::testing::local_aws().await.unwrap()
}

pub fn moto_get(path: &str) -> String {
    trigger_core::testing::moto_get(path).unwrap()
}
