//! Asking one backend about a user: the facts the decision needs, nothing decided here.
//!
//! The legacy table is read by the name under the pool's rule (as typed in a case-sensitive
//! pool, lower-cased in a case-insensitive one); an unknown name, a row without a hash and a row
//! whose hash cannot be checked (unknown format, malformed, parameters past the bounds) are all
//! verified against the dummy hash ([`crate::dummy`], which follows the rows' cost), so each takes
//! about the time a wrong password takes.

use std::collections::BTreeMap;

use trigger_core::lockout::NameRule;
use trigger_core::logging::{Secret, mask_identifier};
use trigger_core::metrics;
use trigger_core::ports::{LegacyUsers, OldPoolMfa, OldPoolSignIn, OldUserPool, PortError, PortErrorKind, UserStatus};

use crate::NAME;
use crate::dummy::Dummy;

/// A user a backend holds: the attributes, and the MFA set up there (the legacy table knows none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub attributes: BTreeMap<String, String>,
    pub mfa: OldPoolMfa,
}

impl Found {
    pub fn without_mfa(attributes: BTreeMap<String, String>) -> Self {
        Self { attributes, mfa: OldPoolMfa::default() }
    }
}

/// What one backend said to a user name and password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInCheck {
    /// The password is right; the user as the backend holds them.
    Verified(Found),
    /// The password is right but the backend wants another step (old pool challenges); the user
    /// as the backend holds them (their MFA decides what the person is told).
    Challenge { name: String, found: Found },
    /// Wrong password, unknown user, or a hash that could not be checked: never told apart.
    NotVerified,
}

/// The key of the legacy table: the name under the pool's rule. In a case-sensitive pool `ALICE`
/// and `alice` are two users, so `ALICE` must never be given `alice`'s row (issue 22: a
/// forgot-password migration of `ALICE` took it, with its verified address).
pub fn legacy_key(user_name: &str, names: NameRule) -> String {
    names.normalise(user_name)
}

/// Spends the time a verification takes, for a user who has no hash to check: the outcome is
/// meaningless (nobody knows the dummy's password) and dropped.
async fn verify_dummy(password: &Secret<String>, dummy_hash: &Secret<String>) -> Result<(), PortError> {
    verify(password, dummy_hash).await.map(drop)
}

/// Verifies on a blocking thread: up to a second of CPU must not stall the async runtime (nor
/// the budget's timer).
async fn verify(
    password: &Secret<String>,
    hash: &Secret<String>,
) -> Result<Result<bool, legacy_passwords::HashError>, PortError> {
    let (password, hash) = (password.expose().clone(), hash.expose().clone());
    tokio::task::spawn_blocking(move || legacy_passwords::verify(&password, &hash))
        .await
        .map_err(|e| PortError::new(NAME, "VerifyPassword", PortErrorKind::Unavailable, e.to_string()))
}

pub async fn legacy_sign_in(
    table: &dyn LegacyUsers,
    user_name: &str,
    names: NameRule,
    password: &Secret<String>,
    dummy: &Dummy,
) -> Result<SignInCheck, PortError> {
    let row = table.get(&legacy_key(user_name, names)).await?;
    let Some((row, hash)) = row.and_then(|row| row.password_hash.clone().map(|hash| (row, hash))) else {
        verify_dummy(password, &dummy.hash()).await?;
        return Ok(SignInCheck::NotVerified);
    };
    dummy.follow(&hash);
    match verify(password, &hash).await? {
        Ok(true) => Ok(SignInCheck::Verified(Found::without_mfa(row.attributes))),
        Ok(false) => Ok(SignInCheck::NotVerified),
        Err(error) => {
            // The error names the format and the parameter, never the hash: safe to log.
            tracing::warn!(trigger = NAME, user = mask_identifier(user_name), %error, "legacy hash not checked");
            metrics::count(NAME, "LegacyHashRefused");
            verify_dummy(password, &dummy.hash()).await?;
            Ok(SignInCheck::NotVerified)
        }
    }
}

pub async fn old_pool_sign_in(
    pool: &dyn OldUserPool,
    user_name: &str,
    password: &Secret<String>,
) -> Result<SignInCheck, PortError> {
    let signed_in = pool.sign_in(user_name, password).await?;
    if signed_in == OldPoolSignIn::Refused {
        return Ok(SignInCheck::NotVerified);
    }
    // The password is right: the user's attributes and MFA, in one AdminGetUser.
    let Some(user) = pool.get_user_with_mfa(user_name).await? else {
        // Deleted between the two calls.
        return Ok(SignInCheck::NotVerified);
    };
    let found = Found { attributes: user.user.attributes, mfa: user.mfa };
    Ok(match signed_in {
        OldPoolSignIn::Challenge(name) => SignInCheck::Challenge { name, found },
        OldPoolSignIn::Authenticated | OldPoolSignIn::Refused => SignInCheck::Verified(found),
    })
}

/// Forgot-password: the legacy row, hash or not.
pub async fn legacy_find(
    table: &dyn LegacyUsers,
    user_name: &str,
    names: NameRule,
) -> Result<Option<Found>, PortError> {
    Ok(table.get(&legacy_key(user_name, names)).await?.map(|row| Found::without_mfa(row.attributes)))
}

/// Forgot-password: an enabled old-pool user who has (or had to set) a password. Unconfirmed,
/// federated, archived and compromised users are not moved in without one.
pub async fn old_pool_find(pool: &dyn OldUserPool, user_name: &str) -> Result<Option<Found>, PortError> {
    Ok(pool
        .get_user_with_mfa(user_name)
        .await?
        .filter(|found| {
            found.user.enabled
                && matches!(
                    found.user.status,
                    UserStatus::Confirmed | UserStatus::ResetRequired | UserStatus::ForceChangePassword
                )
        })
        .map(|found| Found { attributes: found.user.attributes, mfa: found.mfa }))
}
