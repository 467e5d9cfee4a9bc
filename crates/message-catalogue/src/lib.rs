//! The message catalogue shared by `custom-message`, `custom-email-sender` and
//! `custom-sms-sender`: for each kind of message and each locale, a subject, an HTML body, a text
//! body and an SMS text, rendered with minijinja.
//!
//! - HTML bodies are autoescaped, other parts are not; undefined values are errors (strict).
//! - The code, user name and link are passed in as values (`{{ code }}`), never written into a
//!   template: in Jinja syntax Cognito's `{####}` and `{##…##}` are comments.
//! - Built-in templates (`templates/`, compiled in) in English, German and Portuguese; a
//!   directory of overrides replaces any of them or adds locales.
//! - Loading validates every template: it renders with sample values, prints the code (and the
//!   user name in an invitation) and stays within Cognito's limits. A problem names the file and
//!   the line.
//! - An invitation SMS that the real user name and temporary password push past 140 characters is
//!   sent in a shorter form of its language instead (`sms_fit`): name and password never cut.
//!
//! Pure: no AWS, no trigger contract. See `docs/triggers/custom-message.md`.

mod builtin;
mod catalogue;
mod kind;
pub mod locale;
mod overrides;
mod problem;
pub mod settings;
pub mod sms_fit;

pub use builtin::LOCALES as BUILTIN_LOCALES;
pub use catalogue::{Catalogue, CatalogueError, Message, Notice, NoticeLimits, RenderError, Slot, Values};
pub use kind::{EMAIL_LIMIT, MessageKind, Part, SMS_LIMIT, SUBJECT_LIMIT, parse_file_name, template_name};
pub use problem::{Problem, Problems};
#[cfg(feature = "env")]
pub use settings::catalogue_from_env;
pub use settings::{SettingError, catalogue_from};
