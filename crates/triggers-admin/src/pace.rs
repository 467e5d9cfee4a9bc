//! Pacing for the backfill: a ListUsers rate below Cognito's fixed quota and a back-off after
//! throttling. The arithmetic is plain functions of a monotonic time; [`Pace`] supplies that time
//! and the sleeping, so tests drive a virtual clock and never wait.

use std::time::{Duration, Instant};

use async_trait::async_trait;

/// Monotonic time and sleeping.
#[async_trait]
pub trait Pace: Send + Sync {
    /// Time since an arbitrary fixed start.
    fn now(&self) -> Duration;
    async fn sleep(&self, duration: Duration);
}

/// The real thing: `Instant` and `tokio::time::sleep`.
#[derive(Clone, Copy, Debug)]
pub struct TokioPace {
    start: Instant,
}

impl Default for TokioPace {
    fn default() -> Self {
        Self { start: Instant::now() }
    }
}

#[async_trait]
impl Pace for TokioPace {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Calls start at least `1 s / rate` apart, so no second holds more than `rate` starts. A call
/// that comes late does not earn a burst later: the next slot counts from when it started.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    interval: Duration,
    next_slot: Option<Duration>,
}

impl RateLimiter {
    pub fn per_second(rate: u32) -> Self {
        // Rounded up: 1 s / 7 truncated would fit an eighth call into the second.
        let nanos = 1_000_000_000u64.div_ceil(u64::from(rate.max(1)));
        Self { interval: Duration::from_nanos(nanos), next_slot: None }
    }

    /// How long to wait at time `now` before the next call may start; takes that slot.
    pub fn delay(&mut self, now: Duration) -> Duration {
        let slot = match self.next_slot {
            Some(slot) if slot > now => slot,
            _ => now,
        };
        self.next_slot = Some(slot + self.interval);
        slot - now
    }
}

/// The wait after the `attempt`-th consecutive failure (1-based): 1 s, 2 s, 4 s … at most 30 s.
pub fn backoff(attempt: u32) -> Duration {
    let seconds = 1u64.checked_shl(attempt.saturating_sub(1)).unwrap_or(u64::MAX);
    Duration::from_secs(seconds.min(30))
}

#[cfg(test)]
pub mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::Mutex;

    use super::*;

    /// A virtual clock: `sleep` moves it forward at once and records the wait.
    #[derive(Debug, Default)]
    pub struct VirtualPace {
        now: Mutex<Duration>,
        sleeps: Mutex<Vec<Duration>>,
    }

    impl VirtualPace {
        pub fn sleeps(&self) -> Vec<Duration> {
            self.sleeps.lock().unwrap().clone()
        }

        pub fn advance(&self, by: Duration) {
            *self.now.lock().unwrap() += by;
        }
    }

    #[async_trait]
    impl Pace for VirtualPace {
        fn now(&self) -> Duration {
            *self.now.lock().unwrap()
        }

        async fn sleep(&self, duration: Duration) {
            self.sleeps.lock().unwrap().push(duration);
            self.advance(duration);
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn calls_are_spaced_one_interval_apart() {
        let mut limiter = RateLimiter::per_second(10);
        assert_eq!(limiter.delay(ms(0)), ms(0), "the first call goes at once");
        assert_eq!(limiter.delay(ms(0)), ms(100));
        assert_eq!(limiter.delay(ms(30)), ms(170), "slot at 200 ms");
        // A slow caller (the page took 500 ms to process) waits for nothing…
        assert_eq!(limiter.delay(ms(800)), ms(0));
        // …and earns no burst: the next slot is one interval after that call.
        assert_eq!(limiter.delay(ms(800)), ms(100));
        assert_eq!(RateLimiter::per_second(30).delay(ms(5)), ms(0));
        let mut fast = RateLimiter::per_second(30);
        fast.delay(ms(0));
        assert_eq!(fast.delay(ms(0)), Duration::from_nanos(33_333_334));
    }

    #[test]
    fn no_one_second_window_holds_more_than_the_rate() {
        for rate in [1, 7, 10, 30] {
            let mut limiter = RateLimiter::per_second(rate);
            let mut now = Duration::ZERO;
            let mut starts = Vec::new();
            for i in 0..200u64 {
                now += limiter.delay(now);
                starts.push(now);
                now += Duration::from_micros(i * 977 % 40_000); // uneven work between calls
            }
            for (i, start) in starts.iter().enumerate() {
                let in_window = starts[i..].iter().take_while(|s| **s < *start + Duration::from_secs(1)).count();
                assert!(in_window <= rate as usize, "rate {rate}: {in_window} calls in the second after {start:?}");
            }
        }
    }

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let waits: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(0).as_secs(), 1);
        assert_eq!(backoff(200).as_secs(), 30);
    }

    #[tokio::test]
    async fn the_virtual_pace_moves_on_sleep_only() {
        let pace = VirtualPace::default();
        pace.sleep(ms(250)).await;
        assert_eq!(pace.now(), ms(250));
        assert_eq!(pace.sleeps(), [ms(250)]);
    }
}
