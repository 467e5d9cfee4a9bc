//! `remind`: a user still UNCONFIRMED gets the reminder e-mail, once per sign-up — if it is the
//! user this sign-up created (`ReminderTask::identify`).

use trigger_core::TriggerError;
use trigger_core::ports::UserStatus;
use trigger_core::{idempotency, metrics};

use crate::messages::Recipient;
use crate::once::send_once;
use crate::task::{Identity, Outcome, ReminderTask};
use crate::{Ports, Settings, messages, recipient};

pub const PURPOSE: &str = "signup-remind";

pub async fn remind(settings: &Settings, ports: &Ports, task: &ReminderTask) -> Result<Outcome, TriggerError> {
    let Some(user) = ports.directory.get_user(&task.user_pool_id, &task.user_name).await? else {
        return Ok(Outcome::SkippedGone);
    };
    if user.status != UserStatus::Unconfirmed {
        return Ok(Outcome::SkippedConfirmed);
    }
    if task.identify(&user) != Identity::Same {
        return Ok(Outcome::SkippedOtherUser);
    }
    let Some(to) = recipient(user.attribute("email"), task) else { return Ok(Outcome::SkippedNoEmail) };
    let email = match messages::reminder(settings, Recipient { to: &to, user: Some(&user) }) {
        Ok(email) => email,
        Err(err) => {
            // Validated at cold start: what still fails (a value past a limit) fails on every
            // retry too. Counted and skipped; the expiry follows as planned.
            metrics::count(crate::NAME, "ReminderNotRendered");
            tracing::error!(trigger = crate::NAME, error = %err, "reminder not rendered: not sent");
            return Ok(Outcome::SkippedNotRendered);
        }
    };
    let key = idempotency::key(PURPOSE, &task.signup_id());
    let now = ports.clock.epoch_seconds();
    Ok(if send_once(&*ports.store, &*ports.mailer, &key, &email, now).await? {
        Outcome::Sent
    } else {
        Outcome::AlreadySent
    })
}
