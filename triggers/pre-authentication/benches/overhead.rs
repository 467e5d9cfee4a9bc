//! `make bench`: pre-authentication's in-process overhead — decode → decide → encode through
//! `runtime::run_within`, the store faked (in memory): what the trigger itself adds to an
//! invocation. divan measures it; a second pass of `SAMPLES` single calls gives the p50 / p99 row
//! for docs/performance.md (target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pre_authentication::{Ports, PreAuthentication, Settings};
use serde_json::Value;
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::fakes::{FixedClock, InMemoryStore};
use trigger_core::runtime::run_within;

const SAMPLES: usize = 20_000;

fn trigger() -> PreAuthentication {
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "bench")])).unwrap();
    let ports = Ports {
        store: Arc::new(InMemoryStore::default()),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        events: Events::disabled(),
    };
    PreAuthentication::new(settings, ports)
}

/// A first attempt for a user name (the common path: one conditional write, allowed).
fn attempt(template: &Value) -> Value {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut event = template.clone();
    event["userName"] = Value::from(format!("user-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
    event
}

fn template() -> Value {
    let path = format!("{}/../../tests/fixtures/events/pre-authentication.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap()
}

#[divan::bench]
fn pre_authentication_first_attempt(bencher: divan::Bencher) {
    let (runtime, trigger, template) = (runtime(), trigger(), template());
    bencher
        .with_inputs(|| attempt(&template))
        .bench_local_values(|event| runtime.block_on(run_within(&trigger, Duration::from_secs(5), event)).unwrap());
}

fn main() {
    divan::main();
    let (runtime, trigger, template) = (runtime(), trigger(), template());
    let mut took: Vec<Duration> = (0..SAMPLES)
        .map(|_| {
            let event = attempt(&template);
            let started = Instant::now();
            runtime.block_on(run_within(&trigger, Duration::from_secs(5), event)).unwrap();
            started.elapsed()
        })
        .collect();
    took.sort();
    let at = |p: f64| took[((took.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1_000.0;
    println!(
        "| in-process overhead, pre-authentication first attempt (store faked, {SAMPLES} calls) | target p50 ≤ 0.2 ms | p50 {:.3} ms · p99 {:.3} ms |",
        at(0.5),
        at(0.99)
    );
}
