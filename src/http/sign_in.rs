//! Guessing limits of the web sign-in behind [`SignInGuard`]. The rules are
//! `domain::sign_in`; the counters live in the database on PostgreSQL, where every node of a
//! cluster shares them (a client gets the same guesses however a load balancer spreads its
//! attempts), and in this process's memory on SQLite, which is one node.
//!
//! An attempt is reserved (counted as a failure) before its password is checked, atomically
//! (under one lock here, in one transaction holding the rows there), so parallel attempts
//! cannot all be checked. A reservation whose password was never checked is given back.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use super::settings::SignInConfig;
use crate::domain::Millis;
use crate::domain::sign_in::{ClientCount, PairCount, SignInLimits};
use crate::passwords::VerifyPool;
use crate::store::{Store, StoreResult};

/// Tracked (address, client) pairs and clients at most each, in memory; beyond, stale
/// entries are dropped first, then arbitrary ones (a bounded map cannot be used to exhaust
/// memory).
const MAX_TRACKED: usize = 50_000;

/// Where the counters live.
enum Counts {
    /// This process is the only node (SQLite).
    Local(Mutex<AttemptLimiter>),
    /// Every node counts in the database (PostgreSQL).
    Shared(Store),
}

/// The web sign-in's guard: the attempt limits and the password-check pool.
pub struct SignInGuard {
    limits: SignInLimits,
    counts: Counts,
    /// The bounded pool every sign-in password check goes through.
    pub pool: VerifyPool,
}

impl SignInGuard {
    /// A guard with `config`'s limits, counting where `store`'s nodes can all see it.
    pub fn new(config: &SignInConfig, store: &Store) -> Self {
        let limits = limits_of(config);
        let counts = if store.shared_by_nodes() {
            Counts::Shared(store.clone())
        } else {
            Counts::Local(Mutex::new(AttemptLimiter::new(limits)))
        };
        Self {
            limits,
            counts,
            pool: VerifyPool::new(
                config.max_concurrent_hashes,
                Duration::from_millis(config.hash_wait_ms),
            ),
        }
    }

    /// Reserves an attempt to sign in as `email` from `client`.
    ///
    /// # Errors
    /// When the shared counters cannot be read. The inner `Err` is how long the client must
    /// wait before its next attempt.
    pub async fn reserve(
        &self,
        email: &str,
        client: IpAddr,
    ) -> StoreResult<Result<Reservation<'_>, Duration>> {
        // The address as typed can be of any length; its hash keys the counters at a fixed
        // size (and keeps what people typed out of the shared table).
        let key = crate::tokens::hash(email);
        let counted = match &self.counts {
            Counts::Local(limiter) => match limiter.lock() {
                Ok(mut limiter) => limiter.reserve(&key, client, Millis::now()),
                Err(_) => Err(Duration::from_secs(1)),
            },
            Counts::Shared(store) => store.reserve_sign_in(&key, client, &self.limits).await?,
        };
        Ok(counted.map(|()| Reservation {
            guard: self,
            key,
            client,
            settled: false,
        }))
    }

    /// Deletes shared counters whose window and wait are over (memory prunes itself as it
    /// fills); returns how many went.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn prune(&self) -> StoreResult<u64> {
        match &self.counts {
            Counts::Local(_) => Ok(0),
            Counts::Shared(store) => store.prune_sign_in_counts(&self.limits).await,
        }
    }

    fn with_limiter(&self, change: impl FnOnce(&mut AttemptLimiter)) {
        if let Counts::Local(limiter) = &self.counts
            && let Ok(mut limiter) = limiter.lock()
        {
            change(&mut limiter);
        }
    }
}

/// The rules' limits from `[server.sign_in]`.
fn limits_of(config: &SignInConfig) -> SignInLimits {
    SignInLimits {
        free_failures: config.free_failures,
        first_delay: Duration::from_secs(config.first_delay_secs),
        max_delay: Duration::from_secs(config.max_delay_secs),
        failures_per_client: config.failures_per_client,
        window: Duration::from_secs(config.window_secs),
    }
}

/// A reserved attempt, counted as a failure until [`Reservation::succeeded`]. Given back by
/// [`Reservation::give_back`], or when dropped unsettled (the password was never checked:
/// a database error, or the request was cancelled).
pub struct Reservation<'g> {
    guard: &'g SignInGuard,
    key: String,
    client: IpAddr,
    settled: bool,
}

impl Reservation<'_> {
    /// The password was right: the pair starts afresh and the client is refunded.
    pub async fn succeeded(mut self) {
        self.settled = true;
        let (key, client) = (&self.key, self.client);
        match &self.guard.counts {
            Counts::Local(_) => self
                .guard
                .with_limiter(|limiter| limiter.succeeded(key, client)),
            Counts::Shared(store) => {
                // The sign-in stands: a counter left too high only makes its next attempt
                // wait sooner, which is the safe side.
                if let Err(err) = store
                    .sign_in_succeeded(key, client, &self.guard.limits)
                    .await
                {
                    tracing::warn!(error = %err, %client, "could not reset sign-in failures");
                }
            }
        }
    }

    /// The password was wrong: the failure stays counted.
    pub fn failed(mut self) {
        self.settled = true;
    }

    /// The password was not checked (the pool was busy): the attempt no longer counts, before
    /// the answer leaves, so a prompt retry finds it given back.
    pub async fn give_back(mut self) {
        self.settled = true;
        let (key, client) = (&self.key, self.client);
        match &self.guard.counts {
            Counts::Local(_) => self
                .guard
                .with_limiter(|limiter| limiter.give_back(key, client)),
            Counts::Shared(store) => {
                if let Err(err) = store
                    .give_back_sign_in(key, client, &self.guard.limits)
                    .await
                {
                    tracing::warn!(error = %err, %client, "could not give back a sign-in attempt");
                }
            }
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        match &self.guard.counts {
            Counts::Local(_) => {
                let (key, client) = (&self.key, self.client);
                self.guard
                    .with_limiter(|limiter| limiter.give_back(key, client));
            }
            Counts::Shared(store) => {
                // Drop cannot wait for the database: the give-back runs on its own. Until it
                // lands, the attempt still counts, which errs on the strict side.
                let (store, limits) = (store.clone(), self.guard.limits);
                let (key, client) = (std::mem::take(&mut self.key), self.client);
                let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                    tracing::warn!(%client, "no runtime to give back a sign-in attempt");
                    return;
                };
                runtime.spawn(async move {
                    if let Err(err) = store.give_back_sign_in(&key, client, &limits).await {
                        tracing::warn!(error = %err, %client, "could not give back a sign-in attempt");
                    }
                });
            }
        }
    }
}

/// The counters of one node, in memory, on an explicit clock so they can be tested without
/// waiting.
#[derive(Debug)]
pub struct AttemptLimiter {
    limits: SignInLimits,
    pairs: HashMap<(String, IpAddr), PairCount>,
    clients: HashMap<IpAddr, ClientCount>,
    last_pruned: Option<Millis>,
}

impl AttemptLimiter {
    /// A limiter counting against `limits`.
    pub fn new(limits: SignInLimits) -> Self {
        Self {
            limits,
            pairs: HashMap::new(),
            clients: HashMap::new(),
            last_pruned: None,
        }
    }

    /// Counts an attempt of `key` (the address's hash) from `client` at `now`, unless it must
    /// wait.
    ///
    /// # Errors
    /// How long until the next attempt is allowed (nothing was counted).
    pub fn reserve(&mut self, key: &str, client: IpAddr, now: Millis) -> Result<(), Duration> {
        self.make_room(now);
        let pair_key = (key.to_owned(), client);
        let mut budget = self
            .clients
            .get(&client)
            .copied()
            .unwrap_or(ClientCount::fresh(now));
        let mut pair = self
            .pairs
            .get(&pair_key)
            .copied()
            .unwrap_or(PairCount::fresh(now));
        self.limits.reserve(&mut pair, &mut budget, now)?;
        self.clients.insert(client, budget);
        self.pairs.insert(pair_key, pair);
        Ok(())
    }

    /// The attempt of `key` from `client` was right: its pair is forgotten and it does not
    /// count against the client.
    pub fn succeeded(&mut self, key: &str, client: IpAddr) {
        self.pairs.remove(&(key.to_owned(), client));
        if let Some(budget) = self.clients.get_mut(&client) {
            self.limits.succeeded(budget);
            if budget.is_blank() {
                self.clients.remove(&client);
            }
        }
    }

    /// A reserved attempt was not checked after all: it no longer counts.
    pub fn give_back(&mut self, key: &str, client: IpAddr) {
        let pair_key = (key.to_owned(), client);
        self.limits
            .give_back(self.pairs.get_mut(&pair_key), self.clients.get_mut(&client));
        if self.pairs.get(&pair_key).is_some_and(PairCount::is_blank) {
            self.pairs.remove(&pair_key);
        }
        if self.clients.get(&client).is_some_and(ClientCount::is_blank) {
            self.clients.remove(&client);
        }
    }

    /// Keeps both maps under [`MAX_TRACKED`]: drops entries whose window and wait are over
    /// (at most once a second, as it scans), then arbitrary ones if still full.
    fn make_room(&mut self, now: Millis) {
        if self.pairs.len() < MAX_TRACKED && self.clients.len() < MAX_TRACKED {
            return;
        }
        if self
            .last_pruned
            .is_none_or(|at| now.0.saturating_sub(at.0) >= 1000)
        {
            self.last_pruned = Some(now);
            let limits = self.limits;
            self.pairs.retain(|_, pair| !limits.pair_is_over(pair, now));
            self.clients
                .retain(|_, client| !limits.client_is_over(client, now));
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
        AttemptLimiter::new(limits_of(&SignInConfig {
            free_failures: 3,
            first_delay_secs: 2,
            max_delay_secs: 10,
            failures_per_client: 8,
            window_secs: 60,
            ..SignInConfig::default()
        }))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn waits_grow_per_pair_and_never_reach_other_clients() {
        let mut limiter = limiter();
        let (attacker, user) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let start = Millis(1_000_000);
        for _ in 0..3 {
            assert!(limiter.reserve("a@x", attacker, start).is_ok());
        }
        assert_eq!(
            limiter.reserve("a@x", attacker, start),
            Err(Duration::from_secs(2))
        );
        // The same address from another client is untouched.
        assert!(limiter.reserve("a@x", user, start).is_ok());
        let later = start.plus(Duration::from_secs(2));
        assert!(limiter.reserve("a@x", attacker, later).is_ok());
        assert_eq!(
            limiter.reserve("a@x", attacker, later),
            Err(Duration::from_secs(4)),
            "the wait doubles"
        );
        let much_later = later.plus(Duration::from_secs(4));
        assert!(limiter.reserve("a@x", attacker, much_later).is_ok());
        assert!(
            limiter
                .reserve("a@x", attacker, much_later.plus(Duration::from_secs(8)))
                .is_ok()
        );
        assert_eq!(
            limiter.reserve("a@x", attacker, much_later.plus(Duration::from_secs(8))),
            Err(Duration::from_secs(10)),
            "capped at max_delay"
        );
    }

    #[test]
    fn a_client_has_an_overall_budget_and_success_or_give_back_refund() {
        let mut limiter = limiter();
        let client = ip("192.0.2.1");
        let now = Millis(1_000_000);
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
                .reserve("fresh@x", client, now.plus(Duration::from_secs(60)))
                .is_ok(),
            "a new window"
        );
        assert!(limiter.reserve("x@x", ip("192.0.2.9"), now).is_ok());
    }

    #[test]
    fn a_success_clears_the_pair() {
        let mut limiter = limiter();
        let client = ip("192.0.2.1");
        let now = Millis(1_000_000);
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
