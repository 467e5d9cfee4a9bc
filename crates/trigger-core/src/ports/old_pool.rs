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

/// The MFA an old-pool user has set up, as `AdminGetUser` reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OldPoolMfa {
    /// The factors enabled, by Cognito's names (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`, …):
    /// `UserMFASettingList`, plus `SMS_MFA` for the older `MFAOptions` with `DeliveryMedium=SMS`.
    pub factors: Vec<String>,
    /// `PreferredMfaSetting`.
    pub preferred: Option<String>,
}

impl OldPoolMfa {
    pub const SMS: &str = "SMS_MFA";

    pub fn is_enabled(&self) -> bool {
        !self.factors.is_empty()
    }

    /// The factors other than SMS (an authenticator app, e-mail codes, …).
    pub fn other_than_sms(&self) -> impl Iterator<Item = &str> {
        self.factors.iter().map(String::as_str).filter(|factor| *factor != Self::SMS)
    }
}

/// An old-pool user and its MFA settings (one `AdminGetUser`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OldPoolUserMfa {
    pub user: DirectoryUser,
    pub mfa: OldPoolMfa,
}

#[async_trait]
pub trait OldUserPool: Send + Sync {
    /// `AdminInitiateAuth` with `ADMIN_USER_PASSWORD_AUTH`.
    async fn sign_in(&self, username: &str, password: &Secret<String>) -> Result<OldPoolSignIn, PortError>;

    /// `AdminGetUser`: the user and its attributes, `None` when the old pool has no such user.
    async fn get_user(&self, username: &str) -> Result<Option<DirectoryUser>, PortError>;

    /// `AdminGetUser`, with the user's MFA settings: what user-migration needs to carry SMS MFA
    /// over and to refuse moving a user whose factor it cannot carry.
    async fn get_user_with_mfa(&self, username: &str) -> Result<Option<OldPoolUserMfa>, PortError>;
}
