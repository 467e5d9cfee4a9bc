//! `make bench`: 200 concurrent sign-in attempts on one user name, against moto with the real
//! store adapter (a benchmark, never a test: it prints figures and checks only the outcome
//! count): exactly `LOCKOUT_MAX_ATTEMPTS` (5 by default) may pass. Prints a Markdown table row
//! for docs/performance.md. `LOCKOUT_ON_STORE_FAILURE=deny`: with the default `allow`, an attempt
//! whose store call outlives its timeout is let through (fail open), and on a loaded machine one
//! moto serving 200 concurrent writes is that slow (measured: 36 allowed at load 20); refused
//! instead, "allowed" counts only attempts the lockout itself let through. At most 50 in flight. Needs `AWS_ENDPOINT_URL` pointing at a local moto (`make bench`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;
use std::time::{Duration, Instant};

use pre_authentication::{Ports, PreAuthentication, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::ports::SystemClock;
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, table_name, unique};

const ATTEMPTS: usize = 200;
const MAXIMUM: usize = 5;

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let aws = local_aws().await.expect("AWS_ENDPOINT_URL must name a local moto (run `make bench`)");
    let table = table_name();
    let pairs = [("TABLE_NAME", table.as_str()), ("LOCKOUT_ON_STORE_FAILURE", "deny")];
    let settings = Settings::from_env(&Env::from_pairs(pairs)).unwrap();
    let trigger = Arc::new(PreAuthentication::new(
        settings,
        Ports { store: Arc::new(aws.store(table)), clock: Arc::new(SystemClock), events: Events::disabled() },
    ));
    let path = format!("{}/../../tests/fixtures/events/pre-authentication.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userPoolId"] = Value::from(unique("us-east-1_burst"));
    let gate = Arc::new(tokio::sync::Semaphore::new(50));
    let started = Instant::now();
    let tasks: Vec<_> = (0..ATTEMPTS)
        .map(|_| {
            let (trigger, event, gate) = (trigger.clone(), event.clone(), gate.clone());
            tokio::spawn(async move {
                let _turn = gate.acquire().await.unwrap();
                let begun = Instant::now();
                let result = run_within(&*trigger, Duration::from_millis(4_500), event).await;
                let locked = matches!(&result, Err(e) if e.user_message().starts_with("Too many sign-in attempts"));
                (result.is_ok(), locked, begun.elapsed())
            })
        })
        .collect();
    let (mut allowed, mut locked, mut latencies) = (0, 0, Vec::with_capacity(ATTEMPTS));
    for task in tasks {
        let (ok, was_locked, took) = task.await.unwrap();
        allowed += usize::from(ok);
        locked += usize::from(was_locked);
        latencies.push(took);
    }
    let wall = started.elapsed();
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1_000.0;
    println!(
        "| lockout: {ATTEMPTS} concurrent attempts on one user name (50 in flight) | allowed {allowed} (target: exactly {MAXIMUM}), locked {locked}, store unavailable {} | p50 {:.1} ms · p99 {:.1} ms · wall {:.1} ms |",
        ATTEMPTS - allowed - locked,
        at(0.5),
        at(0.99),
        wall.as_secs_f64() * 1_000.0
    );
    if allowed != MAXIMUM {
        eprintln!("lockout burst: {allowed} allowed, expected exactly {MAXIMUM}");
        std::process::exit(1);
    }
}
