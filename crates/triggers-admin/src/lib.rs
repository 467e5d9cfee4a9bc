//! The operator command behind `triggers-admin`, on the real table (`TABLE_NAME`) and user pool
//! (credentials and region from the usual AWS_* environment):
//!
//! - `show` / `unlock`: the sign-in lockout of one user name ([`lockout`]);
//! - `release`: deletes the e-mail or phone reservation of one address, unless a live user holds
//!   it ([`release`], the rule in [`holder`]);
//! - `backfill`: reservations for every existing user of a pool, paced below ListUsers' fixed
//!   quota, resumable ([`backfill`]).
//!
//! `main.rs` only builds the clients; everything here takes ports, so it is tested with the fakes.

pub mod backfill;
pub mod command;
pub mod holder;
pub mod lockout;
pub mod pace;
pub mod release;

use std::sync::Arc;

pub use command::{Command, USAGE};
use trigger_core::domain_events::Events;
use trigger_core::ports::{Clock, PortError, Store, UserDirectory};

use crate::pace::Pace;

/// Where progress lines go (stderr in the binary): kept apart from the report on stdout, so the
/// report can be piped while the operator watches the progress.
pub trait Progress: Send + Sync {
    fn line(&self, text: &str);
}

/// Progress on stderr.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stderr;

impl Progress for Stderr {
    fn line(&self, text: &str) {
        eprintln!("{text}");
    }
}

/// What the commands run against.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub directory: Arc<dyn UserDirectory>,
    pub clock: Arc<dyn Clock>,
    pub pace: Arc<dyn Pace>,
    pub progress: Arc<dyn Progress>,
    /// The event bus (`EVENT_BUS_NAME`; disabled when unset): `UserUnlocked`.
    pub events: Events,
}

/// How a command ended: the process exit code follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Done, or nothing to do: exit 0.
    Done,
    /// Refused (a live holder) or failed: exit 1.
    Failed,
}

impl Status {
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Done => 0,
            Self::Failed => 1,
        }
    }
}

/// What a command did: its status and the report to print on stdout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub report: String,
}

impl Outcome {
    pub fn done(report: impl Into<String>) -> Self {
        Self { status: Status::Done, report: report.into() }
    }

    pub fn failed(report: impl Into<String>) -> Self {
        Self { status: Status::Failed, report: report.into() }
    }
}

/// A port error as an operator reads it: the service's message without the SDK's dump of the
/// raw response that follows it.
pub fn brief(err: &PortError) -> String {
    let detail = err.detail.split(" (").next().unwrap_or_default();
    let detail: String = detail.chars().take(300).collect();
    format!("{} {} failed ({}): {detail}", err.service, err.operation, err.kind)
}

/// Runs one command.
pub async fn run(command: &Command, ports: &Ports) -> Outcome {
    let (pool, username, names, unlock) = match command {
        Command::Release(request) => return release::run(request, ports).await,
        Command::Backfill(request) => return backfill::run(request, ports).await,
        Command::Unlock { user_pool_id, username, names } => (user_pool_id, username, *names, true),
        Command::Show { user_pool_id, username, names } => (user_pool_id, username, *names, false),
    };
    let (store, directory, clock) = (ports.store.as_ref(), ports.directory.as_ref(), ports.clock.as_ref());
    let given = lockout::Given { pool, name: username, names };
    match lockout::run(&given, unlock, store, directory, clock, &ports.events).await {
        Ok(report) => Outcome::done(report),
        Err(err) => Outcome::failed(format!("failed: {}", brief(&err))),
    }
}

#[cfg(test)]
mod tests {
    use trigger_core::ports::PortErrorKind;

    use super::*;

    #[test]
    fn brief_errors_drop_the_sdk_dump() {
        let err = PortError::new(
            "cognito-idp",
            "ListUsers",
            PortErrorKind::Rejected,
            "service error: ResourceNotFoundException: User pool x does not exist. (ServiceError(ServiceError { raw }))",
        );
        assert_eq!(
            brief(&err),
            "cognito-idp ListUsers failed (rejected): service error: ResourceNotFoundException: User pool x does not exist."
        );
    }
}
