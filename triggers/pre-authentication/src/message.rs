//! The texts a person sees (Cognito shows them as "PreAuthentication failed with error <text>.",
//! adding the period itself: none of ours ends with one).
//! None says whether the account exists: a locked name that has no account reads the same.

use trigger_core::UserMessage;

/// The lock ends `seconds` from now.
pub fn locked(seconds: i64) -> UserMessage {
    UserMessage::composed(format!("Too many sign-in attempts. Try again in {}", wait(seconds)))
}

/// Two attempts for one name raced at a window boundary: the loser tries again shortly.
pub const CONTENDED_RETRY_SECONDS: i64 = 5;

/// `LOCKOUT_ON_STORE_FAILURE=deny` and the lockout record could not be checked.
pub const UNAVAILABLE: &str = "We cannot check your sign-in right now. Please try again in a few minutes";

/// A wait in the largest unit that keeps it readable, rounded up (never "0 minutes").
fn wait(seconds: i64) -> String {
    let seconds = seconds.max(1);
    let (amount, unit) = if seconds < 60 {
        (seconds, "second")
    } else if seconds <= 90 * 60 {
        ((seconds + 59) / 60, "minute")
    } else {
        ((seconds + 3599) / 3600, "hour")
    };
    if amount == 1 { format!("1 {unit}") } else { format!("{amount} {unit}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_a_person_sees_is_fit_for_cognito() {
        assert!(trigger_core::is_fit_for_cognito(UNAVAILABLE));
        for seconds in [0, 1, 59, 60, 61, 3_600, 90_000] {
            let text = locked(seconds);
            assert!(trigger_core::is_fit_for_cognito(text.as_str()), "{text:?}");
        }
    }

    #[test]
    fn says_when_to_retry_rounded_up() {
        assert_eq!(locked(300).as_str(), "Too many sign-in attempts. Try again in 5 minutes");
        assert_eq!(locked(299).as_str(), "Too many sign-in attempts. Try again in 5 minutes");
        assert_eq!(locked(61).as_str(), "Too many sign-in attempts. Try again in 2 minutes");
        assert_eq!(locked(60).as_str(), "Too many sign-in attempts. Try again in 1 minute");
        assert_eq!(locked(1).as_str(), "Too many sign-in attempts. Try again in 1 second");
        assert_eq!(locked(0).as_str(), "Too many sign-in attempts. Try again in 1 second");
        assert_eq!(locked(45).as_str(), "Too many sign-in attempts. Try again in 45 seconds");
        assert_eq!(locked(3600).as_str(), "Too many sign-in attempts. Try again in 60 minutes");
        assert_eq!(locked(2 * 3600 + 1).as_str(), "Too many sign-in attempts. Try again in 3 hours");
    }
}
