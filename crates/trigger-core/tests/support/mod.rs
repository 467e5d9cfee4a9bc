//! Shared by this crate's integration tests: the store behaviour suite both stores run.

pub mod store_contract;
