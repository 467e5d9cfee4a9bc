//! The texts a person sees (Cognito shows them as "UserMigration failed with error <text>.", and
//! adds the period). A wrong password, an unknown user, a row whose hash cannot be checked and a
//! backend that refuses all read the same: nothing here tells an attacker whether a name exists.

use trigger_core::UserMessage;

/// Sign-in refused: wrong password or no such user (the two are never told apart).
pub const INCORRECT: &str = "Incorrect username or password";

/// The password was right, but the old pool wants a step this trigger cannot take (a new
/// password, MFA). Shown only after the password was accepted, so it reveals nothing to someone
/// who does not know it. Forgot-password migrates the user without the password.
pub const RESET_TO_CONTINUE: &str =
    "Your account needs a password reset before you can sign in here. Choose Forgot password to continue";

/// The password was right, but another account of the new pool has the user's e-mail address.
pub const EMAIL_TAKEN: &str = "An account with this e-mail address already exists. Sign in with that account";

/// The password was right, but another account of the new pool has the user's phone number.
pub const PHONE_TAKEN: &str = "An account with this phone number already exists. Sign in with that account";

/// Forgot-password for a name no backend knows, or one that cannot receive a code.
pub const CANNOT_RESET: &str = "We could not reset the password of this account";

/// The old account has a second sign-in step this pool cannot take over (an authenticator app,
/// e-mailed codes, SMS without a verified number): moving it in would leave the account with a
/// password or an e-mailed code only. Shown only after the old system accepted the password, or
/// for forgot-password, where it tells no more than "We could not reset…" would about the name.
/// The operator's path: docs/triggers/user-migration.md, "MFA".
pub const MFA_NOT_MOVED: &str = "Your account uses a second sign-in step that cannot be moved automatically. \
    Contact support to move your account";

/// Forgot-password asked for this name too often (`MIGRATION_RESET_*`).
pub fn resets_limited(seconds: i64) -> UserMessage {
    UserMessage::composed(format!("Too many password reset requests. Try again in {}", wait(seconds)))
}

fn wait(seconds: i64) -> String {
    let minutes = (seconds.max(1) + 59) / 60;
    if minutes == 1 { "1 minute".to_owned() } else { format!("{minutes} minutes") }
}

/// The lock on this name ends `seconds` from now (the same words pre-authentication uses).
pub fn locked(seconds: i64) -> UserMessage {
    UserMessage::composed(format!("Too many sign-in attempts. Try again in {}", wait(seconds)))
}

/// Two attempts on one name raced at a window boundary (`Verdict::Contended`): the person retries
/// shortly, as pre-authentication tells them.
pub const CONTENDED_RETRY_SECONDS: i64 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_ends_with_a_period_cognito_adds_one() {
        for text in [
            INCORRECT,
            RESET_TO_CONTINUE,
            EMAIL_TAKEN,
            PHONE_TAKEN,
            CANNOT_RESET,
            MFA_NOT_MOVED,
            locked(300).as_str(),
            resets_limited(3600).as_str(),
        ] {
            assert!(trigger_core::is_fit_for_cognito(text), "{text}");
        }
        assert_eq!(resets_limited(3600).as_str(), "Too many password reset requests. Try again in 60 minutes");
        assert_eq!(locked(300).as_str(), "Too many sign-in attempts. Try again in 5 minutes");
        assert_eq!(locked(1).as_str(), "Too many sign-in attempts. Try again in 1 minute");
    }
}
