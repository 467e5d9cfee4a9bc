//! `SignUp`, `AdminCreateUser` and sources Cognito may add later: gather → decide → apply.
//!
//! - [`gather`]: the values, what the legacy stores hold ([`crate::legacy`]), the reservations
//!   ([`crate::uniqueness`]; a reservation is both a fact and the write that makes it one).
//! - [`decide`]: a plain function of (source, facts, settings): refuse, or what to answer.
//! - [`apply`]: the alias guard before verifying, the answer, the reminder.
//!
//! Domain verification is not proof: when [`auto_confirms`] has Cognito verify an address, the
//! reservation row is marked "verified by rule" in the same write, and the address is verified
//! only when that write succeeded, so that federated linking can always tell such an account
//! from one whose holder proved the address.

use trigger_core::events::{PreSignUpEvent, PreSignUpSource};
use trigger_core::ports::{SearchableAttribute, StartOutcome};
use trigger_core::reservations::Kind;
use trigger_core::runtime::dependency_deadline;
use trigger_core::{TriggerError, metrics};

use crate::email::Email;
use crate::legacy::{self, Values};
use crate::settings::Settings;
use crate::uniqueness::{self, Reservation};
use crate::{Held, NAME, PreSignUp, reminder, rules, taken};

/// Whether users other than this sign-up's are known to hold a value: what the alias guard
/// needs before it lets Cognito verify the value (verifying moves an alias to the new user).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherHolders {
    /// The reservation step looked in the pool (`CHECK_EXISTING_USERS`) and found nobody else.
    NoneFound,
    /// Not looked at, or someone else (unconfirmed) has it: the guard must look.
    Unknown,
}

/// What the reservation step says of one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reserved {
    /// Not reserved: no such value, its rule is off, or the check was skipped on a failure
    /// (`ON_DEPENDENCY_FAILURE=allow`).
    No,
    /// This sign-up holds it; `marked`: the row says "verified by rule".
    Ours { others: OtherHolders, marked: bool },
    /// Another user holds it.
    Taken,
}

/// What the outside world says about this sign-up's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub email: Option<Email>,
    pub phone: Option<String>,
    /// What a legacy store still holds (user-migration's backends); `None` also when unchecked.
    pub legacy: Option<Held>,
    pub email_reserved: Reserved,
    pub phone_reserved: Reserved,
}

impl Facts {
    /// Facts of a sign-up with these values and nothing known about them.
    pub fn of(email: Option<Email>, phone: Option<String>) -> Self {
        Self { email, phone, legacy: None, email_reserved: Reserved::No, phone_reserved: Reserved::No }
    }
}

/// What to answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub auto_confirm: bool,
    /// Verify the e-mail / phone, if the alias guard then finds nobody else holding it.
    pub verify_email: bool,
    pub verify_phone: bool,
    pub start_reminder: bool,
}

/// Auto-confirm by domain, never for AdminCreateUser (Cognito ignores the flags there).
pub fn auto_confirms(source: &PreSignUpSource, email: Option<&Email>, settings: &Settings) -> bool {
    *source != PreSignUpSource::AdminCreateUser && email.is_some_and(|e| rules::auto_confirms(e, settings))
}

/// The decision over the facts: refuse what a legacy user or another account holds; else
/// auto-confirm by domain, verify what is there — the address only where the reservation carries
/// the "verified by rule" mark (or, with `UNIQUE_EMAIL=false`, there is no reservation to carry
/// it) — and remind a self-service sign-up left to confirm.
pub fn decide(source: &PreSignUpSource, facts: &Facts, settings: &Settings) -> Result<Decision, TriggerError> {
    if let Some(held) = facts.legacy {
        return Err(taken(held, settings));
    }
    if facts.email_reserved == Reserved::Taken {
        return Err(taken(Kind::Email, settings));
    }
    if facts.phone_reserved == Reserved::Taken {
        return Err(taken(Kind::Phone, settings));
    }
    let auto_confirm = auto_confirms(source, facts.email.as_ref(), settings);
    let email_mark_recorded = match facts.email_reserved {
        Reserved::Ours { marked, .. } => marked,
        // No row by configuration: nothing to mark. A failed reservation: fail towards "not verified".
        Reserved::No => !settings.unique_email,
        Reserved::Taken => false,
    };
    Ok(Decision {
        auto_confirm,
        verify_email: auto_confirm && facts.email.is_some() && email_mark_recorded,
        verify_phone: auto_confirm && facts.phone.is_some(),
        start_reminder: *source == PreSignUpSource::SignUp && !auto_confirm,
    })
}

/// The whole branch: rules, gather, decide, apply.
pub async fn handle(trigger: &PreSignUp, event: &mut PreSignUpEvent) -> Result<(), TriggerError> {
    rules::check_username(&event.user_name, &event.trigger_source, &trigger.settings)?;
    let now = trigger.ports.clock.epoch_seconds();
    let facts = gather(trigger, event, now).await?;
    let decision = decide(&event.trigger_source, &facts, &trigger.settings)?;
    apply(trigger, event, &facts, decision, now).await;
    Ok(())
}

/// The facts: the legacy stores first (a sign-up they refuse reserves nothing), then the e-mail
/// and phone reservations. Dependency failures meet the failure policy here.
pub async fn gather(trigger: &PreSignUp, event: &PreSignUpEvent, now: i64) -> Result<Facts, TriggerError> {
    let attributes = &event.request.user_attributes;
    let typed_email = attributes.get("email");
    let email = typed_email.and_then(|e| Email::parse(e));
    let phone = attributes.get("phone_number").map(|p| Kind::Phone.normalise(p)).filter(|p| !p.is_empty());
    let mut facts = Facts::of(email, phone);
    facts.legacy = legacy_holds(trigger, event, typed_email.map(String::as_str), &facts).await?;
    if facts.legacy.is_some() {
        return Ok(facts);
    }
    let by_rule = auto_confirms(&event.trigger_source, facts.email.as_ref(), &trigger.settings);
    if let Some(email) = &facts.email {
        facts.email_reserved = reserve(trigger, event, Kind::Email, email.address(), by_rule, now).await?;
    }
    if let Some(phone) = &facts.phone {
        facts.phone_reserved = reserve(trigger, event, Kind::Phone, phone, by_rule, now).await?;
    }
    Ok(facts)
}

/// The squatting guard, for self-service sign-ups while a migration runs. Administrators'
/// `AdminCreateUser` is not guarded: it is how the last legacy users are imported at the end of a
/// migration (docs/triggers/user-migration.md), and how linking creates its native users.
async fn legacy_holds(
    trigger: &PreSignUp,
    event: &PreSignUpEvent,
    typed_email: Option<&str>,
    facts: &Facts,
) -> Result<Option<Held>, TriggerError> {
    if event.trigger_source == PreSignUpSource::AdminCreateUser || !trigger.legacy.is_configured() {
        return Ok(None);
    }
    let values = Values {
        user_name: &event.user_name,
        email: typed_email.zip(facts.email.as_ref()),
        phone: facts.phone.as_deref(),
    };
    let asked = legacy::lookup(&trigger.legacy, trigger.settings.user_names, values);
    // Bounded before the runtime's own deadline, so that a slow store meets the failure policy.
    let answer =
        tokio::time::timeout_at(dependency_deadline(), asked).await.unwrap_or_else(|_| Err(legacy::timed_out()));
    match answer {
        Ok(Some(held)) => {
            tracing::info!(trigger = NAME, ?held, "sign-up refused: a legacy user holds it");
            metrics::count(NAME, "LegacyValueHeld");
            Ok(Some(held))
        }
        Ok(None) => Ok(None),
        Err(err) => trigger.on_failure("legacy users", err).map(|()| None),
    }
}

/// Reserves a value (when its uniqueness rule is on).
async fn reserve(
    trigger: &PreSignUp,
    event: &PreSignUpEvent,
    kind: Kind,
    value: &str,
    auto_confirmed: bool,
    now: i64,
) -> Result<Reserved, TriggerError> {
    let settings = &trigger.settings;
    let on = match kind {
        Kind::Email => settings.unique_email,
        Kind::Phone => settings.unique_phone,
    };
    let Some(store) = trigger.ports.store.as_deref().filter(|_| on) else { return Ok(Reserved::No) };
    let marked = auto_confirmed && kind == Kind::Email;
    let request = uniqueness::Request {
        user_pool_id: &event.user_pool_id,
        username: &event.user_name,
        kind,
        value,
        now,
        pending_seconds: settings.pending_seconds,
        check_existing_users: settings.check_existing_users,
        // Cognito never runs post confirmation for administrators' users; an auto-confirmed user
        // is confirmed as soon as it exists: neither may hold a pending row that expires under it.
        permanent: event.trigger_source == PreSignUpSource::AdminCreateUser || auto_confirmed,
        verified_by_rule: marked,
    };
    match uniqueness::reserve(store, trigger.ports.directory.as_ref(), &request).await {
        Ok(Reservation::Reserved { others }) => {
            let others = if settings.check_existing_users && others.is_empty() {
                OtherHolders::NoneFound
            } else {
                OtherHolders::Unknown
            };
            Ok(Reserved::Ours { others, marked })
        }
        Ok(Reservation::Taken) => Ok(Reserved::Taken),
        Err(err) => trigger.on_failure("uniqueness", err).map(|()| Reserved::No),
    }
}

/// The alias guard: true only when no other user holds `value` (Cognito would move it to the
/// new user otherwise). Unsure (a failed lookup) counts as "someone might".
async fn nobody_else_holds(
    trigger: &PreSignUp,
    event: &PreSignUpEvent,
    kind: Kind,
    value: &str,
    reserved: Reserved,
) -> bool {
    if matches!(reserved, Reserved::Ours { others: OtherHolders::NoneFound, .. }) {
        return true;
    }
    let attribute = match kind {
        Kind::Email => SearchableAttribute::Email,
        Kind::Phone => SearchableAttribute::PhoneNumber,
    };
    match trigger.ports.directory.find_by_attribute(&event.user_pool_id, attribute, value).await {
        Ok(users) => users.iter().all(|u| u.username == event.user_name),
        Err(err) => {
            tracing::warn!(trigger = NAME, error = %err, "alias guard lookup failed: not auto-verifying");
            false
        }
    }
}

/// The decision applied: the flags (each verification behind the alias guard), then the reminder.
pub async fn apply(trigger: &PreSignUp, event: &mut PreSignUpEvent, facts: &Facts, decision: Decision, now: i64) {
    if decision.auto_confirm {
        let verify_email = match (&facts.email, decision.verify_email) {
            (Some(email), true) => {
                nobody_else_holds(trigger, event, Kind::Email, email.address(), facts.email_reserved).await
            }
            _ => false,
        };
        let verify_phone = match (&facts.phone, decision.verify_phone) {
            (Some(phone), true) => nobody_else_holds(trigger, event, Kind::Phone, phone, facts.phone_reserved).await,
            _ => false,
        };
        event.response.auto_confirm_user = true;
        event.response.auto_verify_email = verify_email;
        event.response.auto_verify_phone = verify_phone;
    }
    if decision.start_reminder {
        start_reminder(trigger, event, facts.email.as_ref(), now).await;
    }
}

async fn start_reminder(trigger: &PreSignUp, event: &PreSignUpEvent, email: Option<&Email>, now: i64) {
    let settings = &trigger.settings;
    let Some(reminder) = &settings.reminder else { return };
    let attributes = &event.request.user_attributes;
    let input = reminder::Input {
        user_pool_id: &event.user_pool_id,
        username: &event.user_name,
        sub: attributes.get("sub").map(String::as_str),
        email: email.map(Email::address),
        signed_up_at: now,
        remind_after_seconds: settings.remind_after_seconds,
        expire_after_seconds: settings.pending_seconds - settings.remind_after_seconds,
    };
    let name = reminder::execution_name(&event.user_pool_id, &event.user_name);
    // A reminder is a courtesy: it never costs anyone their sign-up.
    match trigger.ports.scheduler.start_execution(&reminder.state_machine_arn, &name, &input.to_json()).await {
        Ok(StartOutcome::Started { .. }) => tracing::info!(trigger = NAME, execution = name, "reminder started"),
        Ok(StartOutcome::AlreadyStarted) => {
            tracing::info!(trigger = NAME, execution = name, "reminder already started")
        }
        Err(err) => {
            tracing::error!(trigger = NAME, error = %err, "reminder not started");
            metrics::count(NAME, "ReminderStartFailed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EMAIL_TAKEN, GENERIC_TAKEN, PHONE_TAKEN, USERNAME_TAKEN};

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        crate::settings::for_test(("TABLE_NAME", "t"), pairs)
    }

    fn facts(email: &str, email_reserved: Reserved) -> Facts {
        Facts { email_reserved, ..Facts::of(Email::parse(email), None) }
    }

    const MARKED: Reserved = Reserved::Ours { others: OtherHolders::Unknown, marked: true };
    const UNMARKED: Reserved = Reserved::Ours { others: OtherHolders::Unknown, marked: false };

    #[test]
    fn auto_confirm_by_domain_except_for_admin_created_users_and_reminders_otherwise() {
        let s = settings(&[("AUTO_CONFIRM_EMAIL_DOMAINS", "corp.example")]);
        let corp = decide(&PreSignUpSource::SignUp, &facts("a@corp.example", MARKED), &s).unwrap();
        assert_eq!(
            corp,
            Decision { auto_confirm: true, verify_email: true, verify_phone: false, start_reminder: false }
        );
        let other = decide(&PreSignUpSource::SignUp, &facts("a@other.example", UNMARKED), &s).unwrap();
        assert_eq!(other, Decision { start_reminder: true, ..Decision::default() });
        let admin = decide(&PreSignUpSource::AdminCreateUser, &facts("a@corp.example", UNMARKED), &s).unwrap();
        assert_eq!(admin, Decision::default(), "Cognito ignores the flags there; no reminder either");
    }

    #[test]
    fn an_address_the_domain_rule_would_verify_without_the_mark_on_its_reservation_is_not_verified() {
        let s = settings(&[("AUTO_CONFIRM_EMAIL_DOMAINS", "corp.example")]);
        for reserved in [UNMARKED, Reserved::No] {
            let decision = decide(&PreSignUpSource::SignUp, &facts("ceo@corp.example", reserved), &s).unwrap();
            assert!(decision.auto_confirm, "{reserved:?}: still confirmed");
            assert!(!decision.verify_email, "{reserved:?}: fail towards not verified");
        }
        let no_table_rule = settings(&[("AUTO_CONFIRM_EMAIL_DOMAINS", "corp.example"), ("UNIQUE_EMAIL", "false")]);
        let decision = decide(&PreSignUpSource::SignUp, &facts("ceo@corp.example", Reserved::No), &no_table_rule);
        assert!(decision.unwrap().verify_email, "no reservation by configuration (linking is then refused at init)");
    }

    #[test]
    fn what_a_legacy_user_or_another_account_holds_is_refused_with_the_duplicate_texts() {
        let explicit = settings(&[]);
        let generic = settings(&[("DUPLICATE_MESSAGE", "generic")]);
        let cases = [
            (Facts { legacy: Some(Held::UserName), ..facts("a@example.com", Reserved::No) }, USERNAME_TAKEN),
            (Facts { legacy: Some(Held::Email), ..facts("a@example.com", Reserved::No) }, EMAIL_TAKEN),
            (Facts { legacy: Some(Held::Phone), ..facts("a@example.com", Reserved::No) }, PHONE_TAKEN),
            (facts("a@example.com", Reserved::Taken), EMAIL_TAKEN),
            (Facts { phone_reserved: Reserved::Taken, ..facts("a@example.com", UNMARKED) }, PHONE_TAKEN),
        ];
        for (facts, text) in cases {
            let err = decide(&PreSignUpSource::SignUp, &facts, &explicit).unwrap_err();
            assert_eq!(err.user_message(), text, "{facts:?}");
            let err = decide(&PreSignUpSource::SignUp, &facts, &generic).unwrap_err();
            assert_eq!(err.user_message(), GENERIC_TAKEN, "{facts:?}");
        }
    }
}
