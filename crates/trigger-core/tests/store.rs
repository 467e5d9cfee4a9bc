//! The store contract, against the in-memory fake and against DynamoDB on the local stack.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use crate::support;

use std::sync::Arc;

use trigger_core::fakes::InMemoryStore;
use trigger_core::testing::{local_aws, table_name, unique};

#[tokio::test]
async fn in_memory_store_meets_the_contract() {
    support::store_contract::run(Arc::new(InMemoryStore::default()), "fake").await;
}

#[tokio::test]
#[ignore = "needs the local stack: run with `make test`"]
async fn dynamodb_store_meets_the_contract() {
    let aws = local_aws().await.unwrap();
    let store = Arc::new(aws.store(table_name()));
    support::store_contract::run(store, &unique("contract")).await;
}
