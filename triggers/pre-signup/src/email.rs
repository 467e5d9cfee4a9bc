//! E-mail addresses as the rules see them: trigger-core's [`Email`], shared with the
//! inbound-federation trigger so that both normalise an address the same way.

pub use trigger_core::email::Email;
