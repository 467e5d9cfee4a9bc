//! `make bench`: 200 concurrent sign-in attempts on one user name, against moto with the real
//! store adapter (a benchmark, never a test: it prints figures and checks only the outcome
//! count): exactly `LOCKOUT_MAX_ATTEMPTS` (5 by default) may pass. Prints a Markdown table row
//! for docs/performance.md. Needs `AWS_ENDPOINT_URL` pointing at a local moto (`make bench`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;
use std::time::{Duration, Instant};

use pre_authentication::{Ports, PreAuthentication, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::ports::SystemClock;
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, table_name, unique};

const ATTEMPTS: usize = 200;
const MAXIMUM: usize = 5;

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let aws = local_aws().await.expect("AWS_ENDPOINT_URL must name a local moto (run `make bench`)");
    let table = table_name();
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", table.as_str())])).unwrap();
    let trigger = Arc::new(PreAuthentication::new(
        settings,
        Ports { store: Arc::new(aws.store(table)), clock: Arc::new(SystemClock) },
    ));
    let path = format!("{}/../../tests/fixtures/events/pre-authentication.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["userPoolId"] = Value::from(unique("us-east-1_burst"));
    let started = Instant::now();
    let tasks: Vec<_> = (0..ATTEMPTS)
        .map(|_| {
            let (trigger, event) = (trigger.clone(), event.clone());
            tokio::spawn(async move {
                let begun = Instant::now();
                let result = run_within(&*trigger, Duration::from_millis(4_500), event).await;
                (result.is_ok(), begun.elapsed())
            })
        })
        .collect();
    let (mut allowed, mut latencies) = (0, Vec::with_capacity(ATTEMPTS));
    for task in tasks {
        let (ok, took) = task.await.unwrap();
        allowed += usize::from(ok);
        latencies.push(took);
    }
    let wall = started.elapsed();
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1_000.0;
    println!(
        "| lockout: {ATTEMPTS} concurrent attempts on one user name | allowed {allowed} (target: exactly {MAXIMUM}) | p50 {:.1} ms · p99 {:.1} ms · wall {:.1} ms |",
        at(0.5),
        at(0.99),
        wall.as_secs_f64() * 1_000.0
    );
    if allowed != MAXIMUM {
        eprintln!("lockout burst: {allowed} allowed, expected exactly {MAXIMUM}");
        std::process::exit(1);
    }
}
