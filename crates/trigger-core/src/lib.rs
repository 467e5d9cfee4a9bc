//! Shared core of the cognito-triggers workspace: the Cognito event contract, configuration, the
//! error type, the ports with their AWS adapters (and in-memory fakes), logging, and the runtime
//! wiring every trigger binary uses. See `docs/architecture.md`.

pub mod aws;
pub mod config;
pub mod domain_events;
pub mod email;
pub mod error;
pub mod events;
/// In-memory fakes of the ports, for unit tests of the triggers: compiled only for tests
/// (`testing` feature, which dev-dependencies turn on), never into a binary.
#[cfg(any(test, feature = "testing"))]
pub mod fakes;
pub mod federation;
pub mod html;
pub mod idempotency;
pub mod lockout;
pub mod logging;
pub mod metrics;
pub mod ports;
pub mod profile;
pub mod random;
pub mod reservations;
pub mod runtime;
pub mod sign_in_code;
/// Helpers for tests against the local stack (and the Runtime API emulator): `testing` only.
#[cfg(feature = "testing")]
pub mod testing;
pub mod xray;

pub use config::{ConfigError, Env};
pub use error::{TriggerError, UserMessage, is_fit_for_cognito};
pub use runtime::{Boot, InitError, Trigger};
