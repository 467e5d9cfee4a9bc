use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::logging::Secret;
use crate::ports::{
    CreateOutcome, DeleteOutcome, DirectoryUser, LinkOutcome, PortError, PortErrorKind, ProviderUser,
    SearchableAttribute, UserDirectory, UserStatus,
};

/// A user pool in memory (one pool: the pool id is not checked). Records links and group
/// memberships.
#[derive(Debug, Default)]
pub struct FakeDirectory {
    users: Mutex<Vec<DirectoryUser>>,
    links: Mutex<Vec<(String, ProviderUser)>>,
    groups: Mutex<BTreeMap<String, Vec<String>>>,
    outage: Outage,
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
        Ok(lock(&self.users).iter().find(|u| u.username == username).cloned())
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
}
