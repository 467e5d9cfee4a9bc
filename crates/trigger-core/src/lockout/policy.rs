//! The lockout policy as a pure function of (state, now, settings). `attempt` applies its
//! decisions to the store atomically; the conditions there mirror the comparisons here exactly.

use super::LockoutState;
use crate::config::{ConfigError, Env};

/// The lockout settings (`LOCKOUT_*`, see docs/triggers/pre-authentication.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Attempts allowed in one window since the last successful sign-in.
    pub max_attempts: i64,
    pub window_seconds: i64,
    /// The first lock; each consecutive lock doubles it.
    pub base_seconds: i64,
    /// The longest lock, and how long a quiet record keeps its consecutive-lockout count.
    pub max_seconds: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Self { max_attempts: 5, window_seconds: 300, base_seconds: 300, max_seconds: 3600 }
    }
}

const DAY: i64 = 86_400;

impl Policy {
    /// `LOCKOUT_MAX_ATTEMPTS`, `LOCKOUT_WINDOW_SECONDS`, `LOCKOUT_BASE_SECONDS`,
    /// `LOCKOUT_MAX_SECONDS` (docs/triggers/pre-authentication.md): every function that counts
    /// attempts on the record reads the same settings.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let policy = Self {
            max_attempts: env.number("LOCKOUT_MAX_ATTEMPTS", 5, 1..=1_000)?,
            window_seconds: env.number("LOCKOUT_WINDOW_SECONDS", 300, 1..=DAY)?,
            base_seconds: env.number("LOCKOUT_BASE_SECONDS", 300, 1..=DAY)?,
            max_seconds: env.number("LOCKOUT_MAX_SECONDS", 3_600, 1..=31 * DAY)?,
        };
        policy.checked("LOCKOUT_MAX_SECONDS", "LOCKOUT_BASE_SECONDS")
    }

    /// The policy if its longest lock is at least its first one; else an error naming
    /// `max_variable` (the setting that holds `max_seconds`) and `base_variable`.
    pub fn checked(self, max_variable: &str, base_variable: &str) -> Result<Self, ConfigError> {
        if self.max_seconds < self.base_seconds {
            return Err(ConfigError::invalid(
                max_variable,
                &self.max_seconds.to_string(),
                format!("must be at least {base_variable} ({})", self.base_seconds),
            ));
        }
        Ok(self)
    }
}

/// What to do with one sign-in attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Allowed; add it to the current window (or start the record).
    Count,
    /// Allowed; the window is over, so this attempt is the first of a new one. The consecutive
    /// lockout count is kept: only a success (or the record's expiry) clears it.
    StartWindow,
    /// Denied: this attempt would exceed the maximum. Lock until `until`.
    Lock { until: i64 },
    /// Denied without extending the lock.
    Locked { until: i64 },
}

/// The lock for the `consecutive`-th lockout (1 for the first):
/// `base × 2^(consecutive − 1)`, capped at `max_seconds`.
pub fn lock_seconds(consecutive: i64, policy: &Policy) -> i64 {
    let doublings = u32::try_from(consecutive.saturating_sub(1).clamp(0, 62)).unwrap_or(62);
    let factor = 1_i64.checked_shl(doublings).unwrap_or(i64::MAX);
    policy.base_seconds.saturating_mul(factor).min(policy.max_seconds)
}

/// When a record written at `from` (or locked until `from`) stops mattering: the window that may
/// follow, plus a quiet period of `max_seconds` during which repeated lockouts still escalate.
pub fn expires_at(from: i64, policy: &Policy) -> i64 {
    from.saturating_add(policy.window_seconds).saturating_add(policy.max_seconds)
}

/// The decision for one attempt at `now` given the live record (`None`: no record, or expired).
pub fn decide(state: Option<&LockoutState>, now: i64, policy: &Policy) -> Decision {
    let Some(state) = state else { return Decision::Count };
    if state.is_locked(now) {
        return Decision::Locked { until: state.locked_until };
    }
    if state.window_start <= now - policy.window_seconds {
        return Decision::StartWindow;
    }
    if state.attempts >= policy.max_attempts {
        return Decision::Lock { until: now + lock_seconds(state.lockouts + 1, policy) };
    }
    Decision::Count
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn state(attempts: i64, window_start: i64, locked_until: i64, lockouts: i64) -> LockoutState {
        LockoutState { attempts, window_start, locked_until, lockouts, version: 1, expires_at: None }
    }

    #[test]
    fn no_record_counts_the_first_attempt() {
        assert_eq!(decide(None, NOW, &Policy::default()), Decision::Count);
    }

    #[test]
    fn attempts_below_the_maximum_within_the_window_count() {
        let p = Policy::default();
        for attempts in 0..5 {
            assert_eq!(decide(Some(&state(attempts, NOW - 299, 0, 0)), NOW, &p), Decision::Count, "{attempts}");
        }
    }

    #[test]
    fn the_attempt_after_the_maximum_locks_for_the_base_time() {
        let p = Policy::default();
        assert_eq!(decide(Some(&state(5, NOW - 10, 0, 0)), NOW, &p), Decision::Lock { until: NOW + 300 });
    }

    #[test]
    fn a_window_that_is_over_starts_again_whatever_its_count() {
        let p = Policy::default();
        assert_eq!(decide(Some(&state(5, NOW - 300, 0, 0)), NOW, &p), Decision::StartWindow);
        assert_eq!(decide(Some(&state(2, NOW - 301, 0, 3)), NOW, &p), Decision::StartWindow);
        // One second earlier the same record is still in its window.
        assert_eq!(decide(Some(&state(5, NOW - 299, 0, 0)), NOW, &p), Decision::Lock { until: NOW + 300 });
    }

    #[test]
    fn locks_double_with_each_consecutive_lockout() {
        let p = Policy::default();
        assert_eq!(decide(Some(&state(5, NOW, 0, 1)), NOW, &p), Decision::Lock { until: NOW + 600 });
        assert_eq!(decide(Some(&state(5, NOW, 0, 2)), NOW, &p), Decision::Lock { until: NOW + 1200 });
        assert_eq!(decide(Some(&state(5, NOW, 0, 3)), NOW, &p), Decision::Lock { until: NOW + 2400 });
        assert_eq!(lock_seconds(1, &p), 300);
        assert_eq!(lock_seconds(2, &p), 600);
    }

    #[test]
    fn locks_are_capped_at_the_maximum_even_after_many_lockouts() {
        let p = Policy::default();
        assert_eq!(lock_seconds(4, &p), 2400);
        assert_eq!(lock_seconds(5, &p), 3600);
        assert_eq!(lock_seconds(1_000, &p), 3600);
        assert_eq!(lock_seconds(i64::MAX, &p), 3600);
        let odd = Policy { base_seconds: 7, max_seconds: 20, ..p };
        assert_eq!((1..=4).map(|n| lock_seconds(n, &odd)).collect::<Vec<_>>(), [7, 14, 20, 20]);
    }

    #[test]
    fn attempts_while_locked_are_denied_without_extending_the_lock() {
        let p = Policy::default();
        let locked = state(0, NOW + 100, NOW + 100, 1);
        assert_eq!(decide(Some(&locked), NOW, &p), Decision::Locked { until: NOW + 100 });
        assert_eq!(decide(Some(&locked), NOW + 99, &p), Decision::Locked { until: NOW + 100 });
    }

    #[test]
    fn after_a_lock_ends_a_fresh_window_of_attempts_begins() {
        // A lock leaves attempts at 0 and the next window starting when the lock ends.
        let p = Policy::default();
        let ended = state(0, NOW + 100, NOW + 100, 1);
        assert_eq!(decide(Some(&ended), NOW + 100, &p), Decision::Count);
        let after_four = state(4, NOW + 100, NOW + 100, 1);
        assert_eq!(decide(Some(&after_four), NOW + 200, &p), Decision::Count);
        let after_five = state(5, NOW + 100, NOW + 100, 1);
        assert_eq!(decide(Some(&after_five), NOW + 200, &p), Decision::Lock { until: NOW + 200 + 600 });
    }

    #[test]
    fn a_reset_record_behaves_like_a_new_user() {
        // A success deletes the record: the next attempts are counted from zero again.
        let p = Policy::default();
        assert_eq!(decide(None, NOW, &p), decide(Some(&state(0, NOW, 0, 0)), NOW, &p));
    }

    #[test]
    fn records_outlive_the_window_and_the_longest_lock() {
        assert_eq!(expires_at(NOW, &Policy::default()), NOW + 300 + 3600);
    }
}
