//! `expire`: a user still UNCONFIRMED is deleted, its reservations released, and a notice sent
//! once — only when it is the user this sign-up created (`ReminderTask::identify`: same `sub`,
//! else created no later than the sign-up). A confirmed user, or another user of the same name,
//! is left alone; a user who is gone gets its pending reservations released.
//!
//! Every step is safe to repeat, and a retry after a partial failure finishes the job: before
//! deleting, an "expiring" record is claimed for the sign-up, so a retry that finds the user gone
//! knows the deletion was ours and still releases and sends the notice. A user who disappeared
//! otherwise (deleted by an admin) has no such record and gets no notice.

use std::collections::BTreeSet;

use trigger_core::TriggerError;
use trigger_core::domain_events::{self, ExpiredSignUp};
use trigger_core::ports::{DirectoryUser, UserStatus};
use trigger_core::reservations::{self, Kind};
use trigger_core::{idempotency, metrics};

use crate::messages::Recipient;
use crate::once::{LEASE, send_once};
use crate::task::{Identity, Outcome, ReminderTask};
use crate::{Ports, Settings, messages, recipient};

/// The record that says "this sign-up is being (or was) expired by us".
pub const PURPOSE: &str = "signup-expire";
/// The notice's once-only record.
pub const NOTICE_PURPOSE: &str = "signup-expire-notice";

pub async fn expire(settings: &Settings, ports: &Ports, task: &ReminderTask) -> Result<Outcome, TriggerError> {
    let pool = task.user_pool_id.as_str();
    let marker = idempotency::key(PURPOSE, &task.signup_id());
    let now = ports.clock.epoch_seconds();
    let user = ports.directory.get_user(pool, &task.user_name).await?;
    let ours = match &user {
        Some(user) if user.status != UserStatus::Unconfirmed => return Ok(Outcome::SkippedConfirmed),
        Some(user) if task.identify(user) != Identity::Same => {
            // Deleting by name alone could remove a newer sign-up that reused the name.
            tracing::warn!(trigger = crate::NAME, identity = ?task.identify(user), "not this sign-up's user: not deleted");
            return Ok(Outcome::SkippedOtherUser);
        }
        Some(_) => {
            // Written now or by an earlier attempt: the record exists; the steps below are each
            // idempotent, so a second attempt simply repeats them.
            idempotency::mark(&*ports.store, &marker, now, LEASE.keep_seconds).await?;
            // Cognito has no conditional delete: a confirmation landing between the read above
            // and this call is lost. The window is one round trip.
            ports.directory.delete_user(pool, &task.user_name).await?;
            true
        }
        None => ports.store.get(&marker).await?.is_some_and(|record| !record.is_expired(now)),
    };
    release_all(ports, task, user.as_ref()).await?;
    if !ours {
        return Ok(Outcome::SkippedGone);
    }
    let to = recipient(user.as_ref().and_then(|u| u.attribute("email")), task);
    if let Some(to) = &to {
        match messages::expiry_notice(settings, Recipient { to, user: user.as_ref() }) {
            Ok(notice) => {
                let key = idempotency::key(NOTICE_PURPOSE, &task.signup_id());
                send_once(&*ports.store, &*ports.mailer, &key, &notice, now).await?;
            }
            Err(err) => {
                // As the reminder: a retry would not render it either; the expiry itself is done.
                metrics::count(crate::NAME, "ExpiryNoticeNotRendered");
                tracing::error!(trigger = crate::NAME, error = %err, "expiry notice not rendered: not sent");
            }
        }
    }
    // Last, once every step is done: a retried step publishes again, under the same id.
    let signup_id = task.signup_id();
    let sub = task.sub.as_deref().or_else(|| user.as_ref().and_then(|u| u.attribute("sub")));
    let expired = ExpiredSignUp {
        user_pool_id: pool,
        user_name: &task.user_name,
        signup_id: &signup_id,
        sub,
        email: to.as_deref(),
        signed_up_at: task.signed_up_at,
    };
    ports.events.publish(crate::NAME, &domain_events::sign_up_expired(&expired, ports.clock.epoch_millis())).await;
    Ok(Outcome::Expired)
}

/// Releases every e-mail and phone the user held pending: from the directory (while it still
/// exists) and from the input. `release` only deletes a PENDING row owned by this user name, so
/// a value someone else holds, or a confirmed one, is never touched.
async fn release_all(ports: &Ports, task: &ReminderTask, user: Option<&DirectoryUser>) -> Result<(), TriggerError> {
    let from_user = |kind: Kind| user.and_then(|u| u.attribute(kind.attribute())).map(str::to_owned);
    let mut values = BTreeSet::new();
    for (kind, given) in [(Kind::Email, task.email.clone()), (Kind::Phone, task.phone_number.clone())] {
        for value in [from_user(kind), given].into_iter().flatten() {
            if !value.trim().is_empty() {
                values.insert((kind == Kind::Phone, kind.normalise(&value)));
            }
        }
    }
    for (phone, value) in values {
        let kind = if phone { Kind::Phone } else { Kind::Email };
        reservations::release(&*ports.store, &task.user_pool_id, kind, &value, &task.user_name).await?;
    }
    Ok(())
}
