//! `make bench`: a trigger's in-process overhead — decode → decide → encode through
//! [`run_within`], as the binary runs it, with every port faked. What one invocation costs the
//! trigger itself, without the network. Each trigger's `benches/overhead.rs` hands its trigger
//! and its events to [`Overhead`]: divan measures [`Overhead::call`], then [`Overhead::report`]
//! times `SAMPLES` single calls and prints the p50 / p99 row that `scripts/bench-report.py`
//! writes into docs/performance.md.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::TriggerError;
use crate::runtime::{Trigger, run_within};

/// Single calls in the timed pass behind the p50 / p99 row.
pub const SAMPLES: usize = 20_000;

/// Issue 13's target for the p50 of one call.
pub const TARGET_P50: Duration = Duration::from_micros(200);

/// The budget of one call. Faked ports answer at once: it only has to be a deadline, as the
/// production one (4.5 s) is.
const BUDGET: Duration = Duration::from_millis(4_500);

/// Why a benchmark could not measure what it says.
#[derive(Debug, thiserror::Error)]
pub enum OverheadError {
    #[error("the benchmark's runtime: {0}")]
    Runtime(#[from] std::io::Error),
    #[error("fixture {name}: {reason}")]
    Fixture { name: String, reason: String },
    #[error("the trigger refused: {0}")]
    Refused(#[from] TriggerError),
    #[error("call {call} left the measured path; answer: {answer}")]
    OffPath { call: usize, answer: Value },
}

/// A trigger and the runtime it is called on: a current-thread runtime with timers, one call at
/// a time (the Lambda model: one event per sandbox at once).
pub struct Overhead<T> {
    runtime: tokio::runtime::Runtime,
    trigger: T,
}

impl<T: Trigger> Overhead<T> {
    pub fn new(trigger: T) -> Result<Self, OverheadError> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
        Ok(Self { runtime, trigger })
    }

    /// One invocation with `event`, as the binary runs it (decode, handle under the deadline,
    /// encode).
    pub fn call(&self, event: Value) -> Result<Value, TriggerError> {
        self.runtime.block_on(run_within(&self.trigger, BUDGET, event))
    }

    /// Runs `work` on the trigger's runtime: to put into the fakes what the measured path needs
    /// (a profile row, say) before any timing.
    pub fn block_on<F: std::future::Future>(&self, work: F) -> F::Output {
        self.runtime.block_on(work)
    }

    /// Times [`SAMPLES`] single calls, each with an event from `next_event` (made outside the
    /// timing), and prints the Markdown row: `what` names the trigger and its path. Every answer
    /// must satisfy `on_path`, so that the row is the path it names (a refusal or a retry's
    /// shortcut would measure another one).
    pub fn report(
        &self,
        what: &str,
        mut next_event: impl FnMut() -> Value,
        mut on_path: impl FnMut(&Value) -> bool,
    ) -> Result<Latencies, OverheadError> {
        let mut took = Vec::with_capacity(SAMPLES);
        for call in 0..SAMPLES {
            let event = next_event();
            let started = Instant::now();
            let answer = self.call(event)?;
            took.push(started.elapsed());
            if !on_path(&answer) {
                return Err(OverheadError::OffPath { call, answer });
            }
        }
        let latencies = Latencies::new(took);
        println!("{}", latencies.row(what));
        Ok(latencies)
    }
}

/// Measured call times, sorted.
#[derive(Clone, Debug)]
pub struct Latencies(Vec<Duration>);

impl Latencies {
    pub fn new(mut took: Vec<Duration>) -> Self {
        took.sort();
        Self(took)
    }

    /// The `p` quantile (0.0 to 1.0), nearest rank; zero when nothing was measured.
    pub fn at(&self, p: f64) -> Duration {
        let last = self.0.len().saturating_sub(1);
        let index = ((last as f64) * p.clamp(0.0, 1.0)).round() as usize;
        self.0.get(index.min(last)).copied().unwrap_or_default()
    }

    /// The row of the docs/performance.md table: what, the target and whether it is met, p50 / p99.
    pub fn row(&self, what: &str) -> String {
        let p50 = self.at(0.5);
        let verdict = if p50 <= TARGET_P50 { "met" } else { "NOT met" };
        format!(
            "| in-process overhead, {what} (ports faked, {} calls) | target p50 ≤ {} ms: {verdict} | p50 {:.3} ms · p99 {:.3} ms |",
            self.0.len(),
            millis(TARGET_P50),
            millis(p50),
            millis(self.at(0.99))
        )
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

/// The Cognito event `name` of `tests/fixtures/events` (the contract's real shapes).
pub fn fixture(name: &str) -> Result<Value, OverheadError> {
    let path = format!("{}/../../tests/fixtures/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let failed = |reason: String| OverheadError::Fixture { name: name.to_owned(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| failed(e.to_string()))
}

/// Events from `template`, each made another person's (or another sign-up's) by `vary` with the
/// next number: for triggers that remember what they saw, where the same event again would be a
/// retry, another path. `vary` may also put that person into a fake (an old pool's user).
pub fn numbered(template: Value, vary: impl Fn(&mut Value, u64)) -> impl FnMut() -> Value {
    let mut next = 0;
    move || {
        let mut event = template.clone();
        vary(&mut event, next);
        next += 1;
        event
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank_of_the_sorted_times() {
        let latencies = Latencies::new((1..=100).rev().map(Duration::from_micros).collect());
        assert_eq!(latencies.at(0.5), Duration::from_micros(51), "index 49.5 rounds up");
        assert_eq!(latencies.at(0.99), Duration::from_micros(99));
        assert_eq!(latencies.at(0.0), Duration::from_micros(1));
        assert_eq!(latencies.at(1.0), Duration::from_micros(100));
        assert_eq!(Latencies::new(Vec::new()).at(0.5), Duration::ZERO);
    }

    #[test]
    fn the_row_says_whether_the_target_is_met() {
        let fast = Latencies::new(vec![Duration::from_micros(30), Duration::from_micros(150)]);
        assert_eq!(
            fast.row("x, a path"),
            "| in-process overhead, x, a path (ports faked, 2 calls) | target p50 ≤ 0.2 ms: met | p50 0.150 ms · p99 0.150 ms |"
        );
        let slow = Latencies::new(vec![Duration::from_micros(250)]);
        assert!(slow.row("x").contains("target p50 ≤ 0.2 ms: NOT met"), "{}", slow.row("x"));
    }

    #[test]
    fn numbered_events_differ_by_their_number_only() {
        let mut events = numbered(fixture("pre-authentication.json").unwrap(), |event, n| {
            event["userName"] = Value::from(format!("user-{n}"));
        });
        let (first, second) = (events(), events());
        assert_eq!((first["userName"].as_str(), second["userName"].as_str()), (Some("user-0"), Some("user-1")));
        assert_eq!(first["request"], second["request"]);
    }
}
