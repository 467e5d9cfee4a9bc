use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::logging::Secret;
use crate::ports::{DirectoryUser, OldPoolSignIn, OldUserPool, PortError, PortErrorKind};

/// One user of a [`FakeOldPool`].
#[derive(Clone, Debug)]
pub struct OldPoolUser {
    pub user: DirectoryUser,
    pub password: String,
    /// Answered instead of tokens once the password is right (`NEW_PASSWORD_REQUIRED`, `SMS_MFA`…).
    pub challenge: Option<String>,
}

/// An old user pool in memory. Like Cognito, it refuses a disabled user and checks the password
/// before it names a challenge. Records the user names it was asked to sign in.
#[derive(Debug, Default)]
pub struct FakeOldPool {
    users: Mutex<Vec<OldPoolUser>>,
    sign_ins: Mutex<Vec<String>>,
    outage: Outage,
}

impl FakeOldPool {
    pub fn with_users(users: Vec<OldPoolUser>) -> Self {
        Self { users: Mutex::new(users), ..Self::default() }
    }

    pub fn sign_ins(&self) -> Vec<String> {
        lock(&self.sign_ins).clone()
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }

    fn find(&self, username: &str) -> Option<OldPoolUser> {
        lock(&self.users).iter().find(|u| u.user.username.eq_ignore_ascii_case(username)).cloned()
    }
}

#[async_trait]
impl OldUserPool for FakeOldPool {
    async fn sign_in(&self, username: &str, password: &Secret<String>) -> Result<OldPoolSignIn, PortError> {
        lock(&self.sign_ins).push(username.to_owned());
        self.outage.check("cognito-idp", "AdminInitiateAuth")?;
        Ok(match self.find(username) {
            Some(found) if found.user.enabled && found.password == *password.expose() => match found.challenge {
                Some(challenge) => OldPoolSignIn::Challenge(challenge),
                None => OldPoolSignIn::Authenticated,
            },
            _ => OldPoolSignIn::Refused,
        })
    }

    async fn get_user(&self, username: &str) -> Result<Option<DirectoryUser>, PortError> {
        self.outage.check("cognito-idp", "AdminGetUser")?;
        Ok(self.find(username).map(|found| found.user))
    }
}
