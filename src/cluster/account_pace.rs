//! Provider send limits per account, not per node: Telegram's 30 messages a second per bot,
//! a WhatsApp number's rate, Discord's global limit. Each connector keeps its own limiter,
//! which is enough for one node; with several nodes on one database every send of a rated
//! channel also takes a token from that channel's bucket row, so the sum over all nodes stays
//! under the provider's limit.

use std::time::Duration;

use connector_sdk::Connector;

use crate::store::Store;

/// Longest a send waits for its turn before it is tried anyway: the connector's own limiter
/// still applies, and a provider that objects answers 429, which the caller retries.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// The shared buckets of rated channels (several nodes only).
#[derive(Clone)]
pub struct AccountPace {
    store: Store,
    shared: bool,
}

impl AccountPace {
    /// Paces sends through `store`'s buckets when nodes share it (PostgreSQL).
    pub fn new(store: Store) -> Self {
        let shared = store.shared_by_nodes();
        Self { store, shared }
    }

    /// Waits until `connector`'s account may send `count` more messages across the cluster.
    /// A batch waits for all its turns before any of it goes out, so its messages still leave
    /// in the order the caller starts them (one conversation's replies stay in order).
    pub async fn wait_turns(&self, connector: &dyn Connector, count: usize) {
        let Some(rate) = connector.account_send_rate() else {
            return;
        };
        if count == 0 || !self.shared || !(rate.is_finite() && rate > 0.0) {
            return;
        }
        let name = format!("channel:{}", connector.name());
        let burst = (rate / 10.0).ceil().max(1.0);
        let mut missing = i64::try_from(count).unwrap_or(i64::MAX);
        let deadline = tokio::time::Instant::now() + MAX_WAIT;
        while tokio::time::Instant::now() < deadline {
            match self.store.take_tokens(&name, rate, burst, missing).await {
                Ok(granted) => missing -= granted,
                Err(err) => {
                    tracing::warn!(error = %err, bucket = %name, "could not take send tokens");
                    return;
                }
            }
            if missing <= 0 {
                return;
            }
            let wait = self
                .store
                .bucket_wait(&name, rate)
                .await
                .unwrap_or(Duration::from_millis(50));
            tokio::time::sleep(wait.clamp(Duration::from_millis(2), Duration::from_secs(1))).await;
        }
        tracing::warn!(bucket = %name, "no send turn within {MAX_WAIT:?}; sending anyway");
    }
}
