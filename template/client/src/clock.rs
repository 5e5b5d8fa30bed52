//! Time, injectable: the token's expiry and back-off waits are tested without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, and sleeping.
pub trait Clock: Send + Sync {
    fn now(&self) -> u64;
    fn sleep(&self, duration: Duration);
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A clock that only moves when told to (or when something sleeps on it).
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<AtomicU64>,
    slept: Arc<AtomicU64>,
}

impl ManualClock {
    pub fn starting_at(now: u64) -> ManualClock {
        let clock = ManualClock::default();
        clock.now.store(now, Ordering::SeqCst);
        clock
    }

    pub fn advance(&self, seconds: u64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Total seconds spent sleeping.
    pub fn slept(&self) -> u64 {
        self.slept.load(Ordering::SeqCst)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }

    /// Whole seconds, rounded up: a wait is never cut short.
    fn sleep(&self, duration: Duration) {
        let secs = (duration.as_secs_f64().ceil() as u64).max(1);
        self.slept.fetch_add(secs, Ordering::SeqCst);
        self.advance(secs);
    }
}
