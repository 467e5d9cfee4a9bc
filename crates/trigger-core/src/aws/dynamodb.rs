//! [`Store`] on DynamoDB.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::error::port_error;
use crate::ports::store::{PK, SK};
use crate::ports::{AttrValue, CompareOp, Condition, Item, Key, PortError, Store, Update, UpdateOutcome, WriteOutcome};

const SERVICE: &str = "dynamodb";

/// The table the triggers share.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
}

fn to_sdk(value: &AttrValue) -> AttributeValue {
    match value {
        AttrValue::S(s) => AttributeValue::S(s.clone()),
        AttrValue::N(n) => AttributeValue::N(n.clone()),
        AttrValue::Bool(b) => AttributeValue::Bool(*b),
        AttrValue::Null => AttributeValue::Null(true),
        AttrValue::L(list) => AttributeValue::L(list.iter().map(to_sdk).collect()),
        AttrValue::M(map) => AttributeValue::M(map.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect()),
        AttrValue::Ss(set) => AttributeValue::Ss(set.iter().cloned().collect()),
    }
}

/// Attribute types we never write (binary, number sets) read as `Null`: nothing of ours uses them.
fn from_sdk(value: &AttributeValue) -> AttrValue {
    match value {
        AttributeValue::S(s) => AttrValue::S(s.clone()),
        AttributeValue::N(n) => AttrValue::N(n.clone()),
        AttributeValue::Bool(b) => AttrValue::Bool(*b),
        AttributeValue::L(list) => AttrValue::L(list.iter().map(from_sdk).collect()),
        AttributeValue::M(map) => AttrValue::M(map.iter().map(|(k, v)| (k.clone(), from_sdk(v))).collect()),
        AttributeValue::Ss(set) => AttrValue::Ss(set.iter().cloned().collect()),
        _ => AttrValue::Null,
    }
}

fn item_to_sdk(item: &Item) -> HashMap<String, AttributeValue> {
    item.0.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect()
}

fn item_from_sdk(map: &HashMap<String, AttributeValue>) -> Item {
    Item(map.iter().map(|(k, v)| (k.clone(), from_sdk(v))).collect())
}

fn key_to_sdk(key: &Key) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

/// Expression text with `#nN` / `:vN` placeholders, and the maps that resolve them.
#[derive(Default)]
struct Expression {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expression {
    fn name(&mut self, attribute: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, a)| a.as_str() == attribute) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), attribute.to_owned());
        placeholder
    }

    fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    fn condition(&mut self, condition: &Condition) -> String {
        match condition {
            Condition::ItemNotExists => format!("attribute_not_exists({})", self.name(PK)),
            Condition::ItemExists => format!("attribute_exists({})", self.name(PK)),
            Condition::AttributeExists(a) => format!("attribute_exists({})", self.name(a)),
            Condition::AttributeNotExists(a) => format!("attribute_not_exists({})", self.name(a)),
            Condition::Compare { attribute, op, value } => {
                let op = match op {
                    CompareOp::Eq => "=",
                    CompareOp::Ne => "<>",
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                    CompareOp::Gt => ">",
                    CompareOp::Ge => ">=",
                };
                format!("{} {op} {}", self.name(attribute), self.value(to_sdk(value)))
            }
            Condition::And(parts) => self.join(parts, " AND ", true),
            Condition::Or(parts) => self.join(parts, " OR ", false),
            Condition::Not(inner) => format!("(NOT {})", self.condition(inner)),
        }
    }

    /// An empty AND always holds and an empty OR never does, as in logic.
    fn join(&mut self, parts: &[Condition], separator: &str, empty_is_true: bool) -> String {
        if parts.is_empty() {
            let pk = self.name(PK);
            return if empty_is_true {
                format!("(attribute_exists({pk}) OR attribute_not_exists({pk}))")
            } else {
                format!("(attribute_exists({pk}) AND attribute_not_exists({pk}))")
            };
        }
        let texts: Vec<String> = parts.iter().map(|p| self.condition(p)).collect();
        format!("({})", texts.join(separator))
    }

    fn update(&mut self, update: &Update) -> String {
        let mut sets: Vec<String> = Vec::new();
        for (attribute, value) in &update.set {
            sets.push(format!("{} = {}", self.name(attribute), self.value(to_sdk(value))));
        }
        for (attribute, value) in &update.set_if_missing {
            let name = self.name(attribute);
            sets.push(format!("{name} = if_not_exists({name}, {})", self.value(to_sdk(value))));
        }
        let mut clauses = Vec::new();
        if !sets.is_empty() {
            clauses.push(format!("SET {}", sets.join(", ")));
        }
        if !update.add.is_empty() {
            let adds: Vec<String> = update
                .add
                .iter()
                .map(|(attribute, delta)| {
                    format!("{} {}", self.name(attribute), self.value(AttributeValue::N(delta.to_string())))
                })
                .collect();
            clauses.push(format!("ADD {}", adds.join(", ")));
        }
        if !update.remove.is_empty() {
            let removes: Vec<String> = update.remove.iter().map(|a| self.name(a)).collect();
            clauses.push(format!("REMOVE {}", removes.join(", ")));
        }
        clauses.join(" ")
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_to_sdk(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "GetItem", e))?;
        Ok(output.item().map(item_from_sdk))
    }

    async fn put(&self, item: &Item, condition: Option<&Condition>) -> Result<WriteOutcome, PortError> {
        let mut expression = Expression::default();
        let condition_text = condition.map(|c| expression.condition(c));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item_to_sdk(item)))
            .set_condition_expression(condition_text)
            .set_expression_attribute_names(expression.names())
            .set_expression_attribute_values(expression.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(WriteOutcome::Written),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) => {
                let current = match e.err() {
                    PutItemError::ConditionalCheckFailedException(c) => c.item().map(item_from_sdk),
                    _ => None,
                };
                Ok(WriteOutcome::ConditionFailed { current })
            }
            Err(e) => Err(port_error(SERVICE, "PutItem", e)),
        }
    }

    async fn update(
        &self,
        key: &Key,
        update: &Update,
        condition: Option<&Condition>,
    ) -> Result<UpdateOutcome, PortError> {
        let mut expression = Expression::default();
        let update_text = expression.update(update);
        let condition_text = condition.map(|c| expression.condition(c));
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_to_sdk(key)))
            .update_expression(update_text)
            .set_condition_expression(condition_text)
            .set_expression_attribute_names(expression.names())
            .set_expression_attribute_values(expression.values())
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(UpdateOutcome::Updated(output.attributes().map(item_from_sdk).unwrap_or_default())),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                let current = match e.err() {
                    UpdateItemError::ConditionalCheckFailedException(c) => c.item().map(item_from_sdk),
                    _ => None,
                };
                Ok(UpdateOutcome::ConditionFailed { current })
            }
            Err(e) => Err(port_error(SERVICE, "UpdateItem", e)),
        }
    }

    async fn delete(&self, key: &Key, condition: Option<&Condition>) -> Result<WriteOutcome, PortError> {
        let mut expression = Expression::default();
        let condition_text = condition.map(|c| expression.condition(c));
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_to_sdk(key)))
            .set_condition_expression(condition_text)
            .set_expression_attribute_names(expression.names())
            .set_expression_attribute_values(expression.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(WriteOutcome::Written),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteItemError::ConditionalCheckFailedException(_)) =>
            {
                let current = match e.err() {
                    DeleteItemError::ConditionalCheckFailedException(c) => c.item().map(item_from_sdk),
                    _ => None,
                };
                Ok(WriteOutcome::ConditionFailed { current })
            }
            Err(e) => Err(port_error(SERVICE, "DeleteItem", e)),
        }
    }

    async fn query(&self, pk: &str, sk_prefix: &str, limit: u32, newest_first: bool) -> Result<Vec<Item>, PortError> {
        let mut expression = Expression::default();
        let mut key_condition =
            format!("{} = {}", expression.name(PK), expression.value(AttributeValue::S(pk.to_owned())));
        if !sk_prefix.is_empty() {
            let sk = expression.name(SK);
            let prefix = expression.value(AttributeValue::S(sk_prefix.to_owned()));
            key_condition.push_str(&format!(" AND begins_with({sk}, {prefix})"));
        }
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(key_condition)
            .set_expression_attribute_names(expression.names())
            .set_expression_attribute_values(expression.values())
            .scan_index_forward(!newest_first)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "Query", e))?;
        Ok(output.items().iter().map(item_from_sdk).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_conditions_and_updates_to_placeholder_expressions() {
        let mut expression = Expression::default();
        let condition = Condition::Or(vec![
            Condition::ItemNotExists,
            Condition::And(vec![
                Condition::equals("owner", AttrValue::s("alice")),
                Condition::Not(Box::new(Condition::AttributeExists("lockedUntil".into()))),
            ]),
        ]);
        assert_eq!(
            expression.condition(&condition),
            "(attribute_not_exists(#n0) OR (#n1 = :v0 AND (NOT attribute_exists(#n2))))"
        );
        let update = Update::default()
            .set("owner", AttrValue::s("bob"))
            .set_if_missing("createdAt", AttrValue::n(5))
            .add("attempts", 1)
            .remove("lockedUntil");
        assert_eq!(expression.update(&update), "SET #n1 = :v1, #n3 = if_not_exists(#n3, :v2) ADD #n4 :v3 REMOVE #n2");
        assert_eq!(expression.names().unwrap().get("#n2").map(String::as_str), Some("lockedUntil"));
        assert_eq!(expression.values().unwrap().get(":v3"), Some(&AttributeValue::N("1".into())));
    }
}
