//! Define auth challenge trigger: the passwordless e-mail code sign-in's state machine. See
//! `docs/triggers/passwordless.md`.
//!
//! [`policy::decide`] reads the session and says: ask for the code, issue tokens, or fail. It
//! calls nothing, so it cannot fail for want of a dependency; a malformed event fails the sign-in
//! (Cognito answers the client with an error, nothing is issued).

pub mod policy;
pub mod settings;

use async_trait::async_trait;
use trigger_core::events::{CUSTOM_CHALLENGE, DefineAuthChallengeEvent, DefineAuthChallengeSource};
use trigger_core::metrics;
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError};

pub use policy::{Reason, Step};
pub use settings::Settings;

/// The binary name.
pub const NAME: &str = "define-auth-challenge";

/// What the trigger talks to: nothing. It decides from the session alone.
#[derive(Clone, Debug, Default)]
pub struct Ports {}

/// The define auth challenge trigger.
pub struct DefineAuthChallenge {
    settings: Settings,
    #[allow(dead_code)] // the skeleton every trigger shares; this one has no port
    ports: Ports,
}

impl DefineAuthChallenge {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: the settings. No client to build.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        Ok(Self::new(Settings::from_env(&boot.env)?, Ports::default()))
    }
}

#[async_trait]
impl Trigger for DefineAuthChallenge {
    const NAME: &'static str = NAME;
    type Event = DefineAuthChallengeEvent;

    async fn handle(&self, mut event: DefineAuthChallengeEvent) -> Result<DefineAuthChallengeEvent, TriggerError> {
        if event.trigger_source != DefineAuthChallengeSource::Authentication {
            tracing::warn!(source = %event.trigger_source, "a source this trigger does not know: the sign-in fails");
        }
        let request = &event.request;
        let step = if event.trigger_source.is_known() {
            policy::decide(&request.session, request.user_not_found, self.settings.max_answers)
        } else {
            Step::Fail(Reason::ForeignChallenge)
        };
        let rounds = request.session.len();
        let response = &mut event.response;
        response.challenge_name = None;
        response.issue_tokens = false;
        response.fail_authentication = false;
        match step {
            Step::Challenge => response.challenge_name = Some(CUSTOM_CHALLENGE.to_owned()),
            Step::IssueTokens => {
                response.issue_tokens = true;
                metrics::count(NAME, "SignedIn");
            }
            Step::Fail(reason) => {
                response.fail_authentication = true;
                metrics::count(NAME, "SignInFailed");
                tracing::info!(?reason, rounds, "code sign-in failed");
            }
        }
        tracing::info!(?step, rounds, "next step decided");
        Ok(event)
    }
}
