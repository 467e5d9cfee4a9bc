use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Outage, lock};
use crate::logging::Secret;
use crate::ports::{DirectoryUser, OldPoolMfa, OldPoolSignIn, OldPoolUserMfa, OldUserPool, PortError, PortErrorKind};

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
    /// By user name in ASCII lower case (the fake's names are case-insensitive): a lookup costs
    /// the same with 20,000 users as with one (the overhead bench adds a user per call).
    users: Mutex<BTreeMap<String, OldPoolUser>>,
    sign_ins: Mutex<Vec<String>>,
    outage: Outage,
    /// MFA settings by user name in ASCII lower case; a user without an entry has none.
    mfa: Mutex<BTreeMap<String, OldPoolMfa>>,
}

impl FakeOldPool {
    pub fn with_users(users: Vec<OldPoolUser>) -> Self {
        let pool = Self::default();
        for user in users {
            pool.insert(user);
        }
        pool
    }

    /// Adds the user, unless one of that name (in any letter case) is there already.
    pub fn insert(&self, user: OldPoolUser) {
        lock(&self.users).entry(user.user.username.to_ascii_lowercase()).or_insert(user);
    }

    /// Sets up MFA for `username` (as the old pool's `AdminGetUser` would report it).
    pub fn set_mfa(&self, username: &str, mfa: OldPoolMfa) {
        lock(&self.mfa).insert(username.to_ascii_lowercase(), mfa);
    }

    pub fn sign_ins(&self) -> Vec<String> {
        lock(&self.sign_ins).clone()
    }

    pub fn set_outage(&self, kind: Option<PortErrorKind>) {
        self.outage.set(kind);
    }

    fn find(&self, username: &str) -> Option<OldPoolUser> {
        lock(&self.users).get(&username.to_ascii_lowercase()).cloned()
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

    async fn get_user_with_mfa(&self, username: &str) -> Result<Option<OldPoolUserMfa>, PortError> {
        self.outage.check("cognito-idp", "AdminGetUser")?;
        let mfa = lock(&self.mfa).get(&username.to_ascii_lowercase()).cloned().unwrap_or_default();
        Ok(self.find(username).map(|found| OldPoolUserMfa { user: found.user, mfa }))
    }
}
