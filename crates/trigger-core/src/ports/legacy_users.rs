//! The legacy user table port: password hashes and attributes of users not yet moved into the
//! pool (user-migration). One DynamoDB table of the customer's, keyed by `username`.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::PortError;
use crate::logging::Secret;

/// One row of the legacy table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyUser {
    /// The key: the name or e-mail address the user signs in with, under the pool's rule for
    /// names (`lockout::NameRule`: as typed in a case-sensitive pool, lower-cased otherwise).
    pub username: String,
    /// `passwordHash`, as the old system stored it (a `Secret`: a hash can be cracked offline,
    /// so it is never logged). `None` when the row has none.
    pub password_hash: Option<Secret<String>>,
    /// `attributes`: Cognito attribute names to values (booleans read as `"true"`/`"false"`).
    pub attributes: BTreeMap<String, String>,
}

#[async_trait]
pub trait LegacyUsers: Send + Sync {
    /// The row of `username` (already normalised by the caller under the pool's `NameRule`), if
    /// there is one.
    async fn get(&self, username: &str) -> Result<Option<LegacyUser>, PortError>;

    /// The user names (keys) of the rows whose address is `address` (already lower-cased), through
    /// an index on the table's e-mail attribute; `None` when the table has no such index configured,
    /// so that a caller can tell "nobody" from "cannot tell". The default body: no index.
    async fn usernames_with_email(&self, address: &str) -> Result<Option<Vec<String>>, PortError> {
        let _ = address;
        Ok(None)
    }
}
