use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::lock;
use crate::ports::Clock;

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct FixedClock(Mutex<SystemTime>);

impl FixedClock {
    pub fn at_epoch_seconds(seconds: u64) -> Self {
        Self(Mutex::new(UNIX_EPOCH + Duration::from_secs(seconds)))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = lock(&self.0);
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        *lock(&self.0)
    }
}
