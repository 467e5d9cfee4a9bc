//! Sign-up reminder worker, run by the reminder state machine (`state-machine.asl.json`), not by
//! Cognito. See `docs/triggers/signup-reminder.md`.
//!
//! The input is the execution input plus an `action`; the answer is the same object with an
//! `outcome`. Errors propagate: the state machine retries the task, and every side effect is
//! idempotent, so a retry finishes what an attempt started without repeating an e-mail.

pub mod expire;
pub mod messages;
pub mod once;
pub mod remind;
pub mod settings;
pub mod task;

use std::sync::Arc;

use async_trait::async_trait;
use trigger_core::domain_events::Events;
use trigger_core::metrics;
use trigger_core::ports::{Clock, DeleteOutcome, DirectoryUser, Mailer, PortError, Store, SystemClock, UserDirectory};
use trigger_core::runtime::{Boot, InitError};
use trigger_core::{Trigger, TriggerError};

pub use settings::Settings;
pub use task::{Action, Outcome, ReminderTask};

/// The binary name (and the `trigger` of its logs and metrics).
pub const NAME: &str = "signup-reminder";

/// The two directory operations the worker makes: read the user (`AdminGetUser`), delete it
/// (`AdminDeleteUser`). Every [`UserDirectory`] is one. Holding `dyn SignUpUsers` rather than
/// `dyn UserDirectory` keeps the other operations' client code out of the binary (a trait
/// object's vtable links every method of its trait): the room the message catalogue needed.
#[async_trait]
pub trait SignUpUsers: Send + Sync {
    async fn get_user(&self, user_pool_id: &str, username: &str) -> Result<Option<DirectoryUser>, PortError>;
    async fn delete_user(&self, user_pool_id: &str, username: &str) -> Result<DeleteOutcome, PortError>;
}

#[async_trait]
impl<T: UserDirectory + ?Sized> SignUpUsers for T {
    async fn get_user(&self, user_pool_id: &str, username: &str) -> Result<Option<DirectoryUser>, PortError> {
        UserDirectory::get_user(self, user_pool_id, username).await
    }

    async fn delete_user(&self, user_pool_id: &str, username: &str) -> Result<DeleteOutcome, PortError> {
        UserDirectory::delete_user(self, user_pool_id, username).await
    }
}

/// What the two actions talk to.
#[derive(Clone)]
pub struct Ports {
    pub directory: Arc<dyn SignUpUsers>,
    pub store: Arc<dyn Store>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    /// The event bus (`EVENT_BUS_NAME`; disabled when unset): `SignUpExpired`.
    pub events: Events,
}

/// The sign-up reminder worker.
pub struct SignupReminder {
    settings: Settings,
    ports: Ports,
}

impl SignupReminder {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self { settings, ports }
    }

    /// Cold start: settings, then the AWS adapters.
    pub async fn init(boot: Boot) -> Result<Self, InitError> {
        let settings = Settings::from_env(&boot.env)?;
        let aws = boot.aws().await?;
        let ports = Ports {
            directory: Arc::new(aws.directory()),
            store: Arc::new(aws.store(settings.table_name.clone())),
            mailer: Arc::new(aws.mailer()),
            clock: Arc::new(SystemClock),
            events: Events::from_env(&boot.env, &aws)?,
        };
        Ok(Self::new(settings, ports))
    }
}

/// The address to write to: the directory's current `email`, else the one given at sign-up.
pub(crate) fn recipient(from_directory: Option<&str>, task: &ReminderTask) -> Option<String> {
    [from_directory, task.email.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|v| v.contains('@'))
        .map(str::to_owned)
}

#[async_trait]
impl Trigger for SignupReminder {
    const NAME: &'static str = NAME;
    type Event = ReminderTask;

    async fn handle(&self, task: ReminderTask) -> Result<ReminderTask, TriggerError> {
        task.validate()?;
        let result = match task.action {
            Action::Remind => remind::remind(&self.settings, &self.ports, &task).await,
            Action::Expire => expire::expire(&self.settings, &self.ports, &task).await,
        };
        match result {
            Ok(outcome) => {
                tracing::info!(trigger = NAME, action = ?task.action, outcome = ?outcome, "step done");
                Ok(task.with_outcome(outcome))
            }
            Err(err) => {
                metrics::count(NAME, if task.action == Action::Remind { "RemindFailed" } else { "ExpireFailed" });
                Err(err)
            }
        }
    }
}
