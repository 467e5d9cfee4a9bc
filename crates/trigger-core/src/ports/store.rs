//! The store port: one DynamoDB table with string keys `pk` and `sk` and the TTL attribute
//! `expiresAt` (see docs/architecture.md for the data model).
//!
//! Conditions and updates are small typed values rather than expression strings, so the in-memory
//! fake can evaluate exactly what the DynamoDB adapter sends, and a lost condition comes back as
//! [`WriteOutcome::ConditionFailed`] / [`UpdateOutcome::ConditionFailed`] with the item that won.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;

use super::PortError;

/// The partition key attribute.
pub const PK: &str = "pk";
/// The sort key attribute.
pub const SK: &str = "sk";
/// The TTL attribute (epoch seconds). DynamoDB deletes expired items lazily, up to days later:
/// readers must treat an item whose `expiresAt` has passed as absent ([`Item::is_expired`]).
pub const EXPIRES_AT: &str = "expiresAt";

/// An attribute value. Numbers keep DynamoDB's decimal text; read them with [`AttrValue::as_i64`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrValue {
    S(String),
    N(String),
    Bool(bool),
    Null,
    L(Vec<AttrValue>),
    M(BTreeMap<String, AttrValue>),
    Ss(BTreeSet<String>),
}

impl AttrValue {
    pub fn s(value: impl Into<String>) -> Self {
        Self::S(value.into())
    }

    pub fn n(value: i64) -> Self {
        Self::N(value.to_string())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::S(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::N(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

/// An item: attribute name → value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item(pub BTreeMap<String, AttrValue>);

impl Item {
    /// A new item with its key set.
    pub fn new(key: &Key) -> Self {
        let mut item = Self::default();
        item.set(PK, AttrValue::s(&key.pk));
        item.set(SK, AttrValue::s(&key.sk));
        item
    }

    pub fn with(mut self, name: &str, value: AttrValue) -> Self {
        self.set(name, value);
        self
    }

    pub fn set(&mut self, name: &str, value: AttrValue) {
        self.0.insert(name.to_owned(), value);
    }

    pub fn get(&self, name: &str) -> Option<&AttrValue> {
        self.0.get(name)
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(AttrValue::as_str)
    }

    pub fn i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(AttrValue::as_i64)
    }

    pub fn key(&self) -> Option<Key> {
        Some(Key::new(self.str(PK)?, self.str(SK)?))
    }

    /// True when the item carries an `expiresAt` at or before `now_epoch_seconds`.
    pub fn is_expired(&self, now_epoch_seconds: i64) -> bool {
        self.i64(EXPIRES_AT).is_some_and(|at| at <= now_epoch_seconds)
    }
}

/// A primary key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }
}

/// A comparison in a [`Condition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A condition on the item as it is before the write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// No item with this key exists (`attribute_not_exists(pk)`).
    ItemNotExists,
    /// An item with this key exists.
    ItemExists,
    AttributeExists(String),
    AttributeNotExists(String),
    Compare {
        attribute: String,
        op: CompareOp,
        value: AttrValue,
    },
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
}

impl Condition {
    pub fn compare(attribute: &str, op: CompareOp, value: AttrValue) -> Self {
        Self::Compare { attribute: attribute.to_owned(), op, value }
    }

    pub fn equals(attribute: &str, value: AttrValue) -> Self {
        Self::compare(attribute, CompareOp::Eq, value)
    }

    /// The item is missing, or it has expired by `now_epoch_seconds` (TTL deletion is lazy).
    pub fn absent_or_expired(now_epoch_seconds: i64) -> Self {
        Self::Or(vec![Self::ItemNotExists, Self::compare(EXPIRES_AT, CompareOp::Le, AttrValue::n(now_epoch_seconds))])
    }
}

/// An atomic update of one item. Applied all at once by DynamoDB; creates the item when missing
/// (unless a condition says otherwise).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Update {
    /// `SET name = value`.
    pub set: Vec<(String, AttrValue)>,
    /// `SET name = if_not_exists(name, value)`.
    pub set_if_missing: Vec<(String, AttrValue)>,
    /// `ADD name delta` on a number (a missing attribute counts as 0).
    pub add: Vec<(String, i64)>,
    /// `REMOVE name`.
    pub remove: Vec<String>,
}

impl Update {
    pub fn set(mut self, name: &str, value: AttrValue) -> Self {
        self.set.push((name.to_owned(), value));
        self
    }

    pub fn set_if_missing(mut self, name: &str, value: AttrValue) -> Self {
        self.set_if_missing.push((name.to_owned(), value));
        self
    }

    pub fn add(mut self, name: &str, delta: i64) -> Self {
        self.add.push((name.to_owned(), delta));
        self
    }

    pub fn remove(mut self, name: &str) -> Self {
        self.remove.push(name.to_owned());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.set_if_missing.is_empty() && self.add.is_empty() && self.remove.is_empty()
    }
}

/// What a conditional put or delete did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    /// The condition did not hold; `current` is the item as the store had it (None if absent).
    ConditionFailed {
        current: Option<Item>,
    },
}

/// What a conditional update did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The item as it is after the update.
    Updated(Item),
    /// The condition did not hold; `current` is the item as the store had it (None if absent).
    ConditionFailed { current: Option<Item> },
}

/// The table. Reads are strongly consistent: the triggers decide on what they read.
#[async_trait]
pub trait Store: Send + Sync {
    async fn get(&self, key: &Key) -> Result<Option<Item>, PortError>;

    /// Writes the whole item (which carries its key) if `condition` holds.
    async fn put(&self, item: &Item, condition: Option<&Condition>) -> Result<WriteOutcome, PortError>;

    /// Applies `update` atomically if `condition` holds, and returns the new item.
    async fn update(
        &self,
        key: &Key,
        update: &Update,
        condition: Option<&Condition>,
    ) -> Result<UpdateOutcome, PortError>;

    /// Deletes the item if `condition` holds. Deleting a missing item without a condition succeeds.
    async fn delete(&self, key: &Key, condition: Option<&Condition>) -> Result<WriteOutcome, PortError>;

    /// Items of one partition whose sort key starts with `sk_prefix`, in sort-key order (newest
    /// first when `newest_first`), at most `limit`.
    async fn query(&self, pk: &str, sk_prefix: &str, limit: u32, newest_first: bool) -> Result<Vec<Item>, PortError>;
}
