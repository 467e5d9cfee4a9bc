//! The user directory port (Cognito user-pool admin APIs in production).

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::PortError;
use crate::logging::Secret;

/// Attributes ListUsers can filter on (standard attributes only; custom ones are not searchable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchableAttribute {
    Username,
    Email,
    PhoneNumber,
    Name,
    GivenName,
    FamilyName,
    PreferredUsername,
    CognitoUserStatus,
    Status,
    Sub,
}

impl SearchableAttribute {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::PhoneNumber => "phone_number",
            Self::Name => "name",
            Self::GivenName => "given_name",
            Self::FamilyName => "family_name",
            Self::PreferredUsername => "preferred_username",
            Self::CognitoUserStatus => "cognito:user_status",
            Self::Status => "status",
            Self::Sub => "sub",
        }
    }
}

/// Cognito's user status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserStatus {
    Unconfirmed,
    Confirmed,
    ExternalProvider,
    ForceChangePassword,
    ResetRequired,
    Archived,
    Compromised,
    Unknown(String),
}

impl UserStatus {
    pub fn parse(text: &str) -> Self {
        match text {
            "UNCONFIRMED" => Self::Unconfirmed,
            "CONFIRMED" => Self::Confirmed,
            "EXTERNAL_PROVIDER" => Self::ExternalProvider,
            "FORCE_CHANGE_PASSWORD" => Self::ForceChangePassword,
            "RESET_REQUIRED" => Self::ResetRequired,
            "ARCHIVED" => Self::Archived,
            "COMPROMISED" => Self::Compromised,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

/// A user as the directory returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryUser {
    pub username: String,
    pub status: UserStatus,
    pub enabled: bool,
    /// Creation time, epoch seconds, when the directory gives it.
    pub created_at: Option<i64>,
    pub attributes: BTreeMap<String, String>,
}

impl DirectoryUser {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    pub fn sub(&self) -> Option<&str> {
        self.attribute("sub")
    }

    /// `attribute` is present and `"true"` (`email_verified`, `phone_number_verified`).
    pub fn is_true(&self, attribute: &str) -> bool {
        self.attribute(attribute).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// The identities linked to this user (its `identities` attribute).
    pub fn linked_identities(&self) -> Vec<ProviderUser> {
        self.attribute("identities").map(linked_identities).unwrap_or_default()
    }
}

/// The identities in a user's `identities` attribute (a JSON array of objects with
/// `providerName` and `userId`); anything that is not such an array reads as none.
pub fn linked_identities(attribute: &str) -> Vec<ProviderUser> {
    let Ok(serde_json::Value::Array(list)) = serde_json::from_str::<serde_json::Value>(attribute) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|identity| {
            Some(ProviderUser {
                provider_name: identity.get("providerName")?.as_str()?.to_owned(),
                provider_user_id: identity.get("userId")?.as_str()?.to_owned(),
            })
        })
        .collect()
}

/// One page of the pool's users (ListUsers without a filter) and the token of the next page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<DirectoryUser>,
    /// `None` after the last page.
    pub next_token: Option<String>,
}

/// A federated identity to link: `ProviderName` / `Cognito_Subject` / the provider's user id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderUser {
    /// Cognito's spelling of the provider: `Google`, `Facebook`, `SignInWithApple`,
    /// `LoginWithAmazon`, or a SAML/OIDC provider's configured name.
    pub provider_name: String,
    /// The provider's id for the user (the part of the federated user name after the `_`).
    pub provider_user_id: String,
}

/// What a link call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkOutcome {
    Linked,
    /// The identity was linked to this user already (a retried trigger).
    AlreadyLinked,
}

/// What a create call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreateOutcome {
    Created(DirectoryUser),
    /// A user with this name exists already (a retried trigger).
    AlreadyExists,
}

/// What a delete call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    NotFound,
}

#[async_trait]
pub trait UserDirectory: Send + Sync {
    /// Users whose `attribute` equals `value` exactly (case-insensitively, as Cognito compares),
    /// across every page of ListUsers.
    async fn find_by_attribute(
        &self,
        user_pool_id: &str,
        attribute: SearchableAttribute,
        value: &str,
    ) -> Result<Vec<DirectoryUser>, PortError>;

    async fn get_user(&self, user_pool_id: &str, username: &str) -> Result<Option<DirectoryUser>, PortError>;

    async fn delete_user(&self, user_pool_id: &str, username: &str) -> Result<DeleteOutcome, PortError>;

    /// Creates a CONFIRMED user with these attributes and `password` as its permanent password,
    /// sending no message. (Cognito runs the pre sign-up trigger for it, as `AdminCreateUser`.)
    async fn create_user(
        &self,
        user_pool_id: &str,
        username: &str,
        attributes: &[(String, String)],
        password: &Secret<String>,
    ) -> Result<CreateOutcome, PortError>;

    /// Links `source` to the existing user `destination_username`. Linking an identity that is
    /// already linked to that user is [`LinkOutcome::AlreadyLinked`], not an error.
    async fn link_provider(
        &self,
        user_pool_id: &str,
        destination_username: &str,
        source: &ProviderUser,
    ) -> Result<LinkOutcome, PortError>;

    async fn update_attributes(
        &self,
        user_pool_id: &str,
        username: &str,
        attributes: &[(String, String)],
    ) -> Result<(), PortError>;

    async fn add_to_group(&self, user_pool_id: &str, username: &str, group: &str) -> Result<(), PortError>;

    /// One page of every user in the pool, in the directory's order: at most `limit` users (ListUsers
    /// caps it at 60), starting at `page_token` (`None`: the first page). Used by the operator's
    /// backfill, never by a trigger (ListUsers has a fixed 30 requests/s quota per account). The
    /// default body is for test doubles that do not list.
    async fn list_users_page(
        &self,
        user_pool_id: &str,
        page_token: Option<&str>,
        limit: u32,
    ) -> Result<UserPage, PortError> {
        let _ = (user_pool_id, page_token, limit);
        Err(PortError::new(
            "cognito-idp",
            "ListUsers",
            super::PortErrorKind::Rejected,
            "this directory does not list users",
        ))
    }

    /// Cognito's estimate of the pool's user count (DescribeUserPool), for a progress bar; `None`
    /// when the directory has none. The default body is for test doubles.
    async fn estimated_user_count(&self, user_pool_id: &str) -> Result<Option<u64>, PortError> {
        let _ = user_pool_id;
        Ok(None)
    }
}

/// One user by name or alias (`AdminGetUser`), for a trigger that needs nothing else of the
/// directory. Every [`UserDirectory`] is one. Holding `dyn UserLookup` rather than
/// `dyn UserDirectory` keeps the other operations' client code out of the binary: a trait object's
/// vtable links every method of its trait (user-migration's arm64 zip was ~20 KB over 3 MB with
/// the whole directory).
#[async_trait]
pub trait UserLookup: Send + Sync {
    /// The user `username` names: its user name, or an alias Cognito resolves.
    async fn lookup_user(&self, user_pool_id: &str, username: &str) -> Result<Option<DirectoryUser>, PortError>;
}

#[async_trait]
impl<T: UserDirectory + ?Sized> UserLookup for T {
    async fn lookup_user(&self, user_pool_id: &str, username: &str) -> Result<Option<DirectoryUser>, PortError> {
        self.get_user(user_pool_id, username).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_identities_are_read_from_the_attribute_and_garbage_is_none() {
        let text = r#"[{"userId":"1089","providerName":"Google","providerType":"Google","primary":false}]"#;
        assert_eq!(
            linked_identities(text),
            [ProviderUser { provider_name: "Google".into(), provider_user_id: "1089".into() }]
        );
        for garbage in ["", "null", "[]", "{}", "[{\"userId\":1}]", "not json"] {
            assert!(linked_identities(garbage).is_empty(), "{garbage}");
        }
    }
}
