//! What the custom e-mail and SMS senders share: which catalogue message each
//! `CustomEmailSender_*` / `CustomSMSSender_*` source asks for, who receives it, what the
//! templates are filled with, the key that makes a delivery happen once although Lambda invokes
//! the senders asynchronously and retries them, and the decrypt → claim → send → complete flow
//! around the channel's send (`deliver`). The account-takeover notice (`notice`) carries no code
//! and no address: its recipient is the user's directory entry.
//!
//! Decrypting (`esdk-decryptor`), sending (SESv2, SNS), the directory and the store are ports the binaries
//! bring; nothing here builds an AWS client, so this crate does not link the Encryption SDK.

pub mod deliver;
pub mod delivery;
pub mod html;
pub mod key_arn;
pub mod notice;
pub mod plan;
pub mod settings;
pub mod source;

pub use deliver::{DELIVERY_LEASE, decrypt_code, is_permanent_refusal, look_up_recipient, not_planned, send_once};
pub use delivery::{DELIVERY_KEEP_SECONDS, Identity, delivery_id, delivery_key, message_id};
pub use key_arn::{is_key_arn, key_arn_from_env};
pub use plan::{Envelope, Outgoing, SenderError, plan, plan_email, plan_sms};
pub use settings::SenderSettings;
pub use source::{Channel, email_kind, sms_kind};
