//! Custom message trigger. See `docs/triggers/custom-message.md`.
//!
//! Every `CustomMessage_*` source is answered from the shared message catalogue, in the user's
//! language. It calls nothing. Failure policy: a message that cannot be rendered (a template
//! error at runtime, a message over Cognito's limits with this user's values) is logged and
//! counted, and the event goes back unchanged, so Cognito sends its own default message: the
//! user's sign-up, reset or sign-in never fails because of a template.

pub mod compose;
pub mod settings;

use async_trait::async_trait;
use trigger_core::events::CustomMessageEvent;
use trigger_core::metrics;
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError};

pub use settings::Settings;

/// The binary name.
pub const NAME: &str = "custom-message";

/// What the trigger talks to: nothing. It only builds text.
#[derive(Clone, Debug, Default)]
pub struct Ports {}

/// The custom message trigger.
pub struct CustomMessage {
    settings: Settings,
    #[allow(dead_code)] // the skeleton every trigger shares; this one has no port
    ports: Ports,
}

impl CustomMessage {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: the settings, which load and validate every template (a bad one fails init
    /// with its file and line). No client to build.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        tracing::info!(
            templates = settings.catalogue.template_count(),
            locales = ?settings.catalogue.locales().collect::<Vec<_>>(),
            default_locale = settings.catalogue.default_locale(),
            "message catalogue ready"
        );
        Ok(Self::new(settings, Ports::default()))
    }
}

#[async_trait]
impl Trigger for CustomMessage {
    const NAME: &'static str = NAME;
    type Event = CustomMessageEvent;

    async fn handle(&self, mut event: CustomMessageEvent) -> Result<CustomMessageEvent, TriggerError> {
        let settings = &self.settings;
        match compose::compose(&settings.catalogue, &event, settings.verification_by_link) {
            Ok(Some(message)) => {
                tracing::info!(source = %event.trigger_source, kind = %message.kind, locale = %message.locale, "message composed");
                compose::apply(&mut event.response, message);
            }
            Ok(None) => {
                tracing::warn!(source = %event.trigger_source, "unknown source: Cognito's own message is sent");
                metrics::count(NAME, "UnknownSource");
            }
            Err(err) => {
                tracing::error!(source = %event.trigger_source, error = %err, "message not rendered: Cognito's own message is sent");
                metrics::count(NAME, "TemplateFailed");
            }
        }
        Ok(event)
    }
}
