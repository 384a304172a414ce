//! The widget's abuse limits: a fixed window per key (a client address, a visitor) counted in
//! memory on each node. A node's count is its share of the traffic, so on several nodes a
//! client gets at most the limit per node; that bounds abuse without a shared store on the hot
//! path, which is what these limits are for (Chatwoot's equivalents are Redis-backed per IP).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept before expired windows are swept (bounds memory under an address flood).
const SWEEP_ABOVE: usize = 50_000;

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// New visitor sessions per client address.
    Session,
    /// New conversations per client address.
    Conversation,
    /// Messages and uploads per visitor.
    Message,
    /// Typing and seen reports per visitor (cheap, but not free).
    Signal,
}

struct Window {
    started: Instant,
    count: u32,
}

/// Fixed-window counters.
#[derive(Default)]
pub struct Limits {
    windows: Mutex<HashMap<(Kind, String), Window>>,
}

impl Limits {
    /// Counts one use of `key` against `max` per `window`; `Err(seconds until the window
    /// ends)` when the limit was already reached (the use is not counted then).
    pub fn check(&self, kind: Kind, key: &str, max: u32, window: Duration) -> Result<(), u64> {
        self.check_at(Instant::now(), kind, key, max, window)
    }

    fn check_at(
        &self,
        now: Instant,
        kind: Kind,
        key: &str,
        max: u32,
        window: Duration,
    ) -> Result<(), u64> {
        let Ok(mut windows) = self.windows.lock() else {
            // A poisoned lock means a panic elsewhere mid-update; limits fail open rather
            // than lock every visitor out.
            return Ok(());
        };
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, entry| now.duration_since(entry.started) < window);
        }
        let entry = windows.entry((kind, key.to_owned())).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(entry.started) >= window {
            entry.started = now;
            entry.count = 0;
        }
        if entry.count >= max {
            let left = window.saturating_sub(now.duration_since(entry.started));
            return Err(left.as_secs().max(1));
        }
        entry.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_limit_per_window_and_others_are_apart() {
        let limits = Limits::default();
        let hour = Duration::from_secs(3_600);
        for _ in 0..3 {
            assert_eq!(limits.check(Kind::Session, "10.0.0.1", 3, hour), Ok(()));
        }
        let wait = limits
            .check(Kind::Session, "10.0.0.1", 3, hour)
            .expect_err("fourth");
        assert!((3_590..=3_600).contains(&wait), "{wait}");
        assert_eq!(limits.check(Kind::Session, "10.0.0.2", 3, hour), Ok(()));
        assert_eq!(limits.check(Kind::Message, "10.0.0.1", 3, hour), Ok(()));
    }

    #[test]
    fn a_new_window_starts_the_count_again() {
        let limits = Limits::default();
        let minute = Duration::from_secs(60);
        let start = Instant::now();
        assert_eq!(
            limits.check_at(start, Kind::Message, "v", 1, minute),
            Ok(())
        );
        assert!(
            limits
                .check_at(start, Kind::Message, "v", 1, minute)
                .is_err()
        );
        let later = start + minute;
        assert_eq!(
            limits.check_at(later, Kind::Message, "v", 1, minute),
            Ok(())
        );
    }
}
