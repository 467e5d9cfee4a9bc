//! Asking one backend about a user: the facts the decision needs, nothing decided here.
//!
//! The legacy table is read by the lower-cased name; an unknown name, a row without a hash and a
//! row whose hash cannot be checked (unknown format, malformed, parameters past the bounds) are
//! all verified against the dummy hash, so each takes about the time a wrong password takes.

use std::collections::BTreeMap;

use trigger_core::logging::{Secret, mask_identifier};
use trigger_core::metrics;
use trigger_core::ports::{LegacyUsers, OldPoolSignIn, OldUserPool, PortError, PortErrorKind, UserStatus};

use crate::NAME;

/// What one backend said to a user name and password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInCheck {
    /// The password is right; the user's attributes as the backend holds them.
    Verified(BTreeMap<String, String>),
    /// The password is right but the backend wants another step (old pool challenges).
    Challenge(String),
    /// Wrong password, unknown user, or a hash that could not be checked: never told apart.
    NotVerified,
}

/// The key of the legacy table: the name as typed, trimmed and lower-cased.
pub fn legacy_key(user_name: &str) -> String {
    user_name.trim().to_lowercase()
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
    password: &Secret<String>,
    dummy_hash: &Secret<String>,
) -> Result<SignInCheck, PortError> {
    let row = table.get(&legacy_key(user_name)).await?;
    let Some((row, hash)) = row.and_then(|row| row.password_hash.clone().map(|hash| (row, hash))) else {
        verify_dummy(password, dummy_hash).await?;
        return Ok(SignInCheck::NotVerified);
    };
    match verify(password, &hash).await? {
        Ok(true) => Ok(SignInCheck::Verified(row.attributes)),
        Ok(false) => Ok(SignInCheck::NotVerified),
        Err(error) => {
            // The error names the format and the parameter, never the hash: safe to log.
            tracing::warn!(trigger = NAME, user = mask_identifier(user_name), %error, "legacy hash not checked");
            metrics::count(NAME, "LegacyHashRefused");
            verify_dummy(password, dummy_hash).await?;
            Ok(SignInCheck::NotVerified)
        }
    }
}

pub async fn old_pool_sign_in(
    pool: &dyn OldUserPool,
    user_name: &str,
    password: &Secret<String>,
) -> Result<SignInCheck, PortError> {
    match pool.sign_in(user_name, password).await? {
        OldPoolSignIn::Refused => Ok(SignInCheck::NotVerified),
        OldPoolSignIn::Challenge(challenge) => Ok(SignInCheck::Challenge(challenge)),
        OldPoolSignIn::Authenticated => Ok(match pool.get_user(user_name).await? {
            Some(user) => SignInCheck::Verified(user.attributes),
            // Deleted between the two calls.
            None => SignInCheck::NotVerified,
        }),
    }
}

/// Forgot-password: the legacy row, hash or not.
pub async fn legacy_find(
    table: &dyn LegacyUsers,
    user_name: &str,
) -> Result<Option<BTreeMap<String, String>>, PortError> {
    Ok(table.get(&legacy_key(user_name)).await?.map(|row| row.attributes))
}

/// Forgot-password: an enabled old-pool user who has (or had to set) a password. Unconfirmed,
/// federated, archived and compromised users are not moved in without one.
pub async fn old_pool_find(
    pool: &dyn OldUserPool,
    user_name: &str,
) -> Result<Option<BTreeMap<String, String>>, PortError> {
    Ok(pool
        .get_user(user_name)
        .await?
        .filter(|user| {
            user.enabled
                && matches!(
                    user.status,
                    UserStatus::Confirmed | UserStatus::ResetRequired | UserStatus::ForceChangePassword
                )
        })
        .map(|user| user.attributes))
}
