//! What the custom e-mail and SMS senders share: which catalogue message each
//! `CustomEmailSender_*` / `CustomSMSSender_*` source asks for, who receives it, what the
//! templates are filled with, the key that makes a delivery happen once although Lambda invokes
//! the senders asynchronously and retries them, and the decrypt → claim → send → complete flow
//! around the channel's send (`deliver`).
//!
//! Decrypting (`esdk-decryptor`), sending (SESv2, SNS) and the store are ports the binaries
//! bring; nothing here builds an AWS client, so this crate does not link the Encryption SDK.

pub mod deliver;
pub mod delivery;
pub mod html;
pub mod key_arn;
pub mod plan;
pub mod settings;
pub mod source;

pub use deliver::{DELIVERY_LEASE, decrypt_code, not_planned, send_once};
pub use delivery::{DELIVERY_KEEP_SECONDS, delivery_id, delivery_key};
pub use key_arn::{is_key_arn, key_arn_from_env};
pub use plan::{Outgoing, SenderError, plan_email, plan_sms};
pub use settings::SenderSettings;
pub use source::{Channel, email_kind, sms_kind};
