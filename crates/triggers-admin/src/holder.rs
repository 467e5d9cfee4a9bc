//! When a live user **holds** an address: the one rule `release` refuses on and `backfill`
//! reserves by (docs/operations.md, "What holds means").
//!
//! A reservation row is held when its `owner`:
//! - for a `CONFIRMED` row (or a row of any other status): exists in the pool, still has the
//!   address as its `email` / `phone_number` (compared normalised), and has it verified
//!   (`email_verified` / `phone_number_verified` = `true`): an address nobody proved is not
//!   worth blocking others for, and pre sign-up's take-over of a confirmed reservation follows
//!   the same rule;
//! - for an unexpired `PENDING` row: exists and still has the address, whatever its status (an
//!   UNCONFIRMED user is someone mid sign-up), or does not exist yet while the row is younger
//!   than [`IN_FLIGHT_SECONDS`] (Cognito creates the user only after pre sign-up answers);
//! - for an expired `PENDING` row: as for a confirmed row, except that an UNCONFIRMED owner never
//!   holds it (that sign-up is dead: pre sign-up would delete the user and take the address).
//!
//! A disabled user still holds its addresses: it is an account, and Cognito keeps its aliases.

use trigger_core::logging::mask_identifier;
use trigger_core::ports::{DirectoryUser, Item, PortError, UserStatus};
use trigger_core::reservations::{
    CREATED_AT, Kind, OWNER, PENDING, STATUS, has_value, is_verified, verified_attribute,
};

/// How long a fresh pending row counts as a sign-up in flight although its user does not exist
/// (pre sign-up's own grace, `HOLDER_GRACE_SECONDS`).
pub const IN_FLIGHT_SECONDS: i64 = 60;

/// What AdminGetUser said about a row's owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(DirectoryUser),
    Gone,
    Failed(PortError),
}

/// Whether a row is held, with the reason in words (user names masked when they are addresses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Held(String),
    Free(String),
    /// The owner could not be looked up: nobody can say.
    Unknown(String),
}

pub fn judge(row: &Item, owner: &Lookup, kind: Kind, normalised: &str, now: i64) -> Verdict {
    let Some(name) = row.str(OWNER).map(mask_identifier) else {
        return Verdict::Free("the row names no owner".to_owned());
    };
    let pending = row.str(STATUS) == Some(PENDING);
    let expired = row.is_expired(now);
    let attribute = kind.attribute();
    match owner {
        Lookup::Failed(err) => Verdict::Unknown(format!("could not look {name} up: {}", crate::brief(err))),
        Lookup::Gone => {
            let age = now - row.i64(CREATED_AT).unwrap_or(now);
            if pending && !expired && age < IN_FLIGHT_SECONDS {
                Verdict::Held(format!(
                    "{name} does not exist yet, but the pending row is {age} s old: a sign-up in flight \
                     (Cognito creates the user after pre sign-up answers; wait {IN_FLIGHT_SECONDS} s)"
                ))
            } else {
                Verdict::Free(format!("{name} no longer exists in the pool"))
            }
        }
        Lookup::Found(user) if !has_value(user, kind, normalised) => {
            Verdict::Free(format!("{name} exists but its {attribute} is now another value (or none)"))
        }
        Lookup::Found(user) if pending && !expired => Verdict::Held(format!(
            "{name} ({}) is signing up with this {attribute}: the pending row has not expired",
            status_text(&user.status)
        )),
        Lookup::Found(user) if pending && user.status == UserStatus::Unconfirmed => {
            Verdict::Free(format!("{name} never confirmed and the pending row has expired"))
        }
        Lookup::Found(user) if is_verified(user, kind) => Verdict::Held(format!(
            "{name} ({}{}) has this {attribute}, verified",
            status_text(&user.status),
            if user.enabled { "" } else { ", disabled" }
        )),
        Lookup::Found(user) => Verdict::Free(format!(
            "{name} ({}) has this {attribute} but never verified it ({} is not true)",
            status_text(&user.status),
            verified_attribute(kind)
        )),
    }
}

pub fn status_text(status: &UserStatus) -> &str {
    match status {
        UserStatus::Unconfirmed => "UNCONFIRMED",
        UserStatus::Confirmed => "CONFIRMED",
        UserStatus::ExternalProvider => "EXTERNAL_PROVIDER",
        UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
        UserStatus::ResetRequired => "RESET_REQUIRED",
        UserStatus::Archived => "ARCHIVED",
        UserStatus::Compromised => "COMPROMISED",
        UserStatus::Unknown(other) => other,
    }
}

#[cfg(test)]
pub mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::BTreeMap;

    use trigger_core::ports::{AttrValue, EXPIRES_AT, PortErrorKind};
    use trigger_core::reservations::{self, CONFIRMED, UPDATED_AT};

    use super::*;

    pub const POOL: &str = "us-east-1_T";

    pub fn user(name: &str, status: UserStatus, attributes: &[(&str, &str)]) -> DirectoryUser {
        DirectoryUser {
            username: name.to_owned(),
            status,
            enabled: true,
            created_at: None,
            attributes: attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
        }
    }

    pub fn confirmed_row(value: &str, owner: &str, at: i64) -> Item {
        Item::new(&reservations::key(POOL, Kind::Email, value))
            .with(OWNER, AttrValue::s(owner))
            .with(STATUS, AttrValue::s(CONFIRMED))
            .with(CREATED_AT, AttrValue::n(at))
            .with(UPDATED_AT, AttrValue::n(at))
    }

    fn pending_row(value: &str, owner: &str, at: i64, expires: i64) -> Item {
        reservations::pending_item(&reservations::key(POOL, Kind::Email, value), owner, at, expires)
    }

    const A: &str = "ann@example.com";

    fn verdict(row: &Item, owner: Lookup) -> Verdict {
        judge(row, &owner, Kind::Email, A, 1_000)
    }

    fn held(v: &Verdict) -> bool {
        matches!(v, Verdict::Held(_))
    }

    #[test]
    fn a_confirmed_row_is_held_by_an_existing_owner_with_the_verified_address() {
        let row = confirmed_row(A, "ann", 10);
        let ann = |attrs: &[(&str, &str)]| Lookup::Found(user("ann", UserStatus::Confirmed, attrs));
        assert!(held(&verdict(&row, ann(&[("email", "Ann@Example.com"), ("email_verified", "true")]))));
        let mut disabled = user("ann", UserStatus::Confirmed, &[("email", A), ("email_verified", "true")]);
        disabled.enabled = false;
        let v = verdict(&row, Lookup::Found(disabled));
        assert!(held(&v) && format!("{v:?}").contains("disabled"), "{v:?}");

        let v = verdict(&row, ann(&[("email", A), ("email_verified", "false")]));
        assert!(matches!(&v, Verdict::Free(why) if why.contains("never verified")), "{v:?}");
        let v = verdict(&row, ann(&[("email", "ann@new.example.com"), ("email_verified", "true")]));
        assert!(matches!(&v, Verdict::Free(why) if why.contains("another value")), "{v:?}");
        assert!(matches!(verdict(&row, Lookup::Gone), Verdict::Free(why) if why.contains("no longer exists")));
        let err = PortError::new("cognito-idp", "AdminGetUser", PortErrorKind::Timeout, "slow");
        assert!(matches!(verdict(&row, Lookup::Failed(err)), Verdict::Unknown(_)));
        let nameless = Item::new(&reservations::key(POOL, Kind::Email, A)).with(STATUS, AttrValue::s(CONFIRMED));
        assert!(matches!(verdict(&nameless, Lookup::Gone), Verdict::Free(_)));
    }

    #[test]
    fn a_live_pending_row_is_held_by_its_sign_up_even_unconfirmed_and_in_flight() {
        let live = pending_row(A, "ann", 980, 5_000);
        let unconfirmed = Lookup::Found(user("ann", UserStatus::Unconfirmed, &[("email", A)]));
        assert!(held(&verdict(&live, unconfirmed.clone())));
        let v = verdict(&live, Lookup::Gone);
        assert!(matches!(&v, Verdict::Held(why) if why.contains("in flight")), "20 s old: {v:?}");
        let old = pending_row(A, "ann", 900, 5_000);
        assert!(matches!(verdict(&old, Lookup::Gone), Verdict::Free(_)), "100 s old and no user: dead");

        let expired = pending_row(A, "ann", 100, 900);
        assert!(matches!(verdict(&expired, unconfirmed), Verdict::Free(why) if why.contains("never confirmed")));
        assert!(matches!(verdict(&expired, Lookup::Gone), Verdict::Free(_)));
        // Expired but its owner is a real account with the verified address (post confirmation
        // never made it permanent): held, as a confirmed row would be.
        let confirmed = Lookup::Found(user("ann", UserStatus::Confirmed, &[("email", A), ("email_verified", "true")]));
        assert!(held(&verdict(&expired, confirmed)));
        let mut lapsed = expired.clone();
        lapsed.set(EXPIRES_AT, AttrValue::n(1_000));
        assert!(matches!(verdict(&lapsed, Lookup::Gone), Verdict::Free(_)), "expiresAt = now counts as expired");
    }

    #[test]
    fn phone_rows_use_phone_number_verified() {
        let row = Item::new(&reservations::key(POOL, Kind::Phone, "+15550100"))
            .with(OWNER, AttrValue::s("pat"))
            .with(STATUS, AttrValue::s(CONFIRMED));
        let pat = |verified: &str| {
            Lookup::Found(user(
                "pat",
                UserStatus::Confirmed,
                &[("phone_number", "+15550100"), ("phone_number_verified", verified), ("email_verified", "true")],
            ))
        };
        assert!(held(&judge(&row, &pat("true"), Kind::Phone, "+15550100", 5)));
        assert!(!held(&judge(&row, &pat("false"), Kind::Phone, "+15550100", 5)));
    }

    #[test]
    fn owner_names_that_are_addresses_are_masked() {
        let row = confirmed_row(A, "ann@example.com", 10);
        let Verdict::Free(why) = verdict(&row, Lookup::Gone) else { panic!() };
        assert!(!why.contains("ann@example.com") && why.contains("a***@example.com"), "{why}");
    }
}
