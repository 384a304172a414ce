//! Keeps the background workers alive: [`isolate`] runs one job so that a panic fails that
//! job only, and [`supervise`] restarts a worker task that ends before shutdown (an error or a
//! panic), after a growing, capped pause. Both count what they catch in [`Metrics`]. The
//! workers themselves decide what a failed job means for their data.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use connector_sdk::panic_message;
use futures_util::FutureExt;
use serde::Deserialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// `[workers]`: how the supervisor restarts a worker task that stopped unexpectedly.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkersConfig {
    /// Pause before the first restart; it doubles on each further restart.
    pub restart_pause_ms: u64,
    /// The longest pause between restarts. A worker that then ran this long without
    /// stopping starts over from `restart_pause_ms`.
    pub restart_pause_max_secs: u64,
}

impl Default for WorkersConfig {
    fn default() -> Self {
        Self {
            restart_pause_ms: 1000,
            restart_pause_max_secs: 60,
        }
    }
}

impl WorkersConfig {
    /// Checks the keys; the message names the one that is wrong.
    ///
    /// # Errors
    /// A pause of zero (a crashing worker would restart in a hot loop) or a maximum below the
    /// first pause.
    pub fn validate(&self) -> Result<(), String> {
        if self.restart_pause_ms == 0 {
            return Err("workers.restart_pause_ms: must be above 0".into());
        }
        if self.restart_pause_max_secs.saturating_mul(1000) < self.restart_pause_ms {
            return Err(
                "workers.restart_pause_max_secs: must not be shorter than restart_pause_ms".into(),
            );
        }
        Ok(())
    }

    fn first_pause(&self) -> Duration {
        Duration::from_millis(self.restart_pause_ms)
    }

    fn max_pause(&self) -> Duration {
        Duration::from_secs(self.restart_pause_max_secs).max(self.first_pause())
    }
}

/// A job that panicked; its text is the job's permanent failure reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("panicked: {message}")]
pub struct JobPanic {
    /// The panic's message (or a placeholder when it carried none).
    pub message: String,
}

/// Runs one job of `worker`, catching a panic: it is logged, counted in
/// `switchboard_job_panics_total{worker}` and returned as [`JobPanic`], so that the caller
/// records that job as failed for good and goes on with the next one.
///
/// # Errors
/// [`JobPanic`] when the job panicked.
pub async fn isolate<F: Future>(
    worker: &str,
    metrics: &Metrics,
    job: F,
) -> Result<F::Output, JobPanic> {
    // The job's state is dropped with it and the caller only sees the panic's message, so no
    // broken invariant can be observed afterwards.
    AssertUnwindSafe(job)
        .catch_unwind()
        .await
        .map_err(|payload| job_panicked(worker, metrics, payload.as_ref()))
}

/// [`isolate`] for a synchronous job (one that runs on the blocking pool).
///
/// # Errors
/// [`JobPanic`] when the job panicked.
pub fn isolate_blocking<T>(
    worker: &str,
    metrics: &Metrics,
    job: impl FnOnce() -> T,
) -> Result<T, JobPanic> {
    // As in `isolate`: the job's state is dropped with it; only the message is kept.
    std::panic::catch_unwind(AssertUnwindSafe(job))
        .map_err(|payload| job_panicked(worker, metrics, payload.as_ref()))
}

/// Logs and counts a job's panic, and turns it into the job's failure.
fn job_panicked(worker: &str, metrics: &Metrics, payload: &(dyn std::any::Any + Send)) -> JobPanic {
    let message = panic_message(payload);
    metrics.job_panicked(worker);
    tracing::error!(worker, panic = %message, "a job panicked; it fails and the worker goes on");
    JobPanic { message }
}

/// Runs the worker task that `start` makes until `shutdown`. When the task returns an error
/// or panics before shutdown, the supervisor logs it, counts it in
/// `switchboard_worker_restarts_total{worker}` and starts a new task after a pause that
/// doubles up to the configured maximum (never a hot loop). A task that returns `Ok` is done
/// (a webhook-only channel has no listener to keep). Each task runs on its own `tokio` task,
/// so a panic unwinds that task only; the supervisor waits for it, keeping the shutdown drain.
pub async fn supervise<F, Fut>(
    worker: String,
    metrics: Arc<Metrics>,
    config: WorkersConfig,
    shutdown: CancellationToken,
    mut start: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let mut pause = config.first_pause();
    loop {
        let started = Instant::now();
        let reason = match tokio::spawn(start()).await {
            Ok(Ok(())) => return,
            Ok(Err(err)) => format!("{err:#}"),
            Err(err) if err.is_panic() => {
                format!("panicked: {}", panic_message(err.into_panic().as_ref()))
            }
            Err(err) => err.to_string(),
        };
        if shutdown.is_cancelled() {
            tracing::error!(worker, %reason, "worker stopped while shutting down");
            return;
        }
        if started.elapsed() >= config.max_pause() {
            // It ran well for a long time: this is a fresh failure, not a crash loop.
            pause = config.first_pause();
        }
        metrics.worker_restarted(&worker);
        tracing::error!(worker, %reason, ?pause, "worker stopped unexpectedly; restarting");
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = shutdown.cancelled() => return,
        }
        pause = pause.saturating_mul(2).min(config.max_pause());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn fast() -> WorkersConfig {
        WorkersConfig {
            restart_pause_ms: 10,
            restart_pause_max_secs: 1,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_worker_that_panics_or_fails_is_restarted_and_counted() {
        let metrics = Arc::new(Metrics::default());
        let shutdown = CancellationToken::new();
        let starts = Arc::new(AtomicUsize::new(0));
        let supervisor = tokio::spawn(supervise(
            "flaky".into(),
            metrics.clone(),
            fast(),
            shutdown.clone(),
            {
                let starts = starts.clone();
                let shutdown = shutdown.clone();
                move || {
                    let run = starts.fetch_add(1, Ordering::SeqCst);
                    let shutdown = shutdown.clone();
                    async move {
                        match run {
                            0 => panic!("boom"),
                            1 => anyhow::bail!("store gone"),
                            _ => {
                                shutdown.cancelled().await;
                                Ok(())
                            }
                        }
                    }
                }
            },
        ));
        let deadline = Instant::now() + Duration::from_secs(30);
        while starts.load(Ordering::SeqCst) < 3 {
            assert!(Instant::now() < deadline, "the worker was not restarted");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(metrics.worker_restarts("flaky"), 2);
        assert!(
            metrics
                .render()
                .contains("switchboard_worker_restarts_total{worker=\"flaky\"} 2"),
            "{}",
            metrics.render()
        );
        shutdown.cancel();
        supervisor.await.expect("the supervisor ends at shutdown");
        assert_eq!(starts.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn restarts_pause_longer_each_time_up_to_the_cap() {
        let metrics = Arc::new(Metrics::default());
        let shutdown = CancellationToken::new();
        let starts: Arc<std::sync::Mutex<Vec<Instant>>> = Arc::default();
        let supervisor = tokio::spawn(supervise(
            "crashing".into(),
            metrics.clone(),
            WorkersConfig {
                restart_pause_ms: 100,
                restart_pause_max_secs: 1,
            },
            shutdown.clone(),
            {
                let starts = starts.clone();
                move || {
                    starts.lock().expect("lock").push(Instant::now());
                    async { anyhow::bail!("always fails") }
                }
            },
        ));
        let deadline = Instant::now() + Duration::from_secs(60);
        while starts.lock().expect("lock").len() < 7 {
            assert!(Instant::now() < deadline, "too few restarts");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        shutdown.cancel();
        supervisor.await.expect("the supervisor ends at shutdown");
        let starts = starts.lock().expect("lock").clone();
        let gaps: Vec<Duration> = starts.windows(2).map(|w| w[1] - w[0]).collect();
        // 100, 200, 400, 800 ms, then capped at 1 s (paused time: exact).
        assert_eq!(gaps[0], Duration::from_millis(100));
        assert_eq!(gaps[3], Duration::from_millis(800));
        assert_eq!(gaps[4], Duration::from_secs(1));
        assert_eq!(gaps[5], Duration::from_secs(1));
    }

    #[tokio::test]
    async fn an_isolated_panic_becomes_the_jobs_error_and_is_counted() {
        let metrics = Metrics::default();
        let failed = isolate("dispatcher", &metrics, async {
            if metrics.job_panics("dispatcher") == 0 {
                panic!("bad header for {}", "Mallory");
            }
        })
        .await;
        assert_eq!(
            failed.map_err(|err| err.to_string()),
            Err("panicked: bad header for Mallory".to_owned())
        );
        assert_eq!(isolate("dispatcher", &metrics, async { 7 }).await, Ok(7));
        assert_eq!(metrics.job_panics("dispatcher"), 1);
    }

    #[test]
    fn a_zero_pause_is_refused() {
        let config = WorkersConfig {
            restart_pause_ms: 0,
            ..WorkersConfig::default()
        };
        assert!(
            config
                .validate()
                .is_err_and(|err| err.contains("restart_pause_ms"))
        );
        assert!(WorkersConfig::default().validate().is_ok());
    }
}
