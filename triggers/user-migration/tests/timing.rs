//! Issue 22, item 7, measured the way the issue measured it: the release binary
//! (`cargo build --release -p user-migration`) under a Lambda Runtime API on loopback
//! (`trigger_core::testing::runtime_api`), its legacy table and project table in moto, one
//! bcrypt cost-12 row. Times an unknown name against a wrong password for that row, as the
//! runtime sees each invocation (delivered → answered), and holds them to the same cost.
//!
//! ```text
//! cargo build --release -p user-migration
//! AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
//!   TABLE_NAME=cognito-triggers-local cargo test -p user-migration --test timing -- --include-ignored --nocapture
//! ```
//! `USER_MIGRATION_BINARY` names another binary (default: `target/release/user-migration` when it
//! exists, else the `target/debug` one that `make test` builds: the hash crates are optimised in
//! debug builds too, so the hash still dominates both times).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{event, legacy_table, put_row};
use trigger_core::testing::runtime_api::{Answer, RuntimeApi};
use trigger_core::testing::{local_aws, table_name, unique};

/// A bcrypt hash of cost 12 (the bound, and the issue's rows): only its cost matters here.
const COST_12: &str = "$2b$12$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
const ROUNDS: usize = 5;

fn binary() -> PathBuf {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let release = target.join("release/user-migration");
    std::env::var_os("USER_MIGRATION_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| if release.is_file() { release } else { target.join("debug/user-migration") })
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// One invocation, timed as the runtime sees it; the answer must be a refusal.
fn timed(api: &RuntimeApi, payload: serde_json::Value) -> Duration {
    let id = api.invoke(payload);
    let done = api.wait_for_answer(&id, Duration::from_secs(10)).unwrap();
    match &done.answer {
        Some(Answer::Error(error)) => {
            assert!(error.to_string().contains("Incorrect username or password"), "{error}");
        }
        other => panic!("not refused: {other:?}"),
    }
    done.answered_at.unwrap() - done.delivered_at.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the local stack and the release binary: see the module comment"]
async fn an_unknown_name_takes_as_long_as_a_wrong_password_with_the_release_binary() {
    let binary = binary();
    assert!(binary.is_file(), "{} missing: cargo build [--release] -p user-migration", binary.display());
    let aws = local_aws().await.unwrap();
    let table = legacy_table(&aws).await;
    let user = unique("costly").to_lowercase();
    put_row(&aws, &table, &user, COST_12, &format!("{user}@example.com")).await;

    let pool = unique("us-east-1_timing");
    let sign_in = |name: &str| event("UserMigration_Authentication", &pool, name, Some("Wrong-Passw0rd!"));
    // The first instance of a deployment: its first unknown name comes before any row was seen.
    let (api, mut child) = instance(&binary, &table);
    let first_ever = timed(&api, sign_in(&unique("nobody")));
    let (mut wrong, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        wrong.push(timed(&api, sign_in(&user)));
        unknown.push(timed(&api, sign_in(&unique("nobody"))));
    }
    child.kill().unwrap();
    let _ = child.wait();
    // A cold start after that: it recalls the dummy the first instance saved.
    let (api, mut child) = instance(&binary, &table);
    let cold = timed(&api, sign_in(&unique("nobody")));
    child.kill().unwrap();
    let _ = child.wait();
    let (wrong, unknown) = (median(wrong), median(unknown));
    println!(
        "user-migration release binary, bcrypt cost-12 row, median of {ROUNDS}: wrong password {wrong:?}, \
         unknown name {unknown:?}; first unknown name of a cold instance {cold:?}; first unknown name of the \
         deployment's first instance (no row seen anywhere yet: LEGACY_DUMMY_HASH) {first_ever:?}"
    );
    for (what, took) in [("unknown", unknown), ("cold start", cold)] {
        let ratio = took.as_secs_f64() / wrong.as_secs_f64();
        // A cost-10 dummy against cost-12 rows (the bug) is about 0.25; the margin absorbs a busy machine.
        assert!(ratio > 0.6, "{what} {took:?} vs wrong {wrong:?}: the time tells the names apart");
    }
}

/// The release binary under its own Runtime API, reading the legacy table `table`.
fn instance(binary: &std::path::Path, table: &str) -> (RuntimeApi, std::process::Child) {
    let api = RuntimeApi::start().unwrap();
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let child = Command::new(binary)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", api.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", "user-migration")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("TABLE_NAME", table_name())
        .env("LEGACY_USERS_TABLE", table)
        // Nothing locks in the middle of the measurement; the lock is still read.
        .env("MIGRATION_LOCKOUT", "check")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    (api, child)
}
