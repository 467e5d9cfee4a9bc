//! [`UserDirectory`] on the Cognito user-pool admin APIs.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::SdkError;
use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
use aws_sdk_cognitoidentityprovider::operation::admin_delete_user::AdminDeleteUserError;
use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserError;
use aws_sdk_cognitoidentityprovider::operation::admin_link_provider_for_user::AdminLinkProviderForUserError;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType, ProviderUserIdentifierType, UserType};

use super::error::{build_error, port_error};
use crate::logging::Secret;
use crate::ports::{
    CreateOutcome, DeleteOutcome, DirectoryUser, LinkOutcome, PortError, ProviderUser, SearchableAttribute,
    UserDirectory, UserPage, UserStatus,
};

const SERVICE: &str = "cognito-idp";
/// ListUsers returns at most 60 users a page.
const PAGE_SIZE: i32 = 60;
/// An exact-match filter rarely spans pages; the bound keeps a pathological pool inside the budget.
const MAX_PAGES: usize = 5;

#[derive(Clone, Debug)]
pub struct CognitoDirectory {
    client: Client,
}

impl CognitoDirectory {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn attribute_types(operation: &'static str, attributes: &[(String, String)]) -> Result<Vec<AttributeType>, PortError> {
    attributes
        .iter()
        .map(|(name, value)| AttributeType::builder().name(name).value(value).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| build_error(SERVICE, operation, e))
}

pub(super) fn attributes(list: &[AttributeType]) -> BTreeMap<String, String> {
    list.iter().filter_map(|a| Some((a.name().to_owned(), a.value()?.to_owned()))).collect()
}

fn user_from_list(user: &UserType) -> DirectoryUser {
    DirectoryUser {
        username: user.username().unwrap_or_default().to_owned(),
        status: UserStatus::parse(user.user_status().map(|s| s.as_str()).unwrap_or_default()),
        enabled: user.enabled(),
        created_at: user.user_create_date().map(|d| d.secs()),
        attributes: attributes(user.attributes()),
    }
}

/// The ListUsers filter for an exact match: `email = "a@b.c"`. Inside the quotes, `\` and `"` are
/// escaped with a backslash, as Cognito specifies, so a crafted value cannot end the string.
pub(crate) fn list_users_filter(attribute: SearchableAttribute, value: &str) -> String {
    let mut filter = String::with_capacity(value.len() + 16);
    filter.push_str(attribute.as_str());
    filter.push_str(" = \"");
    for c in value.chars() {
        if c == '\\' || c == '"' {
            filter.push('\\');
        }
        filter.push(c);
    }
    filter.push('"');
    filter
}

/// Whether a listed user really matches: the emulators differ from Cognito on filters, and a
/// wrong match here would deny or link the wrong person, so the adapter checks again.
fn matches(user: &DirectoryUser, attribute: SearchableAttribute, value: &str) -> bool {
    let actual = match attribute {
        SearchableAttribute::Username => Some(user.username.as_str()),
        SearchableAttribute::CognitoUserStatus | SearchableAttribute::Status => return true,
        other => user.attribute(other.as_str()),
    };
    actual.is_some_and(|a| a.eq_ignore_ascii_case(value))
}

/// The `identities` attribute of a linked user: a JSON array of `{providerName, userId, ...}`.
fn has_identity(user: &DirectoryUser, source: &ProviderUser) -> bool {
    let Some(text) = user.attribute("identities") else { return false };
    let Ok(serde_json::Value::Array(identities)) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    identities.iter().any(|identity| {
        identity.get("providerName").and_then(|v| v.as_str()) == Some(source.provider_name.as_str())
            && identity.get("userId").and_then(|v| v.as_str()) == Some(source.provider_user_id.as_str())
    })
}

#[async_trait]
impl UserDirectory for CognitoDirectory {
    async fn find_by_attribute(
        &self,
        user_pool_id: &str,
        attribute: SearchableAttribute,
        value: &str,
    ) -> Result<Vec<DirectoryUser>, PortError> {
        let filter = list_users_filter(attribute, value);
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .client
                .list_users()
                .user_pool_id(user_pool_id)
                .filter(&filter)
                .limit(PAGE_SIZE)
                .set_pagination_token(token.take())
                .send()
                .await
                .map_err(|e| port_error(SERVICE, "ListUsers", e))?;
            found.extend(page.users().iter().map(user_from_list).filter(|u| matches(u, attribute, value)));
            match page.pagination_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => break,
            }
        }
        Ok(found)
    }

    async fn get_user(&self, user_pool_id: &str, username: &str) -> Result<Option<DirectoryUser>, PortError> {
        match self.client.admin_get_user().user_pool_id(user_pool_id).username(username).send().await {
            Ok(output) => Ok(Some(DirectoryUser {
                username: output.username().to_owned(),
                status: UserStatus::parse(output.user_status().map(|s| s.as_str()).unwrap_or_default()),
                enabled: output.enabled(),
                created_at: output.user_create_date().map(|d| d.secs()),
                attributes: attributes(output.user_attributes()),
            })),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), AdminGetUserError::UserNotFoundException(_)) => {
                Ok(None)
            }
            Err(e) => Err(port_error(SERVICE, "AdminGetUser", e)),
        }
    }

    async fn delete_user(&self, user_pool_id: &str, username: &str) -> Result<DeleteOutcome, PortError> {
        match self.client.admin_delete_user().user_pool_id(user_pool_id).username(username).send().await {
            Ok(_) => Ok(DeleteOutcome::Deleted),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), AdminDeleteUserError::UserNotFoundException(_)) => {
                Ok(DeleteOutcome::NotFound)
            }
            Err(e) => Err(port_error(SERVICE, "AdminDeleteUser", e)),
        }
    }

    async fn create_user(
        &self,
        user_pool_id: &str,
        username: &str,
        attributes: &[(String, String)],
        password: &Secret<String>,
    ) -> Result<CreateOutcome, PortError> {
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(user_pool_id)
            .username(username)
            .set_user_attributes(Some(attribute_types("AdminCreateUser", attributes)?))
            .message_action(MessageActionType::Suppress)
            .send()
            .await;
        let user = match created {
            Ok(output) => output.user().map(user_from_list),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), AdminCreateUserError::UsernameExistsException(_)) => {
                return Ok(CreateOutcome::AlreadyExists);
            }
            Err(e) => return Err(port_error(SERVICE, "AdminCreateUser", e)),
        };
        // A permanent password makes the user CONFIRMED instead of FORCE_CHANGE_PASSWORD.
        self.client
            .admin_set_user_password()
            .user_pool_id(user_pool_id)
            .username(username)
            .password(password.expose())
            .permanent(true)
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "AdminSetUserPassword", e))?;
        let mut user = user.unwrap_or_else(|| DirectoryUser {
            username: username.to_owned(),
            status: UserStatus::Confirmed,
            enabled: true,
            created_at: None,
            attributes: attributes.iter().cloned().collect(),
        });
        user.status = UserStatus::Confirmed;
        Ok(CreateOutcome::Created(user))
    }

    async fn link_provider(
        &self,
        user_pool_id: &str,
        destination_username: &str,
        source: &ProviderUser,
    ) -> Result<LinkOutcome, PortError> {
        let destination = ProviderUserIdentifierType::builder()
            .provider_name("Cognito")
            .provider_attribute_value(destination_username)
            .build();
        let source_user = ProviderUserIdentifierType::builder()
            .provider_name(&source.provider_name)
            .provider_attribute_name("Cognito_Subject")
            .provider_attribute_value(&source.provider_user_id)
            .build();
        let result = self
            .client
            .admin_link_provider_for_user()
            .user_pool_id(user_pool_id)
            .destination_user(destination)
            .source_user(source_user)
            .send()
            .await;
        match result {
            Ok(_) => Ok(LinkOutcome::Linked),
            // Cognito answers a repeated link with InvalidParameterException, whose text is not a
            // contract: look at the destination's identities instead of matching the message.
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), AdminLinkProviderForUserError::InvalidParameterException(_)) =>
            {
                let linked = self.get_user(user_pool_id, destination_username).await?;
                if linked.as_ref().is_some_and(|user| has_identity(user, source)) {
                    Ok(LinkOutcome::AlreadyLinked)
                } else {
                    Err(port_error(SERVICE, "AdminLinkProviderForUser", SdkError::ServiceError(e)))
                }
            }
            Err(e) => Err(port_error(SERVICE, "AdminLinkProviderForUser", e)),
        }
    }

    async fn update_attributes(
        &self,
        user_pool_id: &str,
        username: &str,
        attributes: &[(String, String)],
    ) -> Result<(), PortError> {
        let attributes = attribute_types("AdminUpdateUserAttributes", attributes)?;
        self.client
            .admin_update_user_attributes()
            .user_pool_id(user_pool_id)
            .username(username)
            .set_user_attributes(Some(attributes))
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "AdminUpdateUserAttributes", e))?;
        Ok(())
    }

    async fn add_to_group(&self, user_pool_id: &str, username: &str, group: &str) -> Result<(), PortError> {
        self.client
            .admin_add_user_to_group()
            .user_pool_id(user_pool_id)
            .username(username)
            .group_name(group)
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "AdminAddUserToGroup", e))?;
        Ok(())
    }

    async fn list_users_page(
        &self,
        user_pool_id: &str,
        page_token: Option<&str>,
        limit: u32,
    ) -> Result<UserPage, PortError> {
        let limit = i32::try_from(limit.clamp(1, PAGE_SIZE as u32)).unwrap_or(PAGE_SIZE);
        let page = self
            .client
            .list_users()
            .user_pool_id(user_pool_id)
            .limit(limit)
            .set_pagination_token(page_token.filter(|t| !t.is_empty()).map(str::to_owned))
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "ListUsers", e))?;
        Ok(UserPage {
            users: page.users().iter().map(user_from_list).collect(),
            next_token: page.pagination_token().filter(|t| !t.is_empty()).map(str::to_owned),
        })
    }

    async fn estimated_user_count(&self, user_pool_id: &str) -> Result<Option<u64>, PortError> {
        let output = self
            .client
            .describe_user_pool()
            .user_pool_id(user_pool_id)
            .send()
            .await
            .map_err(|e| port_error(SERVICE, "DescribeUserPool", e))?;
        Ok(output.user_pool().and_then(|pool| u64::try_from(pool.estimated_number_of_users()).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_escapes_quote_and_backslash_exactly_as_cognito_specifies() {
        assert_eq!(list_users_filter(SearchableAttribute::Email, "a@b.com"), r#"email = "a@b.com""#);
        assert_eq!(list_users_filter(SearchableAttribute::Email, r#"x@y.com" OR 1"#), r#"email = "x@y.com\" OR 1""#);
        assert_eq!(list_users_filter(SearchableAttribute::Email, r"a\b@c.d"), r#"email = "a\\b@c.d""#);
        assert_eq!(list_users_filter(SearchableAttribute::PhoneNumber, r#"\""#), r#"phone_number = "\\\"""#);
        assert_eq!(list_users_filter(SearchableAttribute::Username, ""), r#"username = """#);
    }
}
