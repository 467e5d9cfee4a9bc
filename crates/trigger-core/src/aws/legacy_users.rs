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
/// The top-level attribute an e-mail index is keyed on (the lower-cased address): DynamoDB
/// cannot index a value inside the `attributes` map.
pub const EMAIL: &str = "email";
/// How many rows of one address are read back: one is enough to know it is held.
const EMAIL_MATCHES: i32 = 10;

#[derive(Clone, Debug)]
pub struct DynamoLegacyUsers {
    client: Client,
    table: String,
    /// A global secondary index whose partition key is [`EMAIL`], when the table has one.
    email_index: Option<String>,
}

impl DynamoLegacyUsers {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into(), email_index: None }
    }

    /// Searches addresses through `index` (partition key [`EMAIL`], any projection: only the
    /// table's key is read).
    #[must_use]
    pub fn with_email_index(mut self, index: impl Into<String>) -> Self {
        self.email_index = Some(index.into());
        self
    }
}

/// A row as the port returns it. Attribute values that are neither strings nor booleans are
/// skipped: Cognito attributes are strings.
fn row(username: &str, item: &HashMap<String, AttributeValue>) -> LegacyUser {
    let password_hash = match item.get(PASSWORD_HASH) {
        Some(AttributeValue::S(hash)) => Some(Secret::new(hash.clone())),
        _ => None,
    };
    // Inserted one by one rather than collected: `BTreeMap::from_iter` brings a sort of its own
    // into every binary that links this adapter (about 5 KB of pre-signup's size budget).
    let mut attributes = BTreeMap::new();
    if let Some(AttributeValue::M(map)) = item.get(ATTRIBUTES) {
        for (name, value) in map {
            let text = match value {
                AttributeValue::S(text) => text.clone(),
                AttributeValue::Bool(flag) => flag.to_string(),
                _ => continue,
            };
            attributes.insert(name.clone(), text);
        }
    }
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

    async fn usernames_with_email(&self, address: &str) -> Result<Option<Vec<String>>, PortError> {
        let Some(index) = &self.email_index else { return Ok(None) };
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#email = :email")
            .expression_attribute_names("#email", EMAIL)
            .expression_attribute_values(":email", AttributeValue::S(address.to_owned()))
            .limit(EMAIL_MATCHES)
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "Query", e))?;
        let usernames = output
            .items()
            .iter()
            .filter_map(|item| match item.get(USERNAME) {
                Some(AttributeValue::S(name)) => Some(name.clone()),
                _ => None,
            })
            .collect();
        Ok(Some(usernames))
    }
}
