//! The decisions, as plain functions of (what the backends said, the password, the settings).
//! `lib.rs` gathers the facts and applies what these return.

use std::collections::HashMap;

use trigger_core::UserMessage;
use trigger_core::events::{FinalUserStatus, UserMigrationResponse};
use trigger_core::ports::OldPoolMfa;

use crate::attributes::{can_receive_a_code, select};
use crate::lookup::{Found, SignInCheck};
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

/// What becomes of the MFA a user set up in the old system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MfaCarry {
    /// None set up.
    Nothing,
    /// SMS MFA, with a verified phone number that moves: `enableSMSMFA` in the response.
    Sms,
    /// A factor Cognito's migration cannot carry (an authenticator app, e-mailed codes), or SMS
    /// without a verified number to send to: the user is not moved in (a weaker account).
    Cannot,
}

/// The MFA decision, from the old system's settings and the attributes that move.
pub fn mfa_carry(mfa: &OldPoolMfa, selected: &HashMap<String, String>) -> MfaCarry {
    if !mfa.is_enabled() {
        return MfaCarry::Nothing;
    }
    if mfa.other_than_sms().next().is_some() {
        return MfaCarry::Cannot;
    }
    if selected.contains_key("phone_number") && selected.contains_key("phone_number_verified") {
        MfaCarry::Sms
    } else {
        MfaCarry::Cannot
    }
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
    sms_mfa: bool,
    settings: &Settings,
) -> UserMigrationResponse {
    UserMigrationResponse {
        user_attributes: attributes,
        final_user_status: Some(status),
        message_action: Some("SUPPRESS".to_owned()),
        desired_delivery_mediums: Some(settings.delivery_mediums.clone()),
        force_alias_creation: settings.force_alias_creation,
        enable_sms_mfa: sms_mfa,
        ..UserMigrationResponse::default()
    }
}

/// Moves `found` in with `status`, carrying its SMS MFA; refuses a user whose MFA cannot come along.
fn migrate(backend: Backend, found: &Found, status: FinalUserStatus, settings: &Settings) -> Outcome {
    let selected = select(&found.attributes, &settings.allowlist);
    match mfa_carry(&found.mfa, &selected) {
        MfaCarry::Cannot => Outcome::Refuse(UserMessage::fixed(message::MFA_NOT_MOVED)),
        carry => Outcome::Migrate { backend, response: response(selected, status, carry == MfaCarry::Sms, settings) },
    }
}

/// `UserMigration_Authentication`: the first backend (in the configured order) whose check is
/// not [`SignInCheck::NotVerified`] decides.
pub fn sign_in(checks: &[(Backend, SignInCheck)], password: &str, settings: &Settings) -> Outcome {
    match checks.iter().find(|(_, check)| *check != SignInCheck::NotVerified) {
        Some((backend, SignInCheck::Verified(found))) => {
            migrate(*backend, found, final_status(password, settings), settings)
        }
        // Forgot-password moves the user in without the step the old pool asked for, unless the
        // user's MFA cannot come along: then say so now rather than send them there for nothing.
        Some((_, SignInCheck::Challenge { found, .. })) => {
            match mfa_carry(&found.mfa, &select(&found.attributes, &settings.allowlist)) {
                MfaCarry::Cannot => Outcome::Refuse(UserMessage::fixed(message::MFA_NOT_MOVED)),
                MfaCarry::Nothing | MfaCarry::Sms => Outcome::Refuse(UserMessage::fixed(message::RESET_TO_CONTINUE)),
            }
        }
        Some((_, SignInCheck::NotVerified)) | None => Outcome::Failed,
    }
}

/// `UserMigration_ForgotPassword`: the first backend that knows the name; moved in as
/// `RESET_REQUIRED` when Cognito can send the code somewhere verified, with its SMS MFA; a user
/// whose MFA cannot come along is refused (the reset would leave the account without it).
pub fn forgot_password(found: Option<(Backend, Found)>, settings: &Settings) -> Outcome {
    let Some((backend, found)) = found else { return Outcome::Refuse(UserMessage::fixed(message::CANNOT_RESET)) };
    if !can_receive_a_code(&select(&found.attributes, &settings.allowlist)) {
        return Outcome::Refuse(UserMessage::fixed(message::CANNOT_RESET));
    }
    migrate(backend, &found, FinalUserStatus::ResetRequired, settings)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::BTreeMap;

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

    fn attributes(pairs: &[(&str, &str)]) -> Found {
        Found::without_mfa(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>())
    }

    fn with_mfa(pairs: &[(&str, &str)], factors: &[&str]) -> Found {
        let mfa = OldPoolMfa { factors: factors.iter().map(|f| (*f).to_owned()).collect(), preferred: None };
        Found { mfa, ..attributes(pairs) }
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
        let checks = [(Backend::OldPool, SignInCheck::Challenge { name: "SMS_MFA".into(), found: attributes(&[]) })];
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

    const VERIFIED_PHONE: [(&str, &str); 4] = [
        ("email", "a@example.com"),
        ("email_verified", "true"),
        ("phone_number", "+15550100"),
        ("phone_number_verified", "true"),
    ];

    /// Issue 22: at 5a923f4 an old-pool user with MFA was moved in by forgot-password with an
    /// e-mailed code and no second factor; `enableSMSMFA` was never sent.
    #[test]
    fn sms_mfa_is_carried_over_with_the_verified_phone_number() {
        let s = settings(&[]);
        let sms = with_mfa(&VERIFIED_PHONE, &["SMS_MFA"]);
        let (_, response) = migrated(forgot_password(Some((Backend::OldPool, sms.clone())), &s));
        assert!(response.enable_sms_mfa);
        assert_eq!(response.user_attributes.get("phone_number_verified").map(String::as_str), Some("true"));
        let checks = [(Backend::OldPool, SignInCheck::Verified(sms))];
        assert!(migrated(sign_in(&checks, "Legacy-Passw0rd!", &s)).1.enable_sms_mfa);
        let (_, plain) = migrated(forgot_password(Some((Backend::OldPool, attributes(&VERIFIED_PHONE))), &s));
        assert!(!plain.enable_sms_mfa, "no MFA, none made up");
    }

    /// Issue 22: at 5a923f4 a user with an authenticator app was told to use forgot-password and
    /// was then moved in without it.
    #[test]
    fn a_user_whose_mfa_cannot_be_carried_is_not_moved_in_without_it() {
        let s = settings(&[]);
        let refused = Outcome::Refuse(UserMessage::fixed(message::MFA_NOT_MOVED));
        let unverified_phone = [("email", "a@example.com"), ("email_verified", "true"), ("phone_number", "+15550100")];
        for found in [
            with_mfa(&VERIFIED_PHONE, &["SOFTWARE_TOKEN_MFA"]),
            with_mfa(&VERIFIED_PHONE, &["SMS_MFA", "SOFTWARE_TOKEN_MFA"]),
            with_mfa(&VERIFIED_PHONE, &["EMAIL_OTP"]),
            with_mfa(&unverified_phone, &["SMS_MFA"]),
        ] {
            assert_eq!(forgot_password(Some((Backend::OldPool, found.clone())), &s), refused, "{found:?}");
            let verified = [(Backend::OldPool, SignInCheck::Verified(found.clone()))];
            assert_eq!(sign_in(&verified, "Legacy-Passw0rd!", &s), refused, "{found:?}");
            let challenged = [(Backend::OldPool, SignInCheck::Challenge { name: "SOFTWARE_TOKEN_MFA".into(), found })];
            assert_eq!(
                sign_in(&challenged, "Legacy-Passw0rd!", &s),
                refused,
                "not sent to forgot-password for nothing"
            );
        }
        // SMS without the phone number on the allowlist: it cannot be carried either.
        let narrow = settings(&[("MIGRATE_ATTRIBUTES", "email")]);
        let sms = with_mfa(&VERIFIED_PHONE, &["SMS_MFA"]);
        assert_eq!(forgot_password(Some((Backend::OldPool, sms)), &narrow), refused);
    }
}
