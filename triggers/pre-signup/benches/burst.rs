//! `make bench`: the sign-up burst, against moto with the real adapters (a benchmark, never a
//! test: it prints figures and checks only the outcome counts).
//!
//! 1,000 concurrent sign-up decisions over 100 addresses (ten user names each, in mixed letter
//! case) through `run_within`, as the runtime makes them: exactly 100 may be allowed, one per
//! address. All 1,000 are started at once, but at most `IN_FLIGHT` run at a time: one Python moto
//! answers the 2,000-odd calls of the burst one after another, and with all 1,000 in flight most
//! calls outlive the SDK's attempt timeout and end in the fail-closed "try again" (measured: 8 of
//! 1,000 allowed at the 4.5 s budget, 58 at 30 s). The latencies are mostly moto's. Prints a Markdown table row per figure, which `make bench` writes into
//! docs/performance.md. Needs `AWS_ENDPOINT_URL` pointing at a local moto with the project's
//! table (`make bench` starts one).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code: a panic is a failed run

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
use pre_signup::{EMAIL_TAKEN, Ports, PreSignUp, Settings};
use serde_json::json;
use trigger_core::Env;
use trigger_core::domain_events::Events;
use trigger_core::ports::SystemClock;
use trigger_core::runtime::run_within;
use trigger_core::testing::{local_aws, table_name, unique};

const SIGN_UPS: usize = 1_000;
const ADDRESSES: usize = 100;
const IN_FLIGHT: usize = 50;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let aws = local_aws().await.expect("AWS_ENDPOINT_URL must name a local moto (run `make bench`)");
    let pool = CognitoClient::new(aws.sdk_config())
        .create_user_pool()
        .pool_name(unique("burst"))
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let table = table_name();
    let settings = Settings::from_env(&Env::from_pairs([("TABLE_NAME", table.as_str())])).unwrap();
    let ports = Ports {
        store: Some(Arc::new(aws.store(table_name()))),
        directory: Arc::new(aws.directory()),
        scheduler: Arc::new(aws.scheduler()),
        clock: Arc::new(SystemClock),
        events: Events::disabled(),
    };
    let trigger = Arc::new(PreSignUp::new(settings, ports));
    let run = unique("b");
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let started = Instant::now();
    let tasks: Vec<_> = (0..SIGN_UPS)
        .map(|i| {
            let (trigger, gate) = (trigger.clone(), gate.clone());
            let address = format!("{run}-{}@example.com", i % ADDRESSES);
            let email = if i % 2 == 0 { address.to_uppercase() } else { address };
            let event = json!({
                "version": "1", "triggerSource": "PreSignUp_SignUp", "region": "us-east-1", "userPoolId": pool,
                "userName": format!("user-{i}"), "callerContext": { "clientId": "bench" },
                "request": { "userAttributes": { "email": email } }, "response": {}
            });
            tokio::spawn(async move {
                let _turn = gate.acquire().await.unwrap();
                let begun = Instant::now();
                let result = run_within(&*trigger, Duration::from_millis(4_500), event).await;
                let refused_as_taken = matches!(&result, Err(e) if e.user_message() == EMAIL_TAKEN);
                (result.is_ok(), refused_as_taken, begun.elapsed())
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(SIGN_UPS);
    let (mut allowed, mut taken) = (0, 0);
    for task in tasks {
        let (ok, refused_as_taken, took) = task.await.unwrap();
        allowed += usize::from(ok);
        taken += usize::from(refused_as_taken);
        latencies.push(took);
    }
    let wall = started.elapsed();
    latencies.sort();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1_000.0);
    println!(
        "| sign-up burst: {SIGN_UPS} concurrent decisions over {ADDRESSES} addresses ({IN_FLIGHT} in flight) | allowed {allowed} (target: exactly {ADDRESSES}), refused as taken {taken} | p50 {} · p99 {} · wall {} |",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(wall)
    );
    if allowed != ADDRESSES {
        eprintln!("sign-up burst: {allowed} allowed, expected exactly {ADDRESSES}");
        std::process::exit(1);
    }
}
