//! Configuration changes in the audit log. Channels and retention are set in the configuration
//! file, not through the API, so a node compares what it starts with against the last entries
//! the log holds, and records `channel.changed` and `retention.changed` as Switchboard itself
//! when they differ. A channel's settings are recorded as a keyed fingerprint per key: enough
//! to say which keys changed, nothing that gives a secret away.

use std::collections::{BTreeMap, HashMap};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::domain::audit::{AuditAction, AuditActor, AuditFilter, AuditSubject, NewAuditEntry};
use crate::retention::RetentionConfig;
use crate::store::{PageRequest, Store, StoreResult};

/// A configured channel as the log compares it: its settings as text, by key.
pub struct ConfiguredChannel {
    pub name: String,
    pub kind: &'static str,
    pub settings: BTreeMap<String, String>,
}

/// How many `channel.changed` entries a start reads at most, newest first: one entry per
/// change, so years of changes stay far below it.
const MOST_CHANNEL_ENTRIES: usize = 5_000;

/// Records what changed in the channels and the retention settings since the last entries of
/// the log; returns how many entries it wrote. `key` keys the fingerprints (the same on
/// every node, so that nodes of one configuration agree).
pub async fn record_config_changes(
    store: &Store,
    key: &[u8],
    channels: &[ConfiguredChannel],
    retention: &RetentionConfig,
) -> StoreResult<usize> {
    let mut written = 0;
    let last = last_channel_entries(store).await?;
    for channel in channels {
        let keys = fingerprints(key, channel);
        let before = last
            .get(&channel.name)
            .filter(|detail| detail["change"] != "removed");
        let Some(detail) = channel_change(channel, &keys, before) else {
            continue;
        };
        record(
            store,
            AuditAction::ChannelChanged,
            AuditSubject::Channel(channel.name.clone()),
            detail,
        )
        .await?;
        written += 1;
    }
    for (name, detail) in &last {
        let configured = channels.iter().any(|channel| &channel.name == name);
        if !configured && detail["change"] != "removed" {
            let detail = json!({"change": "removed", "kind": detail["kind"], "keys": {}});
            record(
                store,
                AuditAction::ChannelChanged,
                AuditSubject::Channel(name.clone()),
                detail,
            )
            .await?;
            written += 1;
        }
    }
    if retention_changed(store, retention).await? {
        let settings = serde_json::to_value(retention).unwrap_or(Value::Null);
        record(
            store,
            AuditAction::RetentionChanged,
            AuditSubject::None,
            json!({"settings": settings}),
        )
        .await?;
        written += 1;
    }
    Ok(written)
}

/// The detail of the newest `channel.changed` entry of each channel named in the log.
async fn last_channel_entries(store: &Store) -> StoreResult<HashMap<String, Value>> {
    let filter = AuditFilter {
        action: Some(AuditAction::ChannelChanged),
        ..AuditFilter::default()
    };
    let mut last = HashMap::new();
    let mut page = PageRequest::first(200);
    let mut read = 0;
    loop {
        let entries = store.list_audit(&filter, page).await?;
        read += entries.items.len();
        for entry in entries.items {
            if let Some(name) = entry.subject_id {
                last.entry(name).or_insert(entry.detail);
            }
        }
        match entries.next_cursor {
            Some(cursor) if read < MOST_CHANNEL_ENTRIES => {
                page = PageRequest {
                    cursor: Some(cursor),
                    limit: Some(200),
                };
            }
            _ => return Ok(last),
        }
    }
}

/// Whether the retention settings differ from those of the newest `retention.changed` entry
/// (or there is none and they are not the defaults).
async fn retention_changed(store: &Store, retention: &RetentionConfig) -> StoreResult<bool> {
    let filter = AuditFilter {
        action: Some(AuditAction::RetentionChanged),
        ..AuditFilter::default()
    };
    let newest = store.list_audit(&filter, PageRequest::first(1)).await?;
    let now = serde_json::to_value(retention).unwrap_or(Value::Null);
    Ok(match newest.items.first() {
        Some(entry) => entry.detail["settings"] != now,
        None => *retention != RetentionConfig::default(),
    })
}

/// The entry's detail when `channel` is new or changed against `before` (the last entry's).
fn channel_change(
    channel: &ConfiguredChannel,
    keys: &BTreeMap<String, String>,
    before: Option<&Value>,
) -> Option<Value> {
    let kind = channel.kind;
    let Some(before) = before else {
        return Some(json!({"change": "added", "kind": kind, "keys": keys}));
    };
    let old_keys: BTreeMap<String, String> =
        serde_json::from_value(before["keys"].clone()).unwrap_or_default();
    let mut changed: Vec<&String> = keys
        .iter()
        .filter(|(name, print)| old_keys.get(*name) != Some(*print))
        .map(|(name, _)| name)
        .collect();
    changed.extend(old_keys.keys().filter(|name| !keys.contains_key(*name)));
    let kind_changed = before["kind"] != kind;
    if changed.is_empty() && !kind_changed {
        return None;
    }
    Some(json!({"change": "changed", "kind": kind, "keys": keys, "changed": changed}))
}

/// A fingerprint of each setting of `channel`: the first 16 hex digits of
/// HMAC-SHA256(key, name and value), so equal values compare equal and no value can be
/// guessed from the log.
fn fingerprints(key: &[u8], channel: &ConfiguredChannel) -> BTreeMap<String, String> {
    channel
        .settings
        .iter()
        .map(|(name, value)| {
            let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
                Ok(mac) => mac,
                Err(_) => unreachable!("HMAC accepts keys of any length"),
            };
            mac.update(name.as_bytes());
            mac.update(b"=");
            mac.update(value.as_bytes());
            let print = hex::encode(mac.finalize().into_bytes());
            (name.clone(), print[..16].to_owned())
        })
        .collect()
}

async fn record(
    store: &Store,
    action: AuditAction,
    subject: AuditSubject,
    detail: Value,
) -> StoreResult<()> {
    store
        .record_audit(&NewAuditEntry {
            actor: AuditActor::system(),
            action,
            subject,
            ip: None,
            detail,
        })
        .await?;
    Ok(())
}
