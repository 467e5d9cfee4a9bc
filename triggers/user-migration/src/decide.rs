//! The decisions, as plain functions of (what the backends said, the password, the settings).
//! `lib.rs` gathers the facts and applies what these return.

use std::collections::{BTreeMap, HashMap};

use trigger_core::UserMessage;
use trigger_core::events::{FinalUserStatus, UserMigrationResponse};

use crate::attributes::{can_receive_a_code, select};
use crate::lookup::SignInCheck;
use crate::message;
use crate::settings::{Backend, Settings};

/// What to do with a migration request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Move the user in with this response (after the e-mail reservation, when there is an address).
    Migrate { backend: Backend, response: UserMigrationResponse },
    /// Refuse with this text.
    Refuse(UserMessage),
    /// No backend verified the password: count the failure, then refuse with
    /// [`message::INCORRECT`] (or the lock it caused).
    Failed,
}

/// `CONFIRMED` when the verified password meets the new pool's policy; otherwise the user must
/// choose a new one first.
pub fn final_status(password: &str, settings: &Settings) -> FinalUserStatus {
    if settings.password_policy.accepts(password) { FinalUserStatus::Confirmed } else { FinalUserStatus::ResetRequired }
}

/// The response Cognito creates the user from. `messageAction` is always `SUPPRESS`: the person is
/// signing in or resetting, and needs no invitation.
pub fn response(
    attributes: HashMap<String, String>,
    status: FinalUserStatus,
    settings: &Settings,
) -> UserMigrationResponse {
    UserMigrationResponse {
        user_attributes: attributes,
        final_user_status: Some(status),
        message_action: Some("SUPPRESS".to_owned()),
        desired_delivery_mediums: Some(settings.delivery_mediums.clone()),
        force_alias_creation: settings.force_alias_creation,
        ..UserMigrationResponse::default()
    }
}

/// `UserMigration_Authentication`: the first backend (in the configured order) whose check is
/// not [`SignInCheck::NotVerified`] decides.
pub fn sign_in(checks: &[(Backend, SignInCheck)], password: &str, settings: &Settings) -> Outcome {
    match checks.iter().find(|(_, check)| *check != SignInCheck::NotVerified) {
        Some((backend, SignInCheck::Verified(attributes))) => Outcome::Migrate {
            backend: *backend,
            response: response(select(attributes, &settings.allowlist), final_status(password, settings), settings),
        },
        Some((_, SignInCheck::Challenge(_))) => Outcome::Refuse(UserMessage::fixed(message::RESET_TO_CONTINUE)),
        Some((_, SignInCheck::NotVerified)) | None => Outcome::Failed,
    }
}

/// `UserMigration_ForgotPassword`: the first backend that knows the name; moved in as
/// `RESET_REQUIRED` when Cognito can send the code somewhere verified.
pub fn forgot_password(found: Option<(Backend, BTreeMap<String, String>)>, settings: &Settings) -> Outcome {
    let Some((backend, attributes)) = found else { return Outcome::Refuse(UserMessage::fixed(message::CANNOT_RESET)) };
    let selected = select(&attributes, &settings.allowlist);
    if !can_receive_a_code(&selected) {
        return Outcome::Refuse(UserMessage::fixed(message::CANNOT_RESET));
    }
    Outcome::Migrate { backend, response: response(selected, FinalUserStatus::ResetRequired, settings) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use trigger_core::Env;
    use trigger_core::events::DeliveryMedium;

    use super::*;

    fn settings(extra: &[(&str, &str)]) -> Settings {
        let mut pairs = vec![
            ("TABLE_NAME", "t"),
            ("LEGACY_USERS_TABLE", "l"),
            ("OLD_USER_POOL_ID", "us-east-1_Old"),
            ("OLD_CLIENT_ID", "c"),
        ];
        pairs.extend_from_slice(extra);
        Settings::from_env(&Env::from_pairs(pairs)).unwrap()
    }

    fn attributes(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn migrated(outcome: Outcome) -> (Backend, UserMigrationResponse) {
        match outcome {
            Outcome::Migrate { backend, response } => (backend, response),
            other => panic!("not migrated: {other:?}"),
        }
    }

    #[test]
    fn a_verified_password_that_meets_the_policy_confirms_the_user() {
        let s = settings(&[]);
        let checks =
            [(Backend::LegacyTable, SignInCheck::Verified(attributes(&[("email", "a@example.com"), ("sub", "x")])))];
        let (backend, response) = migrated(sign_in(&checks, "Legacy-Passw0rd!", &s));
        assert_eq!(backend, Backend::LegacyTable);
        assert_eq!(response.final_user_status, Some(FinalUserStatus::Confirmed));
        assert_eq!(response.message_action.as_deref(), Some("SUPPRESS"));
        assert_eq!(response.desired_delivery_mediums, Some(vec![DeliveryMedium::Email]));
        assert!(!response.force_alias_creation);
        assert_eq!(response.user_attributes.get("sub"), None);
    }

    #[test]
    fn a_verified_password_below_the_policy_requires_a_reset() {
        let s = settings(&[]);
        let checks = [(Backend::OldPool, SignInCheck::Verified(attributes(&[("email", "a@example.com")])))];
        let (_, response) = migrated(sign_in(&checks, "weakpass", &s));
        assert_eq!(response.final_user_status, Some(FinalUserStatus::ResetRequired));
        let lenient = settings(&[
            ("PASSWORD_REQUIRE_UPPERCASE", "false"),
            ("PASSWORD_REQUIRE_NUMBERS", "false"),
            ("PASSWORD_REQUIRE_SYMBOLS", "false"),
        ]);
        assert_eq!(
            migrated(sign_in(&checks, "weakpass", &lenient)).1.final_user_status,
            Some(FinalUserStatus::Confirmed)
        );
    }

    #[test]
    fn the_first_backend_that_knows_the_password_wins_in_the_configured_order() {
        let s = settings(&[]);
        let checks = [
            (Backend::LegacyTable, SignInCheck::NotVerified),
            (Backend::OldPool, SignInCheck::Verified(attributes(&[("name", "Old")]))),
        ];
        assert_eq!(migrated(sign_in(&checks, "Legacy-Passw0rd!", &s)).0, Backend::OldPool);
        let none = [(Backend::LegacyTable, SignInCheck::NotVerified), (Backend::OldPool, SignInCheck::NotVerified)];
        assert_eq!(sign_in(&none, "x", &s), Outcome::Failed);
        assert_eq!(sign_in(&[], "x", &s), Outcome::Failed);
    }

    #[test]
    fn an_old_pool_challenge_is_not_migrated_here_and_says_how_to_go_on() {
        let s = settings(&[]);
        let checks = [(Backend::OldPool, SignInCheck::Challenge("SMS_MFA".into()))];
        assert_eq!(
            sign_in(&checks, "Legacy-Passw0rd!", &s),
            Outcome::Refuse(UserMessage::fixed(message::RESET_TO_CONTINUE))
        );
    }

    #[test]
    fn delivery_mediums_and_alias_creation_are_settings() {
        let s = settings(&[("DESIRED_DELIVERY_MEDIUMS", "sms,email"), ("FORCE_ALIAS_CREATION", "true")]);
        let checks = [(Backend::OldPool, SignInCheck::Verified(attributes(&[])))];
        let (_, response) = migrated(sign_in(&checks, "Legacy-Passw0rd!", &s));
        assert_eq!(response.desired_delivery_mediums, Some(vec![DeliveryMedium::Sms, DeliveryMedium::Email]));
        assert!(response.force_alias_creation);
    }

    #[test]
    fn forgot_password_moves_a_known_user_in_for_a_reset_when_a_code_can_reach_them() {
        let s = settings(&[]);
        let verified = attributes(&[("email", "a@example.com"), ("email_verified", "true")]);
        let (backend, response) = migrated(forgot_password(Some((Backend::OldPool, verified)), &s));
        assert_eq!(backend, Backend::OldPool);
        assert_eq!(response.final_user_status, Some(FinalUserStatus::ResetRequired));
        assert_eq!(response.user_attributes.get("email_verified").map(String::as_str), Some("true"));
        let refused = Outcome::Refuse(UserMessage::fixed(message::CANNOT_RESET));
        assert_eq!(forgot_password(None, &s), refused);
        let unverified = attributes(&[("email", "a@example.com")]);
        assert_eq!(forgot_password(Some((Backend::LegacyTable, unverified)), &s), refused);
    }
}
