//! The old user pool port (user-migration): another Cognito user pool the users come from,
//! asked with its admin APIs through an app client that allows `ADMIN_USER_PASSWORD_AUTH`.

use async_trait::async_trait;

use super::{DirectoryUser, PortError};
use crate::logging::Secret;

/// What the old pool said to a user name and password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OldPoolSignIn {
    /// The password is right and the old pool issued tokens (which are dropped).
    Authenticated,
    /// Wrong password, unknown or disabled user, unconfirmed user: all alike, so that no answer
    /// tells them apart.
    Refused,
    /// The password was accepted but the old pool wants another step first (`NEW_PASSWORD_REQUIRED`,
    /// `SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `MFA_SETUP`, …): the user cannot be moved in at sign-in.
    Challenge(String),
}

#[async_trait]
pub trait OldUserPool: Send + Sync {
    /// `AdminInitiateAuth` with `ADMIN_USER_PASSWORD_AUTH`.
    async fn sign_in(&self, username: &str, password: &Secret<String>) -> Result<OldPoolSignIn, PortError>;

    /// `AdminGetUser`: the user and its attributes, `None` when the old pool has no such user.
    async fn get_user(&self, username: &str) -> Result<Option<DirectoryUser>, PortError>;
}
