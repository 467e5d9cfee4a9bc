//! Shared by the property tests: how many cases a target runs, and a runner that reports them.
//!
//! `make test` runs each target `PROPTEST_CASES` times (default [`DEFAULT_CASES`]); `make fuzz`
//! sets it to a million. Failures are not persisted to files: a failing case is printed, shrunk,
//! and goes into a unit test by hand.

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Cases per target in `make test`.
pub const DEFAULT_CASES: u32 = 3_000;

pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_CASES)
}

/// Runs `test` on `cases()` inputs from `strategy`; panics (fails the test) with the shrunk
/// counterexample. Prints the count, which `make fuzz` collects.
pub fn check<S: Strategy>(target: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let cases = cases();
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let started = std::time::Instant::now();
    let mut runner = TestRunner::new(config);
    if let Err(err) = runner.run(&strategy, test) {
        panic!("{target}: {err}");
    }
    println!("hostile-input {target}: {cases} cases passed in {:.1} s", started.elapsed().as_secs_f64());
}
