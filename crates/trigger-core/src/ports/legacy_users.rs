//! The legacy user table port: password hashes and attributes of users not yet moved into the
//! pool (user-migration). One DynamoDB table of the customer's, keyed by `username`.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::PortError;
use crate::logging::Secret;

/// One row of the legacy table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyUser {
    /// The key: the name or e-mail address the user signs in with, lower-cased.
    pub username: String,
    /// `passwordHash`, as the old system stored it (a `Secret`: a hash can be cracked offline,
    /// so it is never logged). `None` when the row has none.
    pub password_hash: Option<Secret<String>>,
    /// `attributes`: Cognito attribute names to values (booleans read as `"true"`/`"false"`).
    pub attributes: BTreeMap<String, String>,
}

#[async_trait]
pub trait LegacyUsers: Send + Sync {
    /// The row of `username` (already lower-cased by the caller), if there is one.
    async fn get(&self, username: &str) -> Result<Option<LegacyUser>, PortError>;
}
