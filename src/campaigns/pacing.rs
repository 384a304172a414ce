//! The pace of a campaign's sends on each channel: a token bucket per (campaign, channel).
//! With one node it lives in memory ([`Throttle`]); with several nodes on one database it is
//! a row every node takes from (`Store::take_tokens`), so the campaign's `rate_per_sec` holds
//! for the whole cluster, not per node.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::throttle::Throttle;
use crate::domain::CampaignId;
use crate::store::Store;

type Key = (CampaignId, String);

/// The buckets of every running campaign.
pub struct Pacing {
    store: Store,
    /// True when the buckets are shared through the database.
    shared: bool,
    local: Mutex<HashMap<Key, Throttle>>,
    /// Shared buckets found empty, and when they hold a token again.
    empty_until: Mutex<HashMap<Key, Instant>>,
}

/// A burst of a tenth of a second's worth keeps batches efficient at high rates without
/// letting the pace run ahead of the configured rate.
fn burst_of(rate: f64, want: usize) -> u32 {
    ((rate / 10.0).ceil() as u32).clamp(1, u32::try_from(want.max(1)).unwrap_or(u32::MAX))
}

fn bucket_name(campaign: CampaignId, channel: &str) -> String {
    format!("campaign:{campaign}:{channel}")
}

impl Pacing {
    /// Buckets in memory, or in `store` when other nodes share it.
    pub fn new(store: Store) -> Self {
        Self {
            shared: store.shared_by_nodes(),
            store,
            local: Mutex::default(),
            empty_until: Mutex::default(),
        }
    }

    /// Tokens for up to `want` sends of `campaign` on `channel` at `rate` per second now.
    pub async fn take(&self, campaign: CampaignId, channel: &str, rate: f64, want: usize) -> usize {
        let burst = burst_of(rate, want);
        let key = (campaign, channel.to_owned());
        if !self.shared {
            let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
            return local
                .entry(key)
                .or_insert_with(|| Throttle::new(rate, burst))
                .take(want);
        }
        let name = bucket_name(campaign, channel);
        let want = i64::try_from(want).unwrap_or(i64::MAX);
        let granted = match self
            .store
            .take_tokens(&name, rate, f64::from(burst), want)
            .await
        {
            Ok(granted) => usize::try_from(granted).unwrap_or(0),
            Err(err) => {
                tracing::warn!(error = %err, bucket = %name, "could not take send tokens");
                0
            }
        };
        if granted == 0 {
            let wait = self
                .store
                .bucket_wait(&name, rate)
                .await
                .unwrap_or(Duration::from_millis(100));
            self.empty_until
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key, Instant::now() + wait);
        } else {
            self.empty_until
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&key);
        }
        granted
    }

    /// Puts back tokens taken but not used (fewer sends were due than allowed).
    pub async fn give_back(&self, campaign: CampaignId, channel: &str, rate: f64, unused: usize) {
        if unused == 0 {
            return;
        }
        if !self.shared {
            let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(throttle) = local.get_mut(&(campaign, channel.to_owned())) {
                throttle.give_back(unused);
            }
            return;
        }
        let name = bucket_name(campaign, channel);
        let burst = f64::from(burst_of(rate, usize::MAX));
        let unused = i64::try_from(unused).unwrap_or(i64::MAX);
        if let Err(err) = self.store.give_back_tokens(&name, unused, burst).await {
            tracing::warn!(error = %err, bucket = %name, "could not return send tokens");
        }
    }

    /// How long until any bucket has a token again (`None`: no bucket is known to be empty).
    pub fn wait(&self) -> Option<Duration> {
        if !self.shared {
            let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
            return local.values_mut().map(Throttle::wait).min();
        }
        let now = Instant::now();
        let mut empty = self.empty_until.lock().unwrap_or_else(|p| p.into_inner());
        empty.retain(|_, until| *until > now);
        empty.values().map(|until| until.duration_since(now)).min()
    }

    /// Forgets a finished campaign's buckets.
    pub async fn forget(&self, campaign: CampaignId) {
        self.local
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(id, _), _| *id != campaign);
        self.empty_until
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(id, _), _| *id != campaign);
        if self.shared
            && let Err(err) = self
                .store
                .forget_buckets(&format!("campaign:{campaign}:"))
                .await
        {
            tracing::warn!(error = %err, %campaign, "could not remove a campaign's send buckets");
        }
    }
}
