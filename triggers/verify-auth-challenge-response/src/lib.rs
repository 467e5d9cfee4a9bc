//! Verify auth challenge response trigger: is the answer the e-mailed code? See
//! `docs/triggers/passwordless.md`.
//!
//! The answer is hashed with the challenge's salt and compared with the hash create issued, in
//! constant time, and only while the code is valid (the expiry comes with the challenge in the
//! private parameters). An unknown user name (`userNotFound`) is hashed and compared the same
//! way, and always answered wrong; a challenge it cannot read is a wrong answer.
//!
//! A right answer consumes the challenge: the issue row that create keeps for the user is
//! deleted on the condition that it still holds this challenge (one conditional `DeleteItem`).
//! So a used code signs in once — a create within its retry window can no longer hand the same
//! challenge to a new sign-in — and of two sessions that share one challenge only the first
//! right answer passes; a code superseded by a newer one no longer works either. When the row
//! cannot be consumed in time the answer is refused (fail closed: the person answers again).

pub mod settings;

use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::events::{VerifyAuthChallengeResponseEvent, VerifyAuthChallengeResponseSource};
use trigger_core::lockout::Subject;
use trigger_core::ports::{AttrValue, Clock, Condition, PortError, Store, SystemClock, WriteOutcome};
use trigger_core::runtime::{Boot, InitError, dependency_deadline};
use trigger_core::sign_in_code::{self, Challenge, SALT, Verdict};
use trigger_core::{Trigger, TriggerError, metrics};

pub use settings::Settings;

/// The binary name.
pub const NAME: &str = "verify-auth-challenge-response";

/// What the trigger talks to: the store (the issue row a right answer consumes) and the clock.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
}

/// The verify auth challenge response trigger.
pub struct VerifyAuthChallengeResponse {
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
    /// The right code, but its challenge was consumed by an earlier right answer or superseded
    /// by a newer code: refused.
    Used,
    /// The right code, but the store did not confirm the challenge was consumed: refused.
    NotConsumed,
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

    /// Cold start: settings, then the DynamoDB adapter.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let aws = boot.aws().await?;
        let store = Arc::new(aws.store(settings.table_name.clone()));
        Ok(Self::new(settings, Ports { store, clock: Arc::new(SystemClock) }))
    }

    /// A right answer: consume the challenge in the user's issue row, within the budget.
    async fn consume(&self, event: &VerifyAuthChallengeResponseEvent, challenge: &Challenge) -> Outcome {
        let request = &event.request;
        let subject = Subject::of_sign_in(
            &event.user_name,
            &request.user_attributes,
            request.user_not_found,
            self.settings.names,
        );
        let key = sign_in_code::issue_key(&event.user_pool_id, &subject);
        let holds_this_challenge = Condition::equals(SALT, AttrValue::s(challenge.salt()));
        let deleted =
            tokio::time::timeout_at(dependency_deadline(), self.ports.store.delete(&key, Some(&holds_this_challenge)))
                .await;
        match deleted {
            Ok(Ok(WriteOutcome::Written)) => Outcome::Correct,
            Ok(Ok(WriteOutcome::ConditionFailed { .. })) => Outcome::Used,
            Ok(Err(err)) => not_consumed(&err),
            Err(_) => not_consumed(&PortError::new(
                NAME,
                "consume",
                trigger_core::ports::PortErrorKind::Timeout,
                "not done within the budget",
            )),
        }
    }
}

fn not_consumed(err: &PortError) -> Outcome {
    metrics::count(NAME, "ConsumeFailed");
    tracing::warn!(error = %err, "the right code, but its challenge could not be consumed: refused");
    Outcome::NotConsumed
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
            match decide(&event, self.ports.clock.epoch_seconds()) {
                Outcome::Correct => {
                    match Challenge::from_private_parameters(&event.request.private_challenge_parameters) {
                        Some(challenge) => self.consume(&event, &challenge).await,
                        None => Outcome::NoChallenge,
                    }
                }
                other => other,
            }
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
