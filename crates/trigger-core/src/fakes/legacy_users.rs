use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::ports::{LegacyUser, LegacyUsers, PortError, PortErrorKind};

/// A legacy user table in memory, keyed by the name as given (the caller normalises it); counts
/// its reads.
#[derive(Debug, Default)]
pub struct InMemoryLegacyUsers {
    rows: Mutex<BTreeMap<String, LegacyUser>>,
    reads: Mutex<usize>,
    outage: Outage,
    /// Whether the table has an e-mail index (`usernames_with_email` answers only then).
    email_index: bool,
}

impl InMemoryLegacyUsers {
    pub fn with_rows(rows: Vec<LegacyUser>) -> Self {
        let table = Self::default();
        for row in rows {
            table.insert(row);
        }
        table
    }

    /// The table with an index on the rows' address (`attributes.email`, lower-cased).
    #[must_use]
    pub fn with_email_index(mut self) -> Self {
        self.email_index = true;
        self
    }

    pub fn insert(&self, row: LegacyUser) {
        lock(&self.rows).insert(row.username.clone(), row);
    }

    pub fn reads(&self) -> usize {
        *lock(&self.reads)
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }
}

#[async_trait]
impl LegacyUsers for InMemoryLegacyUsers {
    async fn get(&self, username: &str) -> Result<Option<LegacyUser>, PortError> {
        *lock(&self.reads) += 1;
        self.outage.check("dynamodb", "GetItem")?;
        Ok(lock(&self.rows).get(username).cloned())
    }

    async fn usernames_with_email(&self, address: &str) -> Result<Option<Vec<String>>, PortError> {
        if !self.email_index {
            return Ok(None);
        }
        *lock(&self.reads) += 1;
        self.outage.check("dynamodb", "Query")?;
        let held = |row: &&LegacyUser| row.attributes.get("email").is_some_and(|email| email.to_lowercase() == address);
        Ok(Some(lock(&self.rows).values().filter(held).map(|row| row.username.clone()).collect()))
    }
}
