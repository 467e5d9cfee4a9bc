use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::logging::Secret;
use crate::ports::{
    CreateOutcome, DeleteOutcome, DirectoryUser, LinkOutcome, PortError, PortErrorKind, ProviderUser,
    SearchableAttribute, UserDirectory, UserPage, UserStatus,
};

/// A user pool in memory (one pool: the pool id is not checked). Records links and group
/// memberships.
#[derive(Debug, Default)]
pub struct FakeDirectory {
    users: Mutex<Vec<DirectoryUser>>,
    links: Mutex<Vec<(String, ProviderUser)>>,
    groups: Mutex<BTreeMap<String, Vec<String>>>,
    outage: Outage,
    /// Failures the next ListUsers pages answer with, first to last (throttling, say).
    page_failures: Mutex<Vec<PortErrorKind>>,
    pages_listed: Mutex<u32>,
}

impl FakeDirectory {
    pub fn with_users(users: Vec<DirectoryUser>) -> Self {
        Self { users: Mutex::new(users), ..Self::default() }
    }

    /// Adds the user, or replaces the one of that name (user names are unique in a pool).
    pub fn insert(&self, user: DirectoryUser) {
        let mut users = lock(&self.users);
        users.retain(|u| u.username != user.username);
        users.push(user);
    }

    pub fn users(&self) -> Vec<DirectoryUser> {
        lock(&self.users).clone()
    }

    /// (destination user name, linked identity) pairs.
    pub fn links(&self) -> Vec<(String, ProviderUser)> {
        lock(&self.links).clone()
    }

    pub fn groups_of(&self, username: &str) -> Vec<String> {
        lock(&self.groups).get(username).cloned().unwrap_or_default()
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }

    /// The next `list_users_page` calls fail with these kinds, one call each, in order.
    pub fn fail_next_pages(&self, kinds: &[PortErrorKind]) {
        lock(&self.page_failures).extend_from_slice(kinds);
    }

    /// How many `list_users_page` calls were made (failed ones included).
    pub fn pages_listed(&self) -> u32 {
        *lock(&self.pages_listed)
    }
}

fn value_of(user: &DirectoryUser, attribute: SearchableAttribute) -> Option<&str> {
    match attribute {
        SearchableAttribute::Username => Some(&user.username),
        other => user.attribute(other.as_str()),
    }
}

#[async_trait]
impl UserDirectory for FakeDirectory {
    async fn find_by_attribute(
        &self,
        _pool: &str,
        attribute: SearchableAttribute,
        value: &str,
    ) -> Result<Vec<DirectoryUser>, PortError> {
        self.outage.check("cognito-idp", "ListUsers")?;
        Ok(lock(&self.users)
            .iter()
            .filter(|u| value_of(u, attribute).is_some_and(|v| v.eq_ignore_ascii_case(value)))
            .cloned()
            .collect())
    }

    async fn get_user(&self, _pool: &str, username: &str) -> Result<Option<DirectoryUser>, PortError> {
        self.outage.check("cognito-idp", "AdminGetUser")?;
        // As Cognito resolves a name: the user name, else a verified e-mail (any case) or phone alias.
        let users = lock(&self.users);
        let alias = |user: &&DirectoryUser| {
            (user.attribute("email").is_some_and(|email| email.eq_ignore_ascii_case(username))
                && user.is_true("email_verified"))
                || (user.attribute("phone_number") == Some(username) && user.is_true("phone_number_verified"))
        };
        Ok(users.iter().find(|u| u.username == username).or_else(|| users.iter().find(alias)).cloned())
    }

    async fn delete_user(&self, _pool: &str, username: &str) -> Result<DeleteOutcome, PortError> {
        self.outage.check("cognito-idp", "AdminDeleteUser")?;
        let mut users = lock(&self.users);
        let before = users.len();
        users.retain(|u| u.username != username);
        Ok(if users.len() < before { DeleteOutcome::Deleted } else { DeleteOutcome::NotFound })
    }

    async fn create_user(
        &self,
        _pool: &str,
        username: &str,
        attributes: &[(String, String)],
        _password: &Secret<String>,
    ) -> Result<CreateOutcome, PortError> {
        self.outage.check("cognito-idp", "AdminCreateUser")?;
        let mut users = lock(&self.users);
        if users.iter().any(|u| u.username == username) {
            return Ok(CreateOutcome::AlreadyExists);
        }
        let mut attributes: BTreeMap<String, String> = attributes.iter().cloned().collect();
        attributes.entry("sub".to_owned()).or_insert_with(|| format!("sub-{username}"));
        let user = DirectoryUser {
            username: username.to_owned(),
            status: UserStatus::Confirmed,
            enabled: true,
            created_at: None,
            attributes,
        };
        users.push(user.clone());
        Ok(CreateOutcome::Created(user))
    }

    async fn link_provider(
        &self,
        _pool: &str,
        destination: &str,
        source: &ProviderUser,
    ) -> Result<LinkOutcome, PortError> {
        self.outage.check("cognito-idp", "AdminLinkProviderForUser")?;
        let mut links = lock(&self.links);
        if links.iter().any(|(d, s)| d == destination && s == source) {
            return Ok(LinkOutcome::AlreadyLinked);
        }
        links.push((destination.to_owned(), source.clone()));
        Ok(LinkOutcome::Linked)
    }

    async fn update_attributes(
        &self,
        _pool: &str,
        username: &str,
        attributes: &[(String, String)],
    ) -> Result<(), PortError> {
        self.outage.check("cognito-idp", "AdminUpdateUserAttributes")?;
        let mut users = lock(&self.users);
        let user = users.iter_mut().find(|u| u.username == username).ok_or_else(|| {
            PortError::new("cognito-idp", "AdminUpdateUserAttributes", PortErrorKind::Rejected, "User does not exist.")
        })?;
        for (name, value) in attributes {
            user.attributes.insert(name.clone(), value.clone());
        }
        Ok(())
    }

    async fn add_to_group(&self, _pool: &str, username: &str, group: &str) -> Result<(), PortError> {
        self.outage.check("cognito-idp", "AdminAddUserToGroup")?;
        let mut groups = lock(&self.groups);
        let list = groups.entry(username.to_owned()).or_default();
        if !list.iter().any(|g| g == group) {
            list.push(group.to_owned());
        }
        Ok(())
    }

    /// Pages in insertion order; the token is the offset of the page (`"page-<offset>"`), so
    /// a page listed twice is the same page, as with Cognito's tokens.
    async fn list_users_page(&self, _pool: &str, page_token: Option<&str>, limit: u32) -> Result<UserPage, PortError> {
        *lock(&self.pages_listed) += 1;
        self.outage.check("cognito-idp", "ListUsers")?;
        {
            let mut failures = lock(&self.page_failures);
            if !failures.is_empty() {
                let kind = failures.remove(0);
                return Err(PortError::new("cognito-idp", "ListUsers", kind, "injected page failure"));
            }
        }
        let start = match page_token {
            None => 0,
            Some(token) => token.strip_prefix("page-").and_then(|n| n.parse::<usize>().ok()).ok_or_else(|| {
                PortError::new("cognito-idp", "ListUsers", PortErrorKind::Rejected, "invalid pagination token")
            })?,
        };
        let users = lock(&self.users);
        let limit = limit.clamp(1, 60) as usize;
        let end = (start + limit).min(users.len());
        Ok(UserPage {
            users: users.get(start..end).map(<[DirectoryUser]>::to_vec).unwrap_or_default(),
            next_token: (end < users.len()).then(|| format!("page-{end}")),
        })
    }

    async fn estimated_user_count(&self, _pool: &str) -> Result<Option<u64>, PortError> {
        self.outage.check("cognito-idp", "DescribeUserPool")?;
        Ok(Some(lock(&self.users).len() as u64))
    }
}
