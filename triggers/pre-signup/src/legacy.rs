//! The squatting guard: while user-migration still moves users in from a legacy table or an old
//! user pool, a sign-up must not take what a legacy user holds. A native sign-up under a legacy
//! user name takes that name for good (the legacy user can never migrate); an unconfirmed sign-up
//! with a legacy user's address or phone number blocks that user's migration, whose reservation of
//! it is refused while the sign-up holds it.
//!
//! This module only asks: [`lookup`] says which value a legacy store holds, and the sign-up
//! branch decides. The stores are user-migration's, named by the same variables
//! (`LEGACY_USERS_TABLE`, `OLD_USER_POOL_ID`); `LEGACY_USERS_EMAIL_INDEX` lets the table be asked
//! for an address that is not its key.

use std::sync::Arc;

use trigger_core::aws::Aws;
use trigger_core::lockout::NameRule;
use trigger_core::ports::{
    DirectoryUser, LegacyUsers, PortError, PortErrorKind, SearchableAttribute, UserDirectory, UserStatus,
};

use crate::Held;
use crate::email::Email;
use crate::settings::LegacyBackends;

/// user-migration's backends, as ports. Both absent by default: no migration runs.
#[derive(Clone, Default)]
pub struct LegacyStores {
    pub table: Option<Arc<dyn LegacyUsers>>,
    pub old_pool: Option<OldPoolUsers>,
}

/// The old pool's users, read with the directory port (AdminGetUser, ListUsers) on a client for
/// its Region. Not user-migration's `OldUserPool` port: the guard never signs anyone in, and
/// wiring that adapter would link its AdminInitiateAuth into this binary (27 KB of a zip that has
/// 16 KB to spare under 3 MB).
#[derive(Clone)]
pub struct OldPoolUsers {
    pub directory: Arc<dyn UserDirectory>,
    pub user_pool_id: String,
}

impl LegacyStores {
    pub fn from_settings(backends: &LegacyBackends, aws: &Aws) -> Self {
        let table = backends.table.as_ref().map(|table| {
            let adapter = aws.legacy_users(table.clone());
            let adapter = match &backends.email_index {
                Some(index) => adapter.with_email_index(index.clone()),
                None => adapter,
            };
            Arc::new(adapter) as Arc<dyn LegacyUsers>
        });
        let old_pool = backends.old_pool.as_ref().map(|old| OldPoolUsers {
            directory: Arc::new(aws.directory_in(&old.region)),
            user_pool_id: old.user_pool_id.clone(),
        });
        Self { table, old_pool }
    }

    pub fn is_configured(&self) -> bool {
        self.table.is_some() || self.old_pool.is_some()
    }
}

/// A sign-up's values, as the event has them.
#[derive(Clone, Copy, Debug)]
pub struct Values<'a> {
    pub user_name: &'a str,
    /// The `email` attribute as typed, and the address as compared (trimmed, lower-cased).
    pub email: Option<(&'a str, &'a Email)>,
    /// Already normalised (trimmed).
    pub phone: Option<&'a str>,
}

impl Values<'_> {
    /// What a hit on the user name means: the address, when the user name is the address (pools
    /// whose users sign up with their address as their name), else the user name.
    fn name_means(&self, rule: NameRule) -> Held {
        let is_address = self.email.is_some_and(|(typed, email)| {
            rule.normalise(self.user_name) == rule.normalise(typed)
                || self.user_name.trim().to_lowercase() == email.address()
        });
        if is_address { Held::Email } else { Held::UserName }
    }
}

/// The first value a legacy store holds (user name, then e-mail address, then phone number), or
/// `None`. Every configured store is asked, the table first, then the old pool (one after the
/// other: a few reads, and less code than asking side by side); a store that fails is an error
/// only when no other store holds a value (a refusal needs no more).
pub async fn lookup(stores: &LegacyStores, rule: NameRule, values: Values<'_>) -> Result<Option<Held>, PortError> {
    let table = match &stores.table {
        Some(table) => in_table(table.as_ref(), rule, values).await,
        None => Ok(None),
    };
    let pool = match &stores.old_pool {
        Some(pool) => in_old_pool(pool, rule, values).await,
        None => Ok(None),
    };
    match (table, pool) {
        (Ok(a), Ok(b)) => Ok(first(a, b)),
        (Ok(Some(held)), Err(_)) | (Err(_), Ok(Some(held))) => Ok(Some(held)),
        (Err(err), _) | (_, Err(err)) => Err(err),
    }
}

/// The more telling of two answers: a user name before an address before a phone number.
fn first(a: Option<Held>, b: Option<Held>) -> Option<Held> {
    let rank = |held: &Held| match held {
        Held::UserName => 0,
        Held::Email => 1,
        Held::Phone => 2,
    };
    a.into_iter().chain(b).min_by_key(rank)
}

/// The keys the table is asked for, each with what it would mean: the user name under the pool's
/// rule (user-migration reads the table by the name a person types, in that form), and the address
/// as the key of a user who signs in with it (as typed under the rule, and lower-cased).
pub fn table_keys(rule: NameRule, values: Values<'_>) -> Vec<(String, Held)> {
    let mut keys = vec![(rule.normalise(values.user_name), values.name_means(rule))];
    if let Some((typed, email)) = values.email {
        keys.push((rule.normalise(typed), Held::Email));
        keys.push((email.address().to_owned(), Held::Email));
    }
    let mut unique: Vec<(String, Held)> = Vec::new();
    for (key, held) in keys {
        if !key.is_empty() && !unique.iter().any(|(k, _)| *k == key) {
            unique.push((key, held));
        }
    }
    unique
}

async fn in_table(table: &dyn LegacyUsers, rule: NameRule, values: Values<'_>) -> Result<Option<Held>, PortError> {
    for (key, held) in table_keys(rule, values) {
        if table.get(&key).await?.is_some() {
            return Ok(Some(held));
        }
    }
    if let Some((_, email)) = values.email {
        // `None`: no index configured; then only keys were asked (documented).
        if table.usernames_with_email(email.address()).await?.is_some_and(|names| !names.is_empty()) {
            return Ok(Some(Held::Email));
        }
    }
    Ok(None)
}

/// An old-pool user that user-migration could still move in (enabled; confirmed, or with a
/// password to reset): the only kind whose values are kept free. A federated, unconfirmed or
/// disabled old-pool user can never migrate, so holds nothing.
fn could_migrate(user: &DirectoryUser) -> bool {
    user.enabled
        && matches!(user.status, UserStatus::Confirmed | UserStatus::ResetRequired | UserStatus::ForceChangePassword)
}

async fn in_old_pool(pool: &OldPoolUsers, rule: NameRule, values: Values<'_>) -> Result<Option<Held>, PortError> {
    let (directory, id) = (pool.directory.as_ref(), pool.user_pool_id.as_str());
    let name = values.user_name.trim();
    if !name.is_empty() && directory.get_user(id, name).await?.as_ref().is_some_and(could_migrate) {
        return Ok(Some(values.name_means(rule)));
    }
    if let Some((_, email)) = values.email {
        let holders = directory.find_by_attribute(id, SearchableAttribute::Email, email.address()).await?;
        if holders.iter().any(could_migrate) {
            return Ok(Some(Held::Email));
        }
    }
    if let Some(phone) = values.phone {
        let holders = directory.find_by_attribute(id, SearchableAttribute::PhoneNumber, phone).await?;
        if holders.iter().any(could_migrate) {
            return Ok(Some(Held::Phone));
        }
    }
    Ok(None)
}

/// The error a lookup that outlived its share of the budget becomes (the failure policy applies).
pub fn timed_out() -> PortError {
    PortError::new("legacy", "Lookup", PortErrorKind::Timeout, "legacy stores not answered within the budget")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use trigger_core::fakes::{FakeDirectory, InMemoryLegacyUsers};
    use trigger_core::ports::LegacyUser;

    use super::*;

    fn row(key: &str, email: &str) -> LegacyUser {
        LegacyUser {
            username: key.into(),
            password_hash: None,
            attributes: BTreeMap::from([("email".to_owned(), email.to_owned())]),
        }
    }

    fn old_user(name: &str, email: &str, phone: &str, status: UserStatus) -> DirectoryUser {
        DirectoryUser {
            username: name.into(),
            status,
            enabled: true,
            created_at: None,
            attributes: BTreeMap::from([
                ("email".to_owned(), email.to_owned()),
                ("phone_number".to_owned(), phone.to_owned()),
            ]),
        }
    }

    fn stores(table: Option<InMemoryLegacyUsers>, pool: Option<FakeDirectory>) -> LegacyStores {
        LegacyStores {
            table: table.map(|t| Arc::new(t) as Arc<dyn LegacyUsers>),
            old_pool: pool.map(|p| OldPoolUsers { directory: Arc::new(p), user_pool_id: "eu-west-1_Old".into() }),
        }
    }

    async fn held(stores: &LegacyStores, rule: NameRule, name: &str, email: &str, phone: Option<&str>) -> Option<Held> {
        let address = Email::parse(email);
        let values = Values { user_name: name, email: address.as_ref().map(|a| (email, a)), phone };
        lookup(stores, rule, values).await.unwrap()
    }

    #[tokio::test]
    async fn the_table_is_asked_for_the_name_under_the_pools_rule_and_for_the_address_as_a_key() {
        let table = InMemoryLegacyUsers::with_rows(vec![
            row("alice", "alice@old.example"),
            row("bob@old.example", "bob@old.example"),
        ]);
        let stores = stores(Some(table), None);
        let sensitive = NameRule::CaseSensitive;
        assert_eq!(held(&stores, sensitive, "alice", "new@example.com", None).await, Some(Held::UserName));
        assert_eq!(held(&stores, sensitive, "Alice", "new@example.com", None).await, None, "another user there");
        assert_eq!(
            held(&stores, NameRule::CaseInsensitive, " Alice ", "new@example.com", None).await,
            Some(Held::UserName)
        );
        assert_eq!(held(&stores, sensitive, "new", "Bob@Old.Example", None).await, Some(Held::Email));
        assert_eq!(held(&stores, sensitive, "new", "alice@old.example", None).await, None, "no index: keys only");
        assert_eq!(
            held(&stores, sensitive, "bob@old.example", "bob@old.example", None).await,
            Some(Held::Email),
            "a user name that is the address is told as the address"
        );
    }

    #[tokio::test]
    async fn with_an_email_index_the_table_is_asked_for_any_rows_address() {
        let table = InMemoryLegacyUsers::with_rows(vec![row("alice", "Alice@Old.Example")]).with_email_index();
        let stores = stores(Some(table), None);
        assert_eq!(held(&stores, NameRule::CaseSensitive, "new", "alice@old.example", None).await, Some(Held::Email));
    }

    #[tokio::test]
    async fn the_old_pool_is_asked_for_name_address_and_phone_of_users_that_could_still_migrate() {
        let pool = FakeDirectory::with_users(vec![
            old_user("carol", "carol@old.example", "+14155550100", UserStatus::Confirmed),
            old_user("never", "never@old.example", "+14155550199", UserStatus::Unconfirmed),
        ]);
        let stores = stores(None, Some(pool));
        let rule = NameRule::CaseSensitive;
        assert_eq!(held(&stores, rule, "carol", "x@example.com", None).await, Some(Held::UserName));
        assert_eq!(held(&stores, rule, "x", "CAROL@old.example", None).await, Some(Held::Email));
        assert_eq!(held(&stores, rule, "x", "x@example.com", Some("+14155550100")).await, Some(Held::Phone));
        assert_eq!(held(&stores, rule, "never", "never@old.example", Some("+14155550199")).await, None);
    }

    #[tokio::test]
    async fn a_store_that_fails_is_an_error_unless_another_already_holds_a_value() {
        let table = InMemoryLegacyUsers::with_rows(vec![row("dave", "dave@old.example")]);
        table.set_outage(Some(PortErrorKind::Timeout));
        let pool = FakeDirectory::with_users(vec![old_user("erin", "erin@old.example", "+1", UserStatus::Confirmed)]);
        let stores = stores(Some(table), Some(pool));
        assert_eq!(held(&stores, NameRule::CaseSensitive, "erin", "x@example.com", None).await, Some(Held::UserName));
        let values = Values { user_name: "nobody", email: None, phone: None };
        let err = lookup(&stores, NameRule::CaseSensitive, values).await.unwrap_err();
        assert_eq!(err.kind, PortErrorKind::Timeout);
    }
}
