//! Create auth challenge trigger: e-mails a one-time sign-in code. See
//! `docs/triggers/passwordless.md`.
//!
//! A later round of the same sign-in (after a wrong answer) finds its challenge in the session's
//! challenge metadata and asks for the same code again: nothing is read, written or sent. The
//! first round goes through [`issue::first_round`]: a retried create answers with the challenge
//! already issued (one e-mail per challenge), a new one is counted against the per-user send
//! limit, written to the issue row, then e-mailed. An unknown user name (`userNotFound`), or a
//! user without a (verified) address, walks exactly the same steps and gets the same answer;
//! nothing is sent.
//!
//! Failure policy: fail closed. Without the store there is neither a send limit nor retry
//! safety, and without SES no code: the create fails with the generic "try again" text (the
//! issue row is withdrawn after a failed send, so the next attempt e-mails a new code).

pub mod issue;
pub mod message;
pub mod settings;

use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::events::{CUSTOM_CHALLENGE, ChallengeResult, CreateAuthChallengeEvent, CreateAuthChallengeSource};
use trigger_core::lockout::{NameRule, Subject};
use trigger_core::ports::{Clock, Email, Mailer, PortError, PortErrorKind, Store, SystemClock};
use trigger_core::runtime::{Boot, InitError, dependency_deadline};
use trigger_core::sign_in_code::{self, Challenge};
use trigger_core::{Trigger, TriggerError, metrics};

pub use settings::Settings;

use issue::Issue;

/// The binary name.
pub const NAME: &str = "create-auth-challenge";

/// What the trigger talks to.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
}

/// The create auth challenge trigger.
pub struct CreateAuthChallenge {
    settings: Settings,
    ports: Ports,
}

/// The challenge of an earlier round of this sign-in, from the session's metadata.
pub fn earlier_challenge(session: &[Option<ChallengeResult>]) -> Option<Challenge> {
    session
        .iter()
        .rev()
        .flatten()
        .find_map(|round| round.challenge_metadata.as_deref().and_then(Challenge::from_metadata))
}

/// Whether a code may be e-mailed to this user: a known user with an address, verified unless
/// the settings say otherwise.
fn recipient<'a>(event: &'a CreateAuthChallengeEvent, settings: &Settings) -> Option<&'a str> {
    if event.request.user_not_found {
        return None;
    }
    let attributes = &event.request.user_attributes;
    let verified = attributes.get("email_verified").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    attributes
        .get("email")
        .map(|e| e.trim())
        .filter(|e| !e.is_empty() && (verified || !settings.require_verified_email))
}

/// Whose sign-in code rows: the user's `sub`, or the name the pool does not hold.
pub fn subject(event: &CreateAuthChallengeEvent, names: NameRule) -> Subject {
    let request = &event.request;
    Subject::of_sign_in(&event.user_name, &request.user_attributes, request.user_not_found, names)
}

impl CreateAuthChallenge {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: settings (templates validated), then the DynamoDB and SESv2 adapters.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let aws = boot.aws().await?;
        let ports = Ports {
            store: Arc::new(aws.store(settings.table_name.clone())),
            mailer: Arc::new(aws.mailer()),
            clock: Arc::new(SystemClock),
        };
        Ok(Self::new(settings, ports))
    }

    fn failed(metric: &str, err: PortError) -> TriggerError {
        metrics::count(NAME, metric);
        TriggerError::Port(err)
    }

    /// The first round: issue (or reuse) and e-mail.
    async fn first_round(&self, event: &CreateAuthChallengeEvent, now: i64) -> Result<Challenge, TriggerError> {
        let settings = &self.settings;
        let subject = subject(event, settings.names);
        let request = issue::Request {
            user_pool_id: &event.user_pool_id,
            subject: &subject,
            code_length: settings.code_length,
            code_ttl_seconds: settings.code_ttl_seconds,
            sends: &settings.sends,
        };
        let store = self.ports.store.as_ref();
        let (challenge, code) = match issue::first_round(store, &request, now).await {
            Ok(Issue::New { challenge, code }) => (challenge, code),
            Ok(Issue::Reused(challenge)) => {
                metrics::count(NAME, "ChallengeReused");
                tracing::info!("a create within the retry window: the challenge already issued, nothing sent");
                return Ok(challenge);
            }
            Ok(Issue::Limited { until }) => {
                metrics::count(NAME, "SendLimited");
                tracing::info!(until, "send limit reached");
                return Err(TriggerError::Denied(message::limited(until - now)));
            }
            Err(err) => return Err(Self::failed("StoreFailed", err)),
        };
        let Some(to) = recipient(event, settings) else {
            // The same steps as a real send, minus the e-mail.
            metrics::count(NAME, "NotSent");
            tracing::info!(user_not_found = event.request.user_not_found, "challenge issued; nothing sent");
            return Ok(challenge);
        };
        let message =
            message::render(&settings.catalogue, &event.request.user_attributes, &event.request.client_metadata, &code)
                .map_err(|err| TriggerError::Internal(format!("sign-in code message not rendered: {err}")))?;
        let email = Email {
            from: settings.from.clone(),
            to: to.to_owned(),
            subject: message.subject,
            text: message.text,
            html: Some(message.html),
            message_id: None,
        };
        match self.ports.mailer.send(&email).await {
            Ok(_) => {
                metrics::count(NAME, "CodeSent");
                tracing::info!(locale = %message.locale, "sign-in code sent");
                Ok(challenge)
            }
            Err(err) => {
                let key = sign_in_code::issue_key(&event.user_pool_id, &subject);
                if let Err(withdraw) = issue::withdraw(store, &key, &challenge).await {
                    tracing::warn!(error = %withdraw, "issue row not withdrawn; it is reused only within the retry window");
                }
                Err(Self::failed("SendFailed", err))
            }
        }
    }
}

#[async_trait]
impl Trigger for CreateAuthChallenge {
    const NAME: &'static str = NAME;
    type Event = CreateAuthChallengeEvent;

    async fn handle(&self, mut event: CreateAuthChallengeEvent) -> Result<CreateAuthChallengeEvent, TriggerError> {
        if event.trigger_source != CreateAuthChallengeSource::Authentication {
            tracing::warn!(source = %event.trigger_source, "a source this trigger does not know: no challenge");
            return Ok(event);
        }
        if event.request.challenge_name.as_deref() != Some(CUSTOM_CHALLENGE) {
            return Err(TriggerError::BadEvent(
                "create auth challenge for a challenge other than CUSTOM_CHALLENGE".into(),
            ));
        }
        if event.user_name.trim().is_empty() || event.user_pool_id.trim().is_empty() {
            return Err(TriggerError::BadEvent("create auth challenge without userName or userPoolId".into()));
        }
        let now = self.ports.clock.epoch_seconds();
        let challenge = match earlier_challenge(&event.request.session).filter(|c| !c.is_expired(now)) {
            Some(challenge) => {
                tracing::info!(round = event.request.session.len() + 1, "the same code asked for again");
                challenge
            }
            None => tokio::time::timeout_at(dependency_deadline(), self.first_round(&event, now)).await.map_err(
                |_| {
                    Self::failed(
                        "Timeout",
                        PortError::new(NAME, "first_round", PortErrorKind::Timeout, "not done within the budget"),
                    )
                },
            )??,
        };
        event.response.public_challenge_parameters = message::public_parameters(self.settings.code_length);
        event.response.private_challenge_parameters = challenge.private_parameters();
        event.response.challenge_metadata = Some(challenge.metadata());
        Ok(event)
    }
}
