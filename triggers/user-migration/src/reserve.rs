//! One account per address and phone number, for migrated users too: the user's e-mail address
//! and phone number are reserved as a confirmed sign-up's are (`trigger_core::reservations`, the
//! rows pre sign-up and post confirmation share), before Cognito creates the user.
//!
//! - A value another account holds refuses the migration, with two exceptions that both need the
//!   migrating user's value to be verified by the old system (proved there):
//!   a *pending* reservation whose holder never confirmed it — no user yet, an unconfirmed user,
//!   or a user who never proved the value (a squatter's sign-up with someone else's address) — is
//!   taken over, conditional on the row being the one read (`reservations::unchanged`, the guard
//!   of every take-over); a confirmed one never is.
//! - With `FORCE_ALIAS_CREATION=true` Cognito would move the alias from whoever has it: the new
//!   pool is asked first who holds it (`AdminGetUser` on the value resolves an alias to its user;
//!   users from before the trigger have no row), and a user who confirmed the value keeps it: the
//!   migration is refused instead. (AdminGetUser, which the trigger already calls, rather than a
//!   ListUsers search: the same answer for an alias, and the ListUsers client code would take
//!   user-migration's arm64 zip past 3 MB.)

use std::collections::HashMap;

use trigger_core::metrics;
use trigger_core::ports::{PortError, Store, UserLookup, UserStatus, WriteOutcome};
use trigger_core::reservations::{self, Confirmation, Kind, OWNER, PENDING, STATUS};

use crate::NAME;

/// What stands in the way of a migration, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reserved {
    /// Every value is the user's now.
    Yes,
    /// Another account holds this kind of value.
    TakenBy(Kind),
}

/// The values a migration moves: `email` and `phone_number`, with whether the old system verified them.
fn values(attributes: &HashMap<String, String>) -> Vec<(Kind, &str, bool)> {
    [Kind::Email, Kind::Phone]
        .into_iter()
        .filter_map(|kind| {
            let value = attributes.get(kind.attribute()).filter(|v| !v.trim().is_empty())?;
            let verified = attributes.get(reservations::verified_attribute(kind)).is_some_and(|v| v == "true");
            Some((kind, value.as_str(), verified))
        })
        .collect()
}

pub struct Request<'a> {
    pub user_pool_id: &'a str,
    /// The migrating user's name (the event's `userName`): the owner of the reservations.
    pub owner: &'a str,
    /// The attributes the response moves in.
    pub attributes: &'a HashMap<String, String>,
    /// The response asks Cognito to move aliases (`forceAliasCreation`).
    pub force_alias_creation: bool,
    pub now: i64,
}

/// Checks the holders, then reserves every value. Reads first, so that a refusal leaves no row.
pub async fn reserve(
    store: &dyn Store,
    directory: &dyn UserLookup,
    request: &Request<'_>,
) -> Result<Reserved, PortError> {
    let values = values(request.attributes);
    if request.force_alias_creation {
        for (kind, value, verified) in &values {
            // Cognito moves only aliases, and a value is an alias only once verified.
            if *verified && confirmed_elsewhere(directory, request, *kind, value).await? {
                metrics::count(NAME, "AliasKept");
                return Ok(Reserved::TakenBy(*kind));
            }
        }
    }
    for (kind, value, verified) in values {
        let confirmation =
            reservations::confirm(store, request.user_pool_id, kind, value, request.owner, request.now).await?;
        if let Confirmation::HeldByOther { .. } = confirmation
            && !(verified && take_over_unconfirmed(store, directory, request, kind, value).await?)
        {
            return Ok(Reserved::TakenBy(kind));
        }
    }
    Ok(Reserved::Yes)
}

/// A user of the new pool other than the migrating one has `value` as its alias: confirmed and
/// verified (only a verified value is an alias, and AdminGetUser resolves an alias to its holder;
/// a user merely *named* like the value is no holder).
async fn confirmed_elsewhere(
    directory: &dyn UserLookup,
    request: &Request<'_>,
    kind: Kind,
    value: &str,
) -> Result<bool, PortError> {
    let normalised = kind.normalise(value);
    // The value as the response sets it: the alias Cognito would compare and move.
    let holder = directory.lookup_user(request.user_pool_id, value.trim()).await?;
    Ok(holder.is_some_and(|user| {
        user.username != request.owner
            && user.status != UserStatus::Unconfirmed
            && reservations::holds_verified(&user, kind, &normalised)
    }))
}

/// A pending reservation of `value` whose holder never confirmed it becomes the migrating user's,
/// permanently: one conditional write on the row as read. False when the holder proved the value
/// (a confirmed user who has it verified), when the row is confirmed, or when anyone changed the
/// row meanwhile.
async fn take_over_unconfirmed(
    store: &dyn Store,
    directory: &dyn UserLookup,
    request: &Request<'_>,
    kind: Kind,
    value: &str,
) -> Result<bool, PortError> {
    let normalised = kind.normalise(value);
    let key = reservations::key(request.user_pool_id, kind, &normalised);
    let Some(current) = store.get(&key).await? else { return Ok(false) };
    if current.str(STATUS) != Some(PENDING) || current.is_expired(request.now) {
        return Ok(false);
    }
    let Some(holder) = current.str(OWNER) else { return Ok(false) };
    if let Some(user) = directory.lookup_user(request.user_pool_id, holder).await?
        && user.status != UserStatus::Unconfirmed
        && reservations::holds_verified(&user, kind, &normalised)
    {
        return Ok(false);
    }
    let ours = reservations::confirmed_item(&key, request.owner, request.now);
    let taken = store.put(&ours, Some(&reservations::unchanged(&current))).await? == WriteOutcome::Written;
    if taken {
        metrics::count(NAME, "PendingReservationTakenOver");
        tracing::info!(
            trigger = NAME,
            ?kind,
            "pending reservation of an unconfirmed sign-up taken over by a migrated user"
        );
    }
    Ok(taken)
}
