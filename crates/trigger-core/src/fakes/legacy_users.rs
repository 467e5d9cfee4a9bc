use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::ports::{LegacyUser, LegacyUsers, PortError, PortErrorKind};

/// A legacy user table in memory, keyed by the lower-cased user name; counts its reads.
#[derive(Debug, Default)]
pub struct InMemoryLegacyUsers {
    rows: Mutex<BTreeMap<String, LegacyUser>>,
    reads: Mutex<usize>,
    outage: Outage,
}

impl InMemoryLegacyUsers {
    pub fn with_rows(rows: Vec<LegacyUser>) -> Self {
        let table = Self::default();
        for row in rows {
            table.insert(row);
        }
        table
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
}
