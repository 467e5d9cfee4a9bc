//! `SETTINGS_FILE` as Lambda runs it: the real binary, under the Runtime API emulator, takes
//! `DENIED_EMAIL_DOMAINS` from a JSON file (on Lambda, one in a layer under `/opt`) and denies a
//! sign-up from a listed domain; with the same variable also in the environment it fails init,
//! naming the variable and neither value, and never asks for an event.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::io::Read;
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::Value;
use trigger_core::testing::runtime_api::{Answer, RuntimeApi};

fn denied_domain_event() -> Value {
    let path = format!("{}/../../tests/fixtures/events/pre-signup-denied-domain.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The settings file for one test, removed on drop.
struct SettingsFile(PathBuf);

impl SettingsFile {
    fn new(test: &str, content: &str) -> Self {
        let path = std::env::temp_dir().join(format!("pre-signup-settings-{}-{test}.json", std::process::id()));
        std::fs::write(&path, content).unwrap();
        Self(path)
    }
}

impl Drop for SettingsFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn start(api: &RuntimeApi, file: &SettingsFile, extra: &[(&str, &str)]) -> Child {
    api.lambda_process(env!("CARGO_BIN_EXE_pre-signup"), "pre-signup")
        .env("UNIQUE_EMAIL", "false")
        .env("SETTINGS_FILE", &file.0)
        .envs(extra.iter().copied())
        .spawn()
        .unwrap()
}

#[test]
fn a_denied_domain_list_from_the_settings_file_denies_the_sign_up() {
    let api = RuntimeApi::start().unwrap();
    let file = SettingsFile::new("list", r#"{"DENIED_EMAIL_DOMAINS": "blocked.example"}"#);
    let mut child = start(&api, &file, &[]);
    let mut allowed = denied_domain_event();
    allowed["request"]["userAttributes"]["email"] = Value::from("jane@example.com");

    let denied_id = api.invoke(denied_domain_event());
    let denied = api.wait_for_answer(&denied_id, Duration::from_secs(30)).unwrap().answer;
    let allowed_id = api.invoke(allowed);
    let allowed = api.wait_for_answer(&allowed_id, Duration::from_secs(30)).unwrap().answer;
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(matches!(denied, Some(Answer::Error(_))), "blocked.example comes from the file: {denied:?}");
    assert!(matches!(allowed, Some(Answer::Response(_))), "{allowed:?}");
    assert_eq!(api.init_error(), None);
}

#[test]
fn a_variable_both_in_the_environment_and_in_the_file_fails_init_naming_it() {
    let api = RuntimeApi::start().unwrap();
    let file = SettingsFile::new("both", r#"{"DENIED_EMAIL_DOMAINS": "from-file.example"}"#);
    let mut child = start(&api, &file, &[("DENIED_EMAIL_DOMAINS", "from-env.example")]);

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("pre-signup started although DENIED_EMAIL_DOMAINS is set twice");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut output = String::new();
    child.stdout.take().unwrap().read_to_string(&mut output).unwrap();

    assert!(!status.success(), "{status:?}");
    assert_eq!(api.requests(), 0, "a function that failed init asks for no event");
    let failed: Vec<Value> = output
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.to_string().contains("init failed"))
        .collect();
    assert_eq!(failed.len(), 1, "{output}");
    let line = failed[0].to_string();
    assert!(line.contains("DENIED_EMAIL_DOMAINS is set both in the environment and in SETTINGS_FILE"), "{line}");
    assert!(!line.contains("from-file") && !line.contains("from-env"), "no value in the log: {line}");
}
