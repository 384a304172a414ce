//! Process counters, rendered in the Prometheus text format on `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
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
    /// Jobs that panicked, by worker (see `supervisor::isolate`).
    job_panics: PerWorker,
    /// Worker tasks restarted after ending unexpectedly, by worker (see `supervisor::supervise`).
    worker_restarts: PerWorker,
}

/// A counter per worker name.
#[derive(Debug, Default)]
struct PerWorker(Mutex<BTreeMap<String, u64>>);

impl PerWorker {
    fn add(&self, worker: &str) {
        // A poisoned lock only means a panic elsewhere while counting; the counts stay valid.
        let mut counts = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *counts.entry(worker.to_owned()).or_default() += 1;
    }

    fn get(&self, worker: &str) -> u64 {
        let counts = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counts.get(worker).copied().unwrap_or(0)
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let counts = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Writing to a String cannot fail.
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        for (worker, count) in counts.iter() {
            let _ = writeln!(out, "{name}{{worker=\"{}\"}} {count}", label_value(worker));
        }
    }
}

/// Escapes a label value as the exposition format requires (backslash, quote, line feed).
fn label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a job of `worker` that panicked.
    pub fn job_panicked(&self, worker: &str) {
        self.job_panics.add(worker);
    }

    /// Counts a restart of the `worker` task.
    pub fn worker_restarted(&self, worker: &str) {
        self.worker_restarts.add(worker);
    }

    /// Jobs of `worker` that panicked so far.
    pub fn job_panics(&self, worker: &str) -> u64 {
        self.job_panics.get(worker)
    }

    /// Restarts of the `worker` task so far.
    pub fn worker_restarts(&self, worker: &str) -> u64 {
        self.worker_restarts.get(worker)
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
        self.job_panics.render(
            &mut out,
            "switchboard_job_panics_total",
            "Jobs that panicked and failed alone, by worker.",
        );
        self.worker_restarts.render(
            &mut out,
            "switchboard_worker_restarts_total",
            "Worker tasks restarted after ending unexpectedly, by worker.",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_worker_counters_render_as_labelled_series() {
        let metrics = Metrics::default();
        metrics.job_panicked("dispatcher");
        metrics.job_panicked("dispatcher");
        metrics.worker_restarted("listener:odd\"name");
        let text = metrics.render();
        assert!(text.contains("# TYPE switchboard_job_panics_total counter\n"));
        assert!(text.contains("switchboard_job_panics_total{worker=\"dispatcher\"} 2\n"));
        assert!(
            text.contains("switchboard_worker_restarts_total{worker=\"listener:odd\\\"name\"} 1\n")
        );
    }
}
