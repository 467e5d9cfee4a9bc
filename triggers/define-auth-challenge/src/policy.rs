//! The state machine of a code sign-in, as a pure function of the session so far.
//!
//! ```text
//! no round yet                                  → CUSTOM_CHALLENGE (create e-mails the code)
//! last round answered right, user exists        → tokens
//! last round wrong, fewer than max_answers      → CUSTOM_CHALLENGE (the same code again)
//! last round wrong, max_answers rounds          → fail
//! anything but CUSTOM_CHALLENGE rounds          → fail (this pool's custom flow is the code only)
//! ```
//!
//! An unknown user (`userNotFound`) walks the same steps: verify never finds their answer right,
//! so they get the same challenges and the same final failure as a person with a wrong code.

use trigger_core::events::{CUSTOM_CHALLENGE, ChallengeResult};

/// The next step of the sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Ask for the code (again).
    Challenge,
    /// The code was right: Cognito issues the tokens.
    IssueTokens,
    /// The sign-in fails (`NotAuthorizedException`).
    Fail(Reason),
}

/// Why a sign-in fails; for the log and the metrics only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    TooManyAnswers,
    /// A round that is not ours (SRP, a password, a null entry).
    ForeignChallenge,
    /// A right answer for a user name without an account: cannot happen, as verify never says so.
    UnknownUser,
}

pub fn decide(session: &[Option<ChallengeResult>], user_not_found: bool, max_answers: usize) -> Step {
    let rounds: Option<Vec<&ChallengeResult>> = session
        .iter()
        .map(|round| round.as_ref().filter(|r| r.challenge_name.as_deref() == Some(CUSTOM_CHALLENGE)))
        .collect();
    let Some(rounds) = rounds else { return Step::Fail(Reason::ForeignChallenge) };
    match rounds.last() {
        None => Step::Challenge,
        Some(last) if last.challenge_result => {
            if user_not_found {
                Step::Fail(Reason::UnknownUser)
            } else {
                Step::IssueTokens
            }
        }
        Some(_) if rounds.len() >= max_answers => Step::Fail(Reason::TooManyAnswers),
        Some(_) => Step::Challenge,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(name: &str, result: bool) -> Option<ChallengeResult> {
        let mut round = ChallengeResult::default();
        round.challenge_name = Some(name.to_owned());
        round.challenge_result = result;
        Some(round)
    }

    fn wrong() -> Option<ChallengeResult> {
        round(CUSTOM_CHALLENGE, false)
    }

    #[test]
    fn a_new_sign_in_is_asked_for_the_code() {
        assert_eq!(decide(&[], false, 3), Step::Challenge);
        assert_eq!(decide(&[], true, 3), Step::Challenge, "an unknown user too");
    }

    #[test]
    fn the_right_code_issues_tokens_in_any_round() {
        assert_eq!(decide(&[round(CUSTOM_CHALLENGE, true)], false, 3), Step::IssueTokens);
        assert_eq!(decide(&[wrong(), wrong(), round(CUSTOM_CHALLENGE, true)], false, 3), Step::IssueTokens);
    }

    #[test]
    fn three_wrong_answers_fail_the_sign_in_and_fewer_ask_again() {
        assert_eq!(decide(&[wrong()], false, 3), Step::Challenge);
        assert_eq!(decide(&[wrong(), wrong()], false, 3), Step::Challenge);
        assert_eq!(decide(&[wrong(), wrong(), wrong()], false, 3), Step::Fail(Reason::TooManyAnswers));
        assert_eq!(decide(&[wrong()], false, 1), Step::Fail(Reason::TooManyAnswers));
    }

    #[test]
    fn an_unknown_user_walks_the_same_steps_and_never_gets_tokens() {
        for session in [vec![], vec![wrong()], vec![wrong(), wrong()], vec![wrong(), wrong(), wrong()]] {
            assert_eq!(decide(&session, true, 3), decide(&session, false, 3), "{} rounds", session.len());
        }
        assert_eq!(decide(&[round(CUSTOM_CHALLENGE, true)], true, 3), Step::Fail(Reason::UnknownUser));
    }

    #[test]
    fn rounds_that_are_not_the_code_fail() {
        assert_eq!(decide(&[round("SRP_A", true)], false, 3), Step::Fail(Reason::ForeignChallenge));
        assert_eq!(
            decide(&[round("PASSWORD_VERIFIER", true), wrong()], false, 3),
            Step::Fail(Reason::ForeignChallenge)
        );
        assert_eq!(decide(&[None], false, 3), Step::Fail(Reason::ForeignChallenge));
    }
}
