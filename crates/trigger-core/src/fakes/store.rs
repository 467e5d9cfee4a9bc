use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::ports::{
    AttrValue, CompareOp, Condition, Item, Key, PK, PortError, PortErrorKind, SK, Store, Update, UpdateOutcome,
    WriteOutcome,
};

/// The table in memory. Each call is atomic, as DynamoDB's single-item operations are.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    items: Mutex<BTreeMap<Key, Item>>,
    outage: Outage,
    interleaving: Mutex<Option<Interleaving>>,
}

/// Something that happens to the table between a caller's read and its next write, played once
/// into that write: the races a test of conditional writes needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Interleaving {
    /// The next update is applied twice and the caller sees the second outcome: its first try
    /// outlived the SDK's attempt timeout but landed, and the SDK sent the same request again.
    RepeatNextUpdate,
    /// Another writer puts this item (unconditionally) just before the next delete.
    PutBeforeNextDelete(Item),
}

impl InMemoryStore {
    pub fn items(&self) -> Vec<Item> {
        lock(&self.items).values().cloned().collect()
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }

    /// Plays `interleaving` into the next call it names (once; a later call replaces it).
    pub fn interleave(&self, interleaving: Interleaving) {
        *lock(&self.interleaving) = Some(interleaving);
    }

    /// The pending interleaving, taken if `wanted` says it is this call's.
    fn take_interleaving(&self, wanted: impl Fn(&Interleaving) -> bool) -> Option<Interleaving> {
        let mut pending = lock(&self.interleaving);
        if pending.as_ref().is_some_and(wanted) { pending.take() } else { None }
    }
}

/// An update against `items` as DynamoDB applies it: conditionally, atomically.
fn update_in(
    items: &mut BTreeMap<Key, Item>,
    key: &Key,
    update: &Update,
    condition: Option<&Condition>,
) -> UpdateOutcome {
    let current = items.get(key);
    if !check(condition, current) {
        return UpdateOutcome::ConditionFailed { current: current.cloned() };
    }
    let updated = apply(current, key, update);
    items.insert(key.clone(), updated.clone());
    UpdateOutcome::Updated(updated)
}

fn compare(actual: &AttrValue, expected: &AttrValue) -> Option<Ordering> {
    match (actual, expected) {
        (AttrValue::N(a), AttrValue::N(b)) => a.parse::<f64>().ok()?.partial_cmp(&b.parse::<f64>().ok()?),
        (AttrValue::S(a), AttrValue::S(b)) => Some(a.cmp(b)),
        (a, b) if a == b => Some(Ordering::Equal),
        _ => None,
    }
}

/// DynamoDB's semantics: a comparison with a missing attribute, or across types, is false.
fn holds(condition: &Condition, item: Option<&Item>) -> bool {
    let attribute = |name: &str| item.and_then(|i| i.get(name));
    match condition {
        Condition::ItemNotExists => item.is_none(),
        Condition::ItemExists => item.is_some(),
        Condition::AttributeExists(name) => attribute(name).is_some(),
        Condition::AttributeNotExists(name) => attribute(name).is_none(),
        Condition::Compare { attribute: name, op, value } => {
            let Some(actual) = attribute(name) else { return false };
            match (op, compare(actual, value)) {
                (CompareOp::Eq, ordering) => ordering == Some(Ordering::Equal),
                (CompareOp::Ne, ordering) => ordering != Some(Ordering::Equal),
                (_, None) => false,
                (CompareOp::Lt, Some(o)) => o == Ordering::Less,
                (CompareOp::Le, Some(o)) => o != Ordering::Greater,
                (CompareOp::Gt, Some(o)) => o == Ordering::Greater,
                (CompareOp::Ge, Some(o)) => o != Ordering::Less,
            }
        }
        Condition::And(parts) => parts.iter().all(|p| holds(p, item)),
        Condition::Or(parts) => parts.iter().any(|p| holds(p, item)),
        Condition::Not(inner) => !holds(inner, item),
    }
}

fn apply(existing: Option<&Item>, key: &Key, update: &Update) -> Item {
    let mut item = existing.cloned().unwrap_or_else(|| Item::new(key));
    for (name, value) in &update.set {
        item.set(name, value.clone());
    }
    for (name, value) in &update.set_if_missing {
        if item.get(name).is_none() {
            item.set(name, value.clone());
        }
    }
    for (name, delta) in &update.add {
        let current = item.i64(name).unwrap_or(0);
        item.set(name, AttrValue::n(current + delta));
    }
    for name in &update.remove {
        item.0.remove(name);
    }
    item
}

fn check(condition: Option<&Condition>, current: Option<&Item>) -> bool {
    condition.is_none_or(|c| holds(c, current))
}

#[async_trait]
impl Store for InMemoryStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, PortError> {
        self.outage.check("dynamodb", "GetItem")?;
        Ok(lock(&self.items).get(key).cloned())
    }

    async fn put(&self, item: &Item, condition: Option<&Condition>) -> Result<WriteOutcome, PortError> {
        self.outage.check("dynamodb", "PutItem")?;
        let key = item.key().ok_or_else(|| {
            PortError::new("dynamodb", "PutItem", PortErrorKind::Rejected, format!("item lacks {PK} or {SK}"))
        })?;
        let mut items = lock(&self.items);
        let current = items.get(&key);
        if !check(condition, current) {
            return Ok(WriteOutcome::ConditionFailed { current: current.cloned() });
        }
        items.insert(key, item.clone());
        Ok(WriteOutcome::Written)
    }

    async fn update(
        &self,
        key: &Key,
        update: &Update,
        condition: Option<&Condition>,
    ) -> Result<UpdateOutcome, PortError> {
        self.outage.check("dynamodb", "UpdateItem")?;
        let repeat = self.take_interleaving(|i| *i == Interleaving::RepeatNextUpdate).is_some();
        let mut items = lock(&self.items);
        if repeat {
            update_in(&mut items, key, update, condition);
        }
        Ok(update_in(&mut items, key, update, condition))
    }

    async fn delete(&self, key: &Key, condition: Option<&Condition>) -> Result<WriteOutcome, PortError> {
        self.outage.check("dynamodb", "DeleteItem")?;
        let rival = self.take_interleaving(|i| matches!(i, Interleaving::PutBeforeNextDelete(_)));
        let mut items = lock(&self.items);
        if let Some(Interleaving::PutBeforeNextDelete(item)) = rival
            && let Some(rival_key) = item.key()
        {
            items.insert(rival_key, item);
        }
        let current = items.get(key);
        if !check(condition, current) {
            return Ok(WriteOutcome::ConditionFailed { current: current.cloned() });
        }
        items.remove(key);
        Ok(WriteOutcome::Written)
    }

    async fn query(&self, pk: &str, sk_prefix: &str, limit: u32, newest_first: bool) -> Result<Vec<Item>, PortError> {
        self.outage.check("dynamodb", "Query")?;
        let items = lock(&self.items);
        let matching =
            items.iter().filter(|(k, _)| k.pk == pk && k.sk.starts_with(sk_prefix)).map(|(_, item)| item.clone());
        let ordered: Vec<Item> = if newest_first { matching.rev().collect() } else { matching.collect() };
        Ok(ordered.into_iter().take(limit as usize).collect())
    }
}
