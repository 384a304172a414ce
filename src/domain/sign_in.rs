//! The web sign-in's guessing rules, as pure functions over two small counters, so that one
//! node's memory (SQLite) and the rows every node shares (PostgreSQL) count exactly alike.
//!
//! Failures are counted per (address, client): after `free_failures` each next attempt of that
//! pair waits, twice as long each time up to `max_delay`. A client also has an overall budget
//! of failures per window. Nothing is keyed by the address alone, so an attacker elsewhere
//! never locks a user out.

use std::time::Duration;

use super::Millis;

/// The limits the rules count against (`[server.sign_in]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Failures of one pair before each next attempt must wait.
    pub free_failures: u32,
    /// The first wait; it doubles with each further failure.
    pub first_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// Failures of one client, whatever the address, per `window`.
    pub failures_per_client: u32,
    /// The client budget's window; also how long a pair's failures are remembered.
    pub window: Duration,
}

/// The failures of one address from one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairCount {
    pub failures: u32,
    /// No attempt of the pair is checked before this instant.
    pub blocked_until: Option<Millis>,
    /// The last counted attempt.
    pub last_at: Millis,
}

impl PairCount {
    /// A pair seen for the first time at `now`.
    pub fn fresh(now: Millis) -> Self {
        Self {
            failures: 0,
            blocked_until: None,
            last_at: now,
        }
    }

    /// True when the counter holds nothing a fresh one would not: it need not be kept.
    pub fn is_blank(&self) -> bool {
        self.failures == 0 && self.blocked_until.is_none()
    }
}

/// The failures of one client, whatever the address, in its current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientCount {
    pub failures: u32,
    pub window_start: Millis,
}

impl ClientCount {
    /// A client seen for the first time at `now`.
    pub fn fresh(now: Millis) -> Self {
        Self {
            failures: 0,
            window_start: now,
        }
    }

    /// True when the counter holds nothing a fresh one would not: it need not be kept.
    pub fn is_blank(&self) -> bool {
        self.failures == 0
    }
}

/// Time from `from` to `to`; zero when a clock went backwards.
fn elapsed(from: Millis, to: Millis) -> Duration {
    Duration::from_millis(u64::try_from(to.0.saturating_sub(from.0)).unwrap_or(0))
}

impl SignInLimits {
    /// Counts an attempt of `pair` from `client` at `now` (as a failure, until it is known to
    /// have succeeded), unless it must wait.
    ///
    /// # Errors
    /// How long until the next attempt is allowed. The counters may have changed on the way
    /// and must then be discarded, not stored: a refused attempt counts nothing.
    pub fn reserve(
        &self,
        pair: &mut PairCount,
        client: &mut ClientCount,
        now: Millis,
    ) -> Result<(), Duration> {
        if elapsed(client.window_start, now) >= self.window {
            *client = ClientCount::fresh(now);
        }
        if client.failures >= self.failures_per_client {
            return Err(self
                .window
                .saturating_sub(elapsed(client.window_start, now)));
        }
        if let Some(until) = pair.blocked_until
            && until > now
        {
            return Err(elapsed(now, until));
        }
        if elapsed(pair.last_at, now) >= self.window {
            pair.failures = 0;
        }
        pair.failures = pair.failures.saturating_add(1);
        pair.last_at = now;
        client.failures = client.failures.saturating_add(1);
        if pair.failures >= self.free_failures {
            let doublings = (pair.failures - self.free_failures).min(30);
            let delay = self
                .first_delay
                .saturating_mul(1 << doublings)
                .min(self.max_delay);
            pair.blocked_until = Some(now.plus(delay));
        }
        Ok(())
    }

    /// The reserved attempt was right: it does not count against the client (and the caller
    /// forgets the pair).
    pub fn succeeded(&self, client: &mut ClientCount) {
        client.failures = client.failures.saturating_sub(1);
    }

    /// A reserved attempt was not checked after all: it no longer counts. Either counter may
    /// be gone already (pruned, or forgotten by a success in between).
    pub fn give_back(&self, pair: Option<&mut PairCount>, client: Option<&mut ClientCount>) {
        if let Some(pair) = pair {
            pair.failures = pair.failures.saturating_sub(1);
            if pair.failures < self.free_failures {
                pair.blocked_until = None;
            }
        }
        if let Some(client) = client {
            client.failures = client.failures.saturating_sub(1);
        }
    }

    /// True when `pair`'s failures are forgotten and its wait is over at `now`: dropping it
    /// changes nothing. (The store's prune says the same in SQL.)
    pub fn pair_is_over(&self, pair: &PairCount, now: Millis) -> bool {
        elapsed(pair.last_at, now) >= self.window && pair.blocked_until.is_none_or(|at| at <= now)
    }

    /// True when `client`'s window is over at `now`: dropping it changes nothing.
    pub fn client_is_over(&self, client: &ClientCount, now: Millis) -> bool {
        elapsed(client.window_start, now) >= self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SignInLimits {
        SignInLimits {
            free_failures: 2,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(10),
            failures_per_client: 5,
            window: Duration::from_secs(60),
        }
    }

    #[test]
    fn a_refused_attempt_changes_no_counter() {
        let limits = limits();
        let now = Millis(1_000_000);
        let (mut pair, mut client) = (PairCount::fresh(now), ClientCount::fresh(now));
        for _ in 0..2 {
            assert_eq!(limits.reserve(&mut pair, &mut client, now), Ok(()));
        }
        assert_eq!(pair.blocked_until, Some(now.plus(Duration::from_secs(2))));
        let (before_pair, before_client) = (pair, client);
        assert_eq!(
            limits.reserve(&mut pair, &mut client, now.plus(Duration::from_millis(500))),
            Err(Duration::from_millis(1500))
        );
        assert_eq!((pair, client), (before_pair, before_client));
    }

    #[test]
    fn giving_back_below_the_free_failures_lifts_the_wait_and_blank_counters_go() {
        let limits = limits();
        let now = Millis(0);
        let (mut pair, mut client) = (PairCount::fresh(now), ClientCount::fresh(now));
        assert!(pair.is_blank() && client.is_blank());
        for _ in 0..2 {
            assert_eq!(limits.reserve(&mut pair, &mut client, now), Ok(()));
        }
        limits.give_back(Some(&mut pair), Some(&mut client));
        assert_eq!(pair.blocked_until, None);
        assert_eq!(limits.reserve(&mut pair, &mut client, now), Ok(()));
        limits.give_back(Some(&mut pair), Some(&mut client));
        limits.give_back(Some(&mut pair), Some(&mut client));
        assert!(pair.is_blank() && client.is_blank());
    }

    #[test]
    fn counters_are_over_after_the_window_and_the_wait() {
        let mut limits = limits();
        limits.max_delay = Duration::from_secs(120);
        limits.first_delay = Duration::from_secs(120);
        let now = Millis(0);
        let (mut pair, mut client) = (PairCount::fresh(now), ClientCount::fresh(now));
        for _ in 0..2 {
            assert_eq!(limits.reserve(&mut pair, &mut client, now), Ok(()));
        }
        let after_window = now.plus(Duration::from_secs(60));
        assert!(limits.client_is_over(&client, after_window));
        assert!(
            !limits.pair_is_over(&pair, after_window),
            "its wait outlasts the window"
        );
        assert!(limits.pair_is_over(&pair, now.plus(Duration::from_secs(120))));
        // A clock that went back is no time at all, not a wrap-around.
        assert!(!limits.client_is_over(&client, Millis(-5)));
    }
}
