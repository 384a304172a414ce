//! Exact timers: one task sleeps until the earliest due time, fires what is due, and is woken
//! early when a sooner timer is set. There is no periodic sweep; the time source is a
//! [`Clock`] so tests can run the loop on tokio's paused clock.

use std::future::Future;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::domain::Millis;

/// Where "now" comes from.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The system's wall clock.
    System,
    /// `start` plus the time tokio's clock moved since `origin`: follows
    /// `tokio::time::pause` / `advance` in tests.
    Tokio {
        start: Millis,
        origin: tokio::time::Instant,
    },
}

impl Clock {
    /// A clock that reads `start` now and then moves with tokio's clock.
    pub fn tokio_from(start: Millis) -> Self {
        Clock::Tokio {
            start,
            origin: tokio::time::Instant::now(),
        }
    }

    pub fn now(&self) -> Millis {
        match self {
            Clock::System => Millis::now(),
            Clock::Tokio { start, origin } => start.plus(origin.elapsed()),
        }
    }
}

/// Timers kept somewhere (the database in production).
pub trait TimerSource: Send + Sync {
    /// The earliest pending due time.
    fn next_due(&self) -> impl Future<Output = Option<Millis>> + Send;
    /// Fires everything due at `now`.
    fn fire(&self, now: Millis) -> impl Future<Output = ()> + Send;
}

/// Fires `source`'s timers on time until `shutdown`. `wake` is notified whenever a timer is
/// set that may be earlier than the one being waited for.
pub async fn run<S: TimerSource>(
    source: &S,
    clock: &Clock,
    wake: &Notify,
    shutdown: CancellationToken,
) {
    while !shutdown.is_cancelled() {
        // Registered before reading, so a timer set meanwhile still wakes this loop.
        let woken = wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let wait = match source.next_due().await {
            Some(due) => {
                let now = clock.now();
                if due <= now {
                    source.fire(now).await;
                    continue;
                }
                Duration::from_millis(u64::try_from(due.0 - now.0).unwrap_or(0))
            }
            // Nothing pending: sleep until something is set.
            None => Duration::from_secs(24 * 3_600),
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = &mut woken => {}
            () = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::automation::rule::Span;
    use crate::automation::sla::SlaPolicy;
    use crate::domain::sla::Target;
    use crate::domain::{SlaState, SlaStatus};

    /// SLA targets of one conversation, in memory, with the fire times recorded.
    #[derive(Default)]
    struct Memory {
        timers: Mutex<Vec<(Target, Millis)>>,
        state: Mutex<Option<SlaState>>,
        breaches: Mutex<Vec<(Target, Millis)>>,
    }

    impl TimerSource for Arc<Memory> {
        async fn next_due(&self) -> Option<Millis> {
            self.timers.lock().ok()?.iter().map(|(_, due)| *due).min()
        }

        async fn fire(&self, now: Millis) {
            let due: Vec<Target> = {
                let mut timers = self.timers.lock().expect("timers");
                let due = timers
                    .iter()
                    .filter(|(_, at)| *at <= now)
                    .map(|(t, _)| *t)
                    .collect();
                timers.retain(|(_, at)| *at > now);
                due
            };
            let mut state = self.state.lock().expect("state");
            for target in due {
                if let Some(state) = state.as_mut()
                    && state.breach(target, now)
                {
                    self.breaches.lock().expect("breaches").push((target, now));
                }
            }
        }
    }

    fn policy() -> SlaPolicy {
        SlaPolicy {
            name: "standard".into(),
            first_response: Some(Span(Duration::from_secs(3_600))),
            next_response: None,
            resolution: Some(Span(Duration::from_secs(4 * 3_600))),
            business_hours_only: false,
            warn_at: 0.75,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_sla_timer_fires_exactly_at_its_due_time() {
        let start = Millis(1_700_000_000_000);
        let clock = Clock::tokio_from(start);
        let memory = Arc::new(Memory::default());
        let (state, change) = SlaState::start(&policy(), start, false, None);
        *memory.state.lock().expect("state") = Some(state);
        *memory.timers.lock().expect("timers") = change
            .arm
            .iter()
            .map(|(target, due)| (*target, *due))
            .collect();
        let wake = Arc::new(Notify::new());
        let shutdown = CancellationToken::new();
        let task = {
            let (memory, wake, shutdown) = (memory.clone(), wake.clone(), shutdown.clone());
            tokio::spawn(async move { run(&memory, &clock, &wake, shutdown).await })
        };
        tokio::time::sleep(Duration::from_secs(3_599)).await;
        assert!(memory.breaches.lock().expect("b").is_empty(), "fired early");
        let status = memory
            .state
            .lock()
            .expect("s")
            .as_ref()
            .map(|s| s.status(clock.now()));
        assert_eq!(status, Some(SlaStatus::AtRisk));
        tokio::time::sleep(Duration::from_secs(1)).await;
        tokio::task::yield_now().await;
        assert_eq!(
            *memory.breaches.lock().expect("b"),
            vec![(Target::FirstResponse, Millis(start.0 + 3_600_000))]
        );
        tokio::time::sleep(Duration::from_secs(3 * 3_600)).await;
        tokio::task::yield_now().await;
        assert_eq!(
            memory.breaches.lock().expect("b").len(),
            2,
            "resolution breached on time"
        );
        shutdown.cancel();
        task.await.expect("timer loop");
    }

    #[tokio::test(start_paused = true)]
    async fn a_sooner_timer_set_while_waiting_wakes_the_loop() {
        let start = Millis(1_700_000_000_000);
        let clock = Clock::tokio_from(start);
        let memory = Arc::new(Memory::default());
        let (state, change) = SlaState::start(&policy(), start, false, None);
        *memory.state.lock().expect("state") = Some(state);
        // Only the far resolution timer at first.
        memory.timers.lock().expect("t").push(
            change
                .arm
                .iter()
                .copied()
                .find(|(target, _)| *target == Target::Resolution)
                .expect("resolution"),
        );
        let wake = Arc::new(Notify::new());
        let shutdown = CancellationToken::new();
        let task = {
            let (memory, wake, shutdown) = (memory.clone(), wake.clone(), shutdown.clone());
            tokio::spawn(async move { run(&memory, &clock, &wake, shutdown).await })
        };
        tokio::time::sleep(Duration::from_secs(60)).await;
        // Now the first-response timer (due at one hour) is set; the loop must not sleep on
        // until the four-hour one.
        memory
            .timers
            .lock()
            .expect("t")
            .push((Target::FirstResponse, Millis(start.0 + 3_600_000)));
        wake.notify_one();
        tokio::time::sleep(Duration::from_secs(3_540)).await;
        tokio::task::yield_now().await;
        assert_eq!(
            *memory.breaches.lock().expect("b"),
            vec![(Target::FirstResponse, Millis(start.0 + 3_600_000))]
        );
        shutdown.cancel();
        task.await.expect("timer loop");
    }
}
