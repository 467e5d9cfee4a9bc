//! Verify auth challenge response trigger: is the answer the e-mailed code? See
//! `docs/triggers/passwordless.md`.
//!
//! The answer is hashed with the challenge's salt and compared with the hash create issued, in
//! constant time, and only while the code is valid (the expiry comes with the challenge in the
//! private parameters). An unknown user name (`userNotFound`) is hashed and compared the same
//! way, and always answered wrong. It calls nothing but the clock, so it cannot fail for want
//! of a dependency; a challenge it cannot read is a wrong answer (fail closed).

pub mod settings;

use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::events::{VerifyAuthChallengeResponseEvent, VerifyAuthChallengeResponseSource};
use trigger_core::ports::{Clock, SystemClock};
use trigger_core::runtime::{Boot, InitError};
use trigger_core::sign_in_code::{Challenge, Verdict};
use trigger_core::{Trigger, TriggerError, metrics};

pub use settings::Settings;

/// The binary name.
pub const NAME: &str = "verify-auth-challenge-response";

/// What the trigger talks to: the clock.
#[derive(Clone)]
pub struct Ports {
    pub clock: Arc<dyn Clock>,
}

/// The verify auth challenge response trigger.
pub struct VerifyAuthChallengeResponse {
    #[allow(dead_code)] // the skeleton every trigger shares; this one has no setting
    settings: Settings,
    ports: Ports,
}

/// What the answer is worth, and why (for the log and the metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Correct,
    Wrong,
    Expired,
    /// No challenge this trigger can read in the private parameters.
    NoChallenge,
    /// The user name has no account: never correct.
    UnknownUser,
}

/// The decision, a plain function of the request and the time.
pub fn decide(event: &VerifyAuthChallengeResponseEvent, now: i64) -> Outcome {
    let request = &event.request;
    let Some(challenge) = Challenge::from_private_parameters(&request.private_challenge_parameters) else {
        return Outcome::NoChallenge;
    };
    let answer = request.challenge_answer.as_ref().map_or("", |a| a.expose().as_str());
    let verdict = challenge.check(answer, now);
    if request.user_not_found {
        return Outcome::UnknownUser;
    }
    match verdict {
        Verdict::Correct => Outcome::Correct,
        Verdict::Wrong => Outcome::Wrong,
        Verdict::Expired => Outcome::Expired,
    }
}

impl VerifyAuthChallengeResponse {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: nothing to build but the clock.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        Ok(Self::new(Settings::from_env(&boot.env)?, Ports { clock: Arc::new(SystemClock) }))
    }
}

#[async_trait]
impl Trigger for VerifyAuthChallengeResponse {
    const NAME: &'static str = NAME;
    type Event = VerifyAuthChallengeResponseEvent;

    async fn handle(
        &self,
        mut event: VerifyAuthChallengeResponseEvent,
    ) -> Result<VerifyAuthChallengeResponseEvent, TriggerError> {
        let outcome = if event.trigger_source == VerifyAuthChallengeResponseSource::Authentication {
            decide(&event, self.ports.clock.epoch_seconds())
        } else {
            tracing::warn!(source = %event.trigger_source, "a source this trigger does not know: answered wrong");
            Outcome::NoChallenge
        };
        event.response.answer_correct = outcome == Outcome::Correct;
        metrics::count(NAME, if event.response.answer_correct { "AnswerCorrect" } else { "AnswerRefused" });
        if outcome == Outcome::NoChallenge {
            tracing::warn!("no sign-in code challenge in the private parameters: answered wrong");
        }
        tracing::info!(?outcome, "answer checked");
        Ok(event)
    }
}
