//! One log line per key per interval, with a count of the lines held back. A trouble that repeats
//! many times a second (a peer that does not answer Raft heartbeats, clients beyond the REST
//! connection cap) is said once and then summed up, so the journal keeps the node's other lines
//! and the operator still sees how often it happened.
//!
//! Pure: the caller passes the time, so tests drive the clock.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Decides which occurrences of a repeated event get a log line.
#[derive(Debug)]
pub struct LogLimiter<K> {
    interval: Duration,
    keys: HashMap<K, Window>,
}

/// What the limiter knows about one key since its last line.
#[derive(Debug, Clone, Copy)]
struct Window {
    last_line: Instant,
    held_back: u64,
}

impl<K: Hash + Eq> LogLimiter<K> {
    /// At most one line per key every `interval`.
    pub fn new(interval: Duration) -> LogLimiter<K> {
        LogLimiter {
            interval,
            keys: HashMap::new(),
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// An occurrence for `key` at `now`: `Some(n)` when it gets a line (`n` occurrences were held
    /// back since the last one), `None` when it is held back and counted.
    pub fn admit(&mut self, key: K, now: Instant) -> Option<u64> {
        match self.keys.get_mut(&key) {
            None => {
                self.keys.insert(
                    key,
                    Window {
                        last_line: now,
                        held_back: 0,
                    },
                );
                Some(0)
            }
            Some(w) if now.saturating_duration_since(w.last_line) >= self.interval => {
                let held_back = w.held_back;
                *w = Window {
                    last_line: now,
                    held_back: 0,
                };
                Some(held_back)
            }
            Some(w) => {
                w.held_back += 1;
                None
            }
        }
    }

    /// `key`'s trouble is over at `now` (e.g. the peer answered). Once its window has passed, the
    /// key is forgotten, so its next occurrence gets a line at once, and `Some(n)` says how many
    /// occurrences were held back since its last line. While the window is still open it stays
    /// (`None`), so a trouble that comes and goes many times a second is still said at most once
    /// per interval, plus once when it ends.
    pub fn settle(&mut self, key: &K, now: Instant) -> Option<u64> {
        let w = self.keys.get(key)?;
        if now.saturating_duration_since(w.last_line) < self.interval {
            return None;
        }
        self.keys.remove(key).map(|w| w.held_back)
    }
}

/// A [`LogLimiter`] shared by the tasks that log one trouble, on the real clock: what every
/// caller outside tests wants.
#[derive(Debug)]
pub struct SharedLogLimiter<K>(Mutex<LogLimiter<K>>);

impl<K: Hash + Eq> SharedLogLimiter<K> {
    pub fn new(interval: Duration) -> SharedLogLimiter<K> {
        SharedLogLimiter(Mutex::new(LogLimiter::new(interval)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogLimiter<K>> {
        self.0.lock().expect("log limiter lock poisoned")
    }

    pub fn interval(&self) -> Duration {
        self.lock().interval()
    }

    /// [`LogLimiter::admit`] now.
    pub fn admit_now(&self, key: K) -> Option<u64> {
        self.lock().admit(key, Instant::now())
    }

    /// [`LogLimiter::settle`] now.
    pub fn settle_now(&self, key: &K) -> Option<u64> {
        self.lock().settle(key, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn one_line_per_key_per_interval_with_the_count_held_back() {
        let t0 = Instant::now();
        let mut limiter = LogLimiter::new(10 * SECOND);
        assert_eq!(
            limiter.admit(1, t0),
            Some(0),
            "the first occurrence is said at once"
        );
        for tenth in 1..100 {
            assert_eq!(limiter.admit(1, t0 + tenth * SECOND / 10), None);
        }
        assert_eq!(
            limiter.admit(2, t0 + 5 * SECOND),
            Some(0),
            "another key has a window of its own"
        );
        assert_eq!(
            limiter.admit(1, t0 + 10 * SECOND),
            Some(99),
            "the next line counts what was held back"
        );
        assert_eq!(limiter.admit(1, t0 + 11 * SECOND), None);
        assert_eq!(limiter.admit(1, t0 + 25 * SECOND), Some(1));
        assert_eq!(limiter.admit(2, t0 + 14 * SECOND), None);
        assert_eq!(limiter.admit(2, t0 + 15 * SECOND), Some(1));
    }

    #[test]
    fn a_settled_key_is_forgotten_once_its_window_passed() {
        let t0 = Instant::now();
        let mut limiter = LogLimiter::new(10 * SECOND);
        assert_eq!(limiter.settle(&"peer", t0), None, "never seen");
        assert_eq!(limiter.admit("peer", t0), Some(0));
        assert_eq!(limiter.admit("peer", t0 + SECOND), None);
        assert_eq!(
            limiter.settle(&"peer", t0 + 2 * SECOND),
            None,
            "within the window: a flapping peer is still summed up"
        );
        assert_eq!(limiter.admit("peer", t0 + 3 * SECOND), None);
        assert_eq!(
            limiter.settle(&"peer", t0 + 10 * SECOND),
            Some(2),
            "the window passed: the end is said with what was held back"
        );
        assert_eq!(limiter.settle(&"peer", t0 + 11 * SECOND), None, "forgotten");
        assert_eq!(
            limiter.admit("peer", t0 + 12 * SECOND),
            Some(0),
            "a new trouble is said at once"
        );
    }

    #[test]
    fn a_clock_that_goes_back_holds_lines_back_instead_of_panicking() {
        let t0 = Instant::now() + 60 * SECOND;
        let mut limiter = LogLimiter::new(10 * SECOND);
        assert_eq!(limiter.admit((), t0), Some(0));
        assert_eq!(limiter.admit((), t0 - 30 * SECOND), None);
        assert_eq!(limiter.admit((), t0 + 10 * SECOND), Some(1));
    }
}
