//! This crate's integration tests reach the local stack through `trigger_core::testing`.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use trigger_core::aws::Aws;
pub use trigger_core::testing::{table_name, unique};

pub async fn local_aws() -> Aws {
    trigger_core::testing::local_aws().await.unwrap()
}

pub fn moto_get(path: &str) -> String {
    trigger_core::testing::moto_get(path).unwrap()
}
