//! `make bench`: pre-signup's in-process overhead — decode → decide → encode through
//! `runtime::run_within`, every port faked (in-memory store and directory): what the trigger
//! itself adds to an invocation. divan measures it; a second pass of `SAMPLES` single calls gives
//! the p50 / p99 row for docs/performance.md (target: p50 ≤ 0.2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pre_signup::{Ports, PreSignUp, Settings};
use serde_json::{Value, json};
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::fakes::{FakeDirectory, FixedClock, InMemoryStore, RecordingScheduler};
use trigger_core::runtime::run_within;

const SAMPLES: usize = 20_000;

fn trigger() -> PreSignUp {
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", "bench")])).unwrap();
    let ports = Ports {
        store: Some(Arc::new(InMemoryStore::default())),
        directory: Arc::new(FakeDirectory::default()),
        scheduler: Arc::new(RecordingScheduler::default()),
        clock: Arc::new(FixedClock::at_epoch_seconds(1_800_000_000)),
        events: Events::disabled(),
    };
    PreSignUp::new(settings, ports)
}

/// A new sign-up for an address nobody holds: the common path (reservation, lookup, answer).
fn new_sign_up() -> Value {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    json!({
        "version": "1", "triggerSource": "PreSignUp_SignUp", "region": "us-east-1", "userPoolId": "us-east-1_bench",
        "userName": format!("user-{n}"), "callerContext": { "awsSdkVersion": "aws-sdk-js-3", "clientId": "bench" },
        "request": { "userAttributes": { "email": format!("user-{n}@example.com"), "name": "Jane" },
                     "validationData": null, "clientMetadata": {} },
        "response": { "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false }
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap()
}

#[divan::bench]
fn pre_signup_new_sign_up(bencher: divan::Bencher) {
    let (runtime, trigger) = (runtime(), trigger());
    bencher
        .with_inputs(new_sign_up)
        .bench_local_values(|event| runtime.block_on(run_within(&trigger, Duration::from_secs(5), event)).unwrap());
}

fn main() {
    divan::main();
    let (runtime, trigger) = (runtime(), trigger());
    let mut took: Vec<Duration> = (0..SAMPLES)
        .map(|_| {
            let event = new_sign_up();
            let started = Instant::now();
            runtime.block_on(run_within(&trigger, Duration::from_secs(5), event)).unwrap();
            started.elapsed()
        })
        .collect();
    took.sort();
    let at = |p: f64| took[((took.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1_000.0;
    println!(
        "| in-process overhead, pre-signup new sign-up (ports faked, {SAMPLES} calls) | target p50 ≤ 0.2 ms | p50 {:.3} ms · p99 {:.3} ms |",
        at(0.5),
        at(0.99)
    );
}
