//! `make bench`: signup-reminder's in-process overhead on its common path, a `remind` step for a
//! user still unconfirmed (the directory read, the send-once claim, the e-mail rendered and sent),
//! every port faked: what the worker itself adds to a state-machine step
//! (`trigger_core::testing::overhead`; target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use signup_reminder::{Ports, Settings, SignupReminder};
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore, RecordingMailer};
use trigger_core::ports::{DirectoryUser, UserStatus};
use trigger_core::testing::overhead::{Overhead, fixture, numbered};

fn overhead() -> Overhead<SignupReminder> {
    let template = fixture("signup-reminder-remind.json").unwrap();
    let signed_up_at = template["signedUpAt"].as_i64().unwrap();
    // The fixture's user, unconfirmed, created right after the sign-up (so it is the one to remind).
    let directory = FakeDirectory::with_users(vec![DirectoryUser {
        username: template["userName"].as_str().unwrap().to_owned(),
        status: UserStatus::Unconfirmed,
        enabled: true,
        created_at: Some(signed_up_at + 2),
        attributes: BTreeMap::from([
            ("sub".into(), "sub-jane".into()),
            ("email".into(), "jane.doe@example.com".into()),
        ]),
    }]);
    let env = Env::from_pairs([
        ("TABLE_NAME", "bench"),
        ("REMINDER_EMAIL_FROM", "no-reply@example.com"),
        ("SIGNUP_URL", "https://example.com/signup"),
    ]);
    let ports = Ports {
        directory: Arc::new(directory),
        store: Arc::new(InMemoryStore::default()),
        mailer: Arc::new(RecordingMailer::default()),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        events: Events::disabled(),
    };
    Overhead::new(SignupReminder::new(Settings::from_env(&env).unwrap(), ports)).unwrap()
}

/// Reminders of other sign-ups (executions) of the fixture's user: the reminder is sent once per
/// sign-up, so the same execution again would be `already-sent`, another path.
fn reminders() -> impl FnMut() -> Value {
    numbered(fixture("signup-reminder-remind.json").unwrap(), |task, n| {
        task["execution"]["name"] = Value::from(format!("signup-bench-{n:032x}"));
    })
}

#[divan::bench]
fn signup_reminder_remind(bencher: divan::Bencher) {
    let overhead = overhead();
    bencher.with_inputs(reminders()).bench_local_values(|task| overhead.call(task).unwrap());
}

fn main() {
    divan::main();
    let sent = |answer: &Value| answer["outcome"] == "sent";
    overhead().report("signup-reminder, a reminder sent (remind step)", reminders(), sent).unwrap();
}
