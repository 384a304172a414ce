//! Process counters, rendered in the Prometheus text format on `/metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// The counters; cheap to bump from any task.
#[derive(Debug, Default)]
pub struct Metrics {
    pub inbound_messages: AtomicU64,
    pub inbound_duplicates: AtomicU64,
    pub inbound_batches: AtomicU64,
    pub inbound_failures: AtomicU64,
    pub webhook_rejections: AtomicU64,
    pub outbound_sent: AtomicU64,
    pub outbound_retries: AtomicU64,
    pub outbound_failed: AtomicU64,
    pub outbound_dead: AtomicU64,
    pub http_requests: AtomicU64,
}

impl Metrics {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let counters: [(&str, &str, &AtomicU64); 10] = [
            (
                "switchboard_inbound_messages_total",
                "Inbound messages committed.",
                &self.inbound_messages,
            ),
            (
                "switchboard_inbound_duplicates_total",
                "Inbound messages recognised as redeliveries.",
                &self.inbound_duplicates,
            ),
            (
                "switchboard_inbound_batches_total",
                "Group-commit transactions of the inbound pipeline.",
                &self.inbound_batches,
            ),
            (
                "switchboard_inbound_failures_total",
                "Inbound batches that failed to commit.",
                &self.inbound_failures,
            ),
            (
                "switchboard_webhook_rejections_total",
                "Webhook requests refused (signature, body, size).",
                &self.webhook_rejections,
            ),
            (
                "switchboard_outbound_sent_total",
                "Outbound messages delivered to a channel.",
                &self.outbound_sent,
            ),
            (
                "switchboard_outbound_retries_total",
                "Outbound attempts that will be retried.",
                &self.outbound_retries,
            ),
            (
                "switchboard_outbound_failed_total",
                "Outbound messages refused for good.",
                &self.outbound_failed,
            ),
            (
                "switchboard_outbound_dead_total",
                "Outbound messages out of attempts.",
                &self.outbound_dead,
            ),
            (
                "switchboard_http_requests_total",
                "HTTP requests served.",
                &self.http_requests,
            ),
        ];
        let mut out = String::new();
        for (name, help, value) in counters {
            // Writing to a String cannot fail.
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out
    }
}
