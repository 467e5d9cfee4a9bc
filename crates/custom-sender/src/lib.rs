//! The pure part of the custom e-mail and SMS senders (issue 10), shared by the two binaries to
//! come: which catalogue message each `CustomEmailSender_*` / `CustomSMSSender_*` source asks
//! for, who receives it, what the templates are filled with, and the key that makes a delivery
//! happen once although Lambda invokes the senders asynchronously and retries them.
//!
//! Decrypting `request.code` (AWS Encryption SDK, `aws-esdk`) and sending (SESv2, SNS) are ports
//! the binaries will bring; nothing here calls AWS.

pub mod delivery;
pub mod html;
pub mod plan;
pub mod source;

pub use delivery::{DELIVERY_KEEP_SECONDS, delivery_id, delivery_key};
pub use plan::{Outgoing, SenderError, plan_email, plan_sms};
pub use source::{Channel, email_kind, sms_kind};
