//! Guessing limits of the web sign-in, kept in process memory behind [`SignInGuard`] (a
//! later multi-node version can move [`AttemptLimiter`]'s two maps to the database).
//!
//! An attempt is reserved (counted as a failure) before its password is checked, under one
//! lock, so parallel attempts cannot all be checked. Failures are counted per (address,
//! client): after `free_failures` each next attempt of that pair waits, twice as long each
//! time up to `max_delay_secs`. A client also has an overall budget of failures per window.
//! Nothing is keyed by the address alone, so an attacker elsewhere never locks a user out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::settings::SignInConfig;
use crate::passwords::VerifyPool;

/// Tracked (address, client) pairs and clients at most each; beyond, stale entries are
/// dropped first, then arbitrary ones (a bounded map cannot be used to exhaust memory).
const MAX_TRACKED: usize = 50_000;

/// The web sign-in's guard: the attempt limiter and the password-check pool.
pub struct SignInGuard {
    limiter: Mutex<AttemptLimiter>,
    /// The bounded pool every sign-in password check goes through.
    pub pool: VerifyPool,
}

impl SignInGuard {
    /// A guard with `config`'s limits.
    pub fn new(config: &SignInConfig) -> Self {
        Self {
            limiter: Mutex::new(AttemptLimiter::new(config)),
            pool: VerifyPool::new(
                config.max_concurrent_hashes,
                Duration::from_millis(config.hash_wait_ms),
            ),
        }
    }

    /// Reserves an attempt to sign in as `email` from `client`.
    ///
    /// # Errors
    /// How long the client must wait before its next attempt.
    pub fn reserve(&self, email: &str, client: IpAddr) -> Result<Reservation<'_>, Duration> {
        let mut limiter = self.limiter.lock().map_err(|_| Duration::from_secs(1))?;
        limiter.reserve(email, client, Instant::now())?;
        Ok(Reservation {
            guard: self,
            email: email.to_owned(),
            client,
            settled: false,
        })
    }

    fn with_limiter(&self, change: impl FnOnce(&mut AttemptLimiter)) {
        if let Ok(mut limiter) = self.limiter.lock() {
            change(&mut limiter);
        }
    }
}

/// A reserved attempt, counted as a failure until [`Reservation::succeeded`]. Dropped without
/// [`Reservation::failed`] (the password was never checked: pool busy, database error), it is
/// given back.
pub struct Reservation<'g> {
    guard: &'g SignInGuard,
    email: String,
    client: IpAddr,
    settled: bool,
}

impl Reservation<'_> {
    /// The password was right: the pair starts afresh.
    pub fn succeeded(mut self) {
        self.settled = true;
        self.guard
            .with_limiter(|limiter| limiter.succeeded(&self.email, self.client));
    }

    /// The password was wrong: the failure stays counted.
    pub fn failed(mut self) {
        self.settled = true;
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.guard
                .with_limiter(|limiter| limiter.give_back(&self.email, self.client));
        }
    }
}

#[derive(Debug)]
struct Pair {
    failures: u32,
    blocked_until: Option<Instant>,
    last: Instant,
}

#[derive(Debug)]
struct Client {
    failures: u32,
    window_start: Instant,
}

/// The counting rules, on an explicit clock so they can be tested without waiting.
#[derive(Debug)]
pub struct AttemptLimiter {
    free_failures: u32,
    first_delay: Duration,
    max_delay: Duration,
    failures_per_client: u32,
    window: Duration,
    pairs: HashMap<(String, IpAddr), Pair>,
    clients: HashMap<IpAddr, Client>,
    last_pruned: Option<Instant>,
}

impl AttemptLimiter {
    /// A limiter with `config`'s limits.
    pub fn new(config: &SignInConfig) -> Self {
        Self {
            free_failures: config.free_failures,
            first_delay: Duration::from_secs(config.first_delay_secs),
            max_delay: Duration::from_secs(config.max_delay_secs),
            failures_per_client: config.failures_per_client,
            window: Duration::from_secs(config.window_secs),
            pairs: HashMap::new(),
            clients: HashMap::new(),
            last_pruned: None,
        }
    }

    /// Counts an attempt of `email` from `client` at `now`, unless it must wait.
    ///
    /// # Errors
    /// How long until the next attempt is allowed.
    pub fn reserve(&mut self, email: &str, client: IpAddr, now: Instant) -> Result<(), Duration> {
        self.make_room(now);
        let window = self.window;
        let budget = self.clients.entry(client).or_insert(Client {
            failures: 0,
            window_start: now,
        });
        if now.duration_since(budget.window_start) >= window {
            budget.failures = 0;
            budget.window_start = now;
        }
        if budget.failures >= self.failures_per_client {
            return Err(window.saturating_sub(now.duration_since(budget.window_start)));
        }
        let pair = self
            .pairs
            .entry((email.to_owned(), client))
            .or_insert(Pair {
                failures: 0,
                blocked_until: None,
                last: now,
            });
        if let Some(until) = pair.blocked_until
            && until > now
        {
            return Err(until - now);
        }
        if now.duration_since(pair.last) >= window {
            pair.failures = 0;
        }
        pair.failures += 1;
        pair.last = now;
        budget.failures += 1;
        if pair.failures >= self.free_failures {
            let doublings = (pair.failures - self.free_failures).min(30);
            let delay = self
                .first_delay
                .saturating_mul(1 << doublings)
                .min(self.max_delay);
            pair.blocked_until = Some(now + delay);
        }
        Ok(())
    }

    /// The attempt of `email` from `client` was right: its pair is forgotten and it does not
    /// count against the client.
    pub fn succeeded(&mut self, email: &str, client: IpAddr) {
        self.pairs.remove(&(email.to_owned(), client));
        if let Some(budget) = self.clients.get_mut(&client) {
            budget.failures = budget.failures.saturating_sub(1);
        }
    }

    /// A reserved attempt was not checked after all: it no longer counts.
    pub fn give_back(&mut self, email: &str, client: IpAddr) {
        if let Some(pair) = self.pairs.get_mut(&(email.to_owned(), client)) {
            pair.failures = pair.failures.saturating_sub(1);
            if pair.failures < self.free_failures {
                pair.blocked_until = None;
            }
        }
        if let Some(budget) = self.clients.get_mut(&client) {
            budget.failures = budget.failures.saturating_sub(1);
        }
    }

    /// Keeps both maps under [`MAX_TRACKED`]: drops entries whose window and wait are over
    /// (at most once a second, as it scans), then arbitrary ones if still full.
    fn make_room(&mut self, now: Instant) {
        if self.pairs.len() < MAX_TRACKED && self.clients.len() < MAX_TRACKED {
            return;
        }
        if self
            .last_pruned
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1))
        {
            self.last_pruned = Some(now);
            let window = self.window;
            self.pairs.retain(|_, pair| {
                now.duration_since(pair.last) < window
                    || pair.blocked_until.is_some_and(|until| until > now)
            });
            self.clients
                .retain(|_, client| now.duration_since(client.window_start) < window);
        }
        while self.pairs.len() >= MAX_TRACKED {
            let Some(key) = self.pairs.keys().next().cloned() else {
                break;
            };
            self.pairs.remove(&key);
        }
        while self.clients.len() >= MAX_TRACKED {
            let Some(key) = self.clients.keys().next().copied() else {
                break;
            };
            self.clients.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> AttemptLimiter {
        AttemptLimiter::new(&SignInConfig {
            free_failures: 3,
            first_delay_secs: 2,
            max_delay_secs: 10,
            failures_per_client: 8,
            window_secs: 60,
            ..SignInConfig::default()
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn waits_grow_per_pair_and_never_reach_other_clients() {
        let mut limiter = limiter();
        let (attacker, user) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.reserve("a@x", attacker, start).is_ok());
        }
        assert_eq!(
            limiter.reserve("a@x", attacker, start),
            Err(Duration::from_secs(2))
        );
        // The same address from another client is untouched.
        assert!(limiter.reserve("a@x", user, start).is_ok());
        let later = start + Duration::from_secs(2);
        assert!(limiter.reserve("a@x", attacker, later).is_ok());
        assert_eq!(
            limiter.reserve("a@x", attacker, later),
            Err(Duration::from_secs(4)),
            "the wait doubles"
        );
        let much_later = later + Duration::from_secs(4);
        assert!(limiter.reserve("a@x", attacker, much_later).is_ok());
        assert!(
            limiter
                .reserve("a@x", attacker, much_later + Duration::from_secs(8))
                .is_ok()
        );
        assert_eq!(
            limiter.reserve("a@x", attacker, much_later + Duration::from_secs(8)),
            Err(Duration::from_secs(10)),
            "capped at max_delay"
        );
    }

    #[test]
    fn a_client_has_an_overall_budget_and_success_or_give_back_refund() {
        let mut limiter = limiter();
        let client = ip("192.0.2.1");
        let now = Instant::now();
        for n in 0..8 {
            assert!(limiter.reserve(&format!("{n}@x"), client, now).is_ok());
        }
        assert!(
            limiter.reserve("fresh@x", client, now).is_err(),
            "budget spent"
        );
        limiter.give_back("7@x", client);
        limiter.succeeded("6@x", client);
        assert!(limiter.reserve("fresh@x", client, now).is_ok());
        assert!(limiter.reserve("fresh2@x", client, now).is_ok());
        assert!(limiter.reserve("fresh3@x", client, now).is_err());
        assert!(
            limiter
                .reserve("fresh@x", client, now + Duration::from_secs(60))
                .is_ok(),
            "a new window"
        );
        assert!(limiter.reserve("x@x", ip("192.0.2.9"), now).is_ok());
    }

    #[test]
    fn a_success_clears_the_pair() {
        let mut limiter = limiter();
        let client = ip("192.0.2.1");
        let now = Instant::now();
        for _ in 0..2 {
            assert!(limiter.reserve("a@x", client, now).is_ok());
        }
        limiter.succeeded("a@x", client);
        for _ in 0..3 {
            assert!(limiter.reserve("a@x", client, now).is_ok());
        }
        assert!(limiter.reserve("a@x", client, now).is_err());
    }
}
