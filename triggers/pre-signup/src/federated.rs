//! Federated sign-ups (`PreSignUp_ExternalProvider`): link the provider identity to the native
//! user with the same e-mail, creating that user when there is none.

use trigger_core::ports::{
    CreateOutcome, DirectoryUser, LinkOutcome, PortError, ProviderUser, SearchableAttribute, UserDirectory, UserStatus,
};
use trigger_core::{TriggerError, UserMessage};

/// Cognito links at most this many identities to one user.
pub const MAX_LINKED_IDENTITIES: usize = 5;

pub const TOO_MANY_PROVIDERS: &str = "This account already has the maximum number of linked sign-in providers.";

/// `google_1089…` → (`google`, `1089…`): Cognito names federated users `<provider>_<id>`.
pub fn split_username(username: &str) -> Option<(&str, &str)> {
    username.split_once('_').filter(|(provider, id)| !provider.is_empty() && !id.is_empty())
}

/// The identities linked to a native user (its `identities` attribute, a JSON array).
pub fn linked_identities(user: &DirectoryUser) -> Vec<(String, String)> {
    let Some(text) = user.attribute("identities") else { return Vec::new() };
    let Ok(serde_json::Value::Array(list)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|identity| {
            Some((identity.get("providerName")?.as_str()?.to_owned(), identity.get("userId")?.as_str()?.to_owned()))
        })
        .collect()
}

/// The native user to link to: a confirmed one first, never another federated user.
fn native_user(users: Vec<DirectoryUser>) -> Option<DirectoryUser> {
    let mut natives: Vec<DirectoryUser> =
        users.into_iter().filter(|u| u.status != UserStatus::ExternalProvider && u.enabled).collect();
    natives.sort_by_key(|u| u.status != UserStatus::Confirmed);
    natives.into_iter().next()
}

/// What linking did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Linked {
    /// Linked to an existing native user.
    Existing { username: String, outcome: LinkOutcome },
    /// A native user was created for this e-mail, then linked. The new user's name is returned
    /// so that its e-mail reservation can be made permanent.
    Created { username: String },
}

pub struct Request<'a> {
    pub user_pool_id: &'a str,
    pub source: ProviderUser,
    /// Normalised; only ever a provider-verified address.
    pub email: &'a str,
    pub name: Option<&'a str>,
}

pub async fn link(directory: &dyn UserDirectory, request: &Request<'_>) -> Result<Linked, LinkError> {
    let found = directory.find_by_attribute(request.user_pool_id, SearchableAttribute::Email, request.email).await?;
    let (destination, created) = match native_user(found) {
        Some(user) => (user, false),
        None => {
            let password = crate::password::random_password().map_err(|e| LinkError::Password(e.to_string()))?;
            let mut attributes =
                vec![("email".to_owned(), request.email.to_owned()), ("email_verified".to_owned(), "true".to_owned())];
            if let Some(name) = request.name {
                attributes.push(("name".to_owned(), name.to_owned()));
            }
            match directory.create_user(request.user_pool_id, request.email, &attributes, &password).await? {
                CreateOutcome::Created(user) => (user, true),
                // Created by an earlier attempt of this same sign-up: use it.
                CreateOutcome::AlreadyExists => match directory.get_user(request.user_pool_id, request.email).await? {
                    Some(user) => (user, false),
                    None => return Err(LinkError::Vanished),
                },
            }
        }
    };
    let identities = linked_identities(&destination);
    let already = identities
        .iter()
        .any(|(provider, id)| *provider == request.source.provider_name && *id == request.source.provider_user_id);
    if !already && identities.len() >= MAX_LINKED_IDENTITIES {
        return Err(LinkError::Denied(TriggerError::Denied(UserMessage::fixed(TOO_MANY_PROVIDERS))));
    }
    let outcome = directory.link_provider(request.user_pool_id, &destination.username, &request.source).await?;
    Ok(if created {
        Linked::Created { username: destination.username }
    } else {
        Linked::Existing { username: destination.username, outcome }
    })
}

/// Why linking did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Port(#[from] PortError),
    /// A rule refused it (the person sees this).
    #[error("{0}")]
    Denied(TriggerError),
    #[error("no random password: {0}")]
    Password(String),
    #[error("the native user existed, then could not be read")]
    Vanished,
}
