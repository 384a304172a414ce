//! Store methods of the web sign-in's guessing counters that every node shares (the rules are
//! `domain::sign_in`; a single SQLite node keeps its counters in memory instead).

use std::net::IpAddr;
use std::time::Duration;

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::sign_in::SignInLimits;

/// The web sign-in's shared guessing counters, keyed by the address's hash and the client.
impl Store {
    /// Counts an attempt to sign in as the address hashed to `email_hash` from `client`, as a
    /// failure until [`Store::sign_in_succeeded`], unless it must wait. Concurrent attempts,
    /// on any node, are counted one after the other.
    ///
    /// # Errors
    /// When the database fails. The inner `Err` is how long the client must wait; nothing was
    /// counted then.
    pub async fn reserve_sign_in(
        &self,
        email_hash: &str,
        client: IpAddr,
        limits: &SignInLimits,
    ) -> StoreResult<Result<(), Duration>> {
        let client = client.to_string();
        on_backend!(
            self,
            sign_in::reserve(email_hash, &client, limits, self.now())
        )
    }

    /// A reserved attempt was right: forgets its pair and refunds its client.
    pub async fn sign_in_succeeded(
        &self,
        email_hash: &str,
        client: IpAddr,
        limits: &SignInLimits,
    ) -> StoreResult<()> {
        let client = client.to_string();
        on_backend!(self, sign_in::succeeded(email_hash, &client, limits))
    }

    /// A reserved attempt was never checked: it no longer counts.
    pub async fn give_back_sign_in(
        &self,
        email_hash: &str,
        client: IpAddr,
        limits: &SignInLimits,
    ) -> StoreResult<()> {
        let client = client.to_string();
        on_backend!(
            self,
            sign_in::give_back(email_hash, &client, limits, self.now())
        )
    }

    /// Deletes the counters whose window and wait are over; returns how many rows went.
    pub async fn prune_sign_in_counts(&self, limits: &SignInLimits) -> StoreResult<u64> {
        on_backend!(self, sign_in::prune(limits, self.now()))
    }
}
