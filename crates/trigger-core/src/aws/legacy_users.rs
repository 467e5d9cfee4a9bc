//! [`LegacyUsers`] on a DynamoDB table of the customer's: partition key `username` (string),
//! `passwordHash` (string), optional `attributes` (a map of strings or booleans).

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

use super::error::port_error;
use crate::logging::Secret;
use crate::ports::{LegacyUser, LegacyUsers, PortError};

const SERVICE: &str = "dynamodb";
pub const USERNAME: &str = "username";
pub const PASSWORD_HASH: &str = "passwordHash";
pub const ATTRIBUTES: &str = "attributes";

#[derive(Clone, Debug)]
pub struct DynamoLegacyUsers {
    client: Client,
    table: String,
}

impl DynamoLegacyUsers {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
}

/// A row as the port returns it. Attribute values that are neither strings nor booleans are
/// skipped: Cognito attributes are strings.
fn row(username: &str, item: &HashMap<String, AttributeValue>) -> LegacyUser {
    let password_hash = match item.get(PASSWORD_HASH) {
        Some(AttributeValue::S(hash)) => Some(Secret::new(hash.clone())),
        _ => None,
    };
    let attributes: BTreeMap<String, String> = match item.get(ATTRIBUTES) {
        Some(AttributeValue::M(map)) => map
            .iter()
            .filter_map(|(name, value)| match value {
                AttributeValue::S(text) => Some((name.clone(), text.clone())),
                AttributeValue::Bool(flag) => Some((name.clone(), flag.to_string())),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    LegacyUser { username: username.to_owned(), password_hash, attributes }
}

#[async_trait]
impl LegacyUsers for DynamoLegacyUsers {
    async fn get(&self, username: &str) -> Result<Option<LegacyUser>, PortError> {
        // Eventually consistent is enough: the table is read-only during the migration.
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(USERNAME, AttributeValue::S(username.to_owned()))
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "GetItem", e))?;
        Ok(output.item().map(|item| row(username, item)))
    }
}
