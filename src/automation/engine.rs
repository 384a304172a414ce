//! The engine loop: tails the event log from the stored cursor, evaluates each batch (see
//! `planning`), applies what rules decided in the transaction that moves the cursor,
//! and fires due timers. Owns the cursor and the wake-ups; decides nothing about rules.

use std::collections::HashSet;

use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use super::Automation;
use super::timers::{self, Clock};
use crate::domain::{Event, EventId, Millis};
use crate::store::StoreResult;
use crate::store::automation::ConversationWork;
use crate::supervisor::isolate;

/// The cursor's name in `worker_cursors`.
pub(super) const CURSOR: &str = "automation";
/// Events read per pass.
const BATCH: i64 = 500;
/// When nothing was applied, the cursor is written at most this often: re-reading a few
/// seconds of events after a crash is harmless, since rules that did something moved the
/// cursor themselves, and it keeps the engine off SQLite's write lock under inbound load.
const CURSOR_SAVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// Where the engine is in the event log.
#[derive(Clone, Copy)]
pub(super) struct Position {
    /// The last event evaluated.
    pub(super) after: EventId,
    /// The last event the stored cursor covers.
    pub(super) saved: EventId,
    pub(super) saved_at: std::time::Instant,
    /// The holes the engine waits at: on PostgreSQL an id is taken at insert but seen at
    /// commit, so a later event can be visible before an earlier one. The engine waits for the
    /// late commit, up to [`HOLE_GRACE`] (a rolled-back insert leaves a hole for ever).
    pub(super) hole: Option<Hole>,
}

/// Missing ids the engine waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Hole {
    /// The first missing id.
    pub(super) first: i64,
    /// When it was found missing.
    pub(super) since: std::time::Instant,
    /// The highest id seen then. Every missing id below it was taken before `since`, so one
    /// wait covers them all: a node killed mid-batch leaves a hole at each of its ids, spread
    /// among the other nodes' ids, and waiting for each in turn would add a grace per hole.
    pub(super) horizon: i64,
}

/// How long the engine waits at a hole in the event ids for a transaction to commit. Far
/// longer than any transaction that appends events.
const HOLE_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// `events` (read after `position.after`, in id order) up to the first hole in their ids,
/// unless that hole has been waited at for [`HOLE_GRACE`] already (holes found together are
/// waited for together, see [`Hole::horizon`]).
fn until_hole(position: &mut Position, mut events: Vec<Event>) -> Vec<Event> {
    let mut expected = position.after.get() + 1;
    let highest = events.last().map_or(expected - 1, |event| event.id.get());
    for (index, event) in events.iter().enumerate() {
        let id = event.id.get();
        if id > expected {
            match position.hole {
                Some(hole) if expected <= hole.horizon => {
                    if hole.since.elapsed() < HOLE_GRACE {
                        events.truncate(index);
                        return events;
                    }
                    // Waited long enough: nothing will fill it.
                }
                _ => {
                    position.hole = Some(Hole {
                        first: expected,
                        since: std::time::Instant::now(),
                        horizon: highest,
                    });
                    events.truncate(index);
                    return events;
                }
            }
        }
        expected = id + 1;
    }
    if position.hole.is_some_and(|hole| expected > hole.horizon) {
        position.hole = None;
    }
    events
}

/// Pause after a timer pass panicked: the same timers are still due, and firing them again at
/// once would spin.
const TIMER_PANIC_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

impl Automation {
    /// Evaluates every event logged since the last pass and applies what rules decide;
    /// returns how many rules applied (or failed visibly).
    ///
    /// # Errors
    /// When the store fails; nothing of the failing batch is applied and it is retried.
    pub async fn run_once(&self) -> StoreResult<usize> {
        let inner = &self.inner;
        let mut pass = inner.pass.lock().await;
        let mut position = match *pass {
            Some(position) => position,
            None => {
                let at = inner.store.worker_cursor(CURSOR).await?;
                Position {
                    after: at,
                    saved: at,
                    saved_at: std::time::Instant::now(),
                    hole: None,
                }
            }
        };
        let mut outcomes = 0;
        loop {
            let rules = self.rules().await?;
            self.hold_for_triage(&rules).await?;
            if inner.sla.is_empty() && !rules.iter().any(|rule| rule.spec.enabled) {
                // Nothing could act: skip the events instead of reading them.
                if let Some(latest) = inner.store.latest_event_id().await? {
                    position.after = position.after.max(latest);
                }
                break;
            }
            let read = inner.store.list_events(position.after, BATCH).await?;
            let events = until_hole(&mut position, read);
            let Some(last) = events.last().map(|event| event.id) else {
                break;
            };
            let teams = if inner.calendars.iter().next().is_some() {
                inner.store.list_teams().await?
            } else {
                Vec::new()
            };
            let mut works: Vec<ConversationWork> = Vec::new();
            let mut touched = HashSet::new();
            let mut previous = position.after;
            for event in &events {
                // One event whose evaluation panics is skipped (logged and counted); the
                // engine goes on with the next, and never meets it again.
                let evaluated = match isolate(
                    "automation",
                    &inner.metrics,
                    self.evaluate(event, &rules, &teams),
                )
                .await
                {
                    Ok(evaluated) => evaluated?,
                    Err(panic) => {
                        tracing::error!(event = ?event.id, %panic, "rule evaluation failed; event skipped");
                        None
                    }
                };
                if let Some(work) = evaluated {
                    // Facts were read before this batch applied anything: a second event
                    // of the same conversation must see what the first one changed.
                    if !touched.insert(work.conversation) {
                        outcomes += self.flush(&mut works, previous).await?;
                        position.saved = previous;
                        position.saved_at = std::time::Instant::now();
                        touched.clear();
                        touched.insert(work.conversation);
                    }
                    works.push(work);
                }
                previous = event.id;
            }
            if !works.is_empty() {
                outcomes += self.flush(&mut works, last).await?;
                position.saved = last;
                position.saved_at = std::time::Instant::now();
            }
            position.after = last;
            *pass = Some(position);
        }
        if position.after > position.saved && position.saved_at.elapsed() >= CURSOR_SAVE_INTERVAL {
            inner
                .store
                .advance_worker_cursor(CURSOR, position.after)
                .await?;
            position.saved = position.after;
            position.saved_at = std::time::Instant::now();
        }
        *pass = Some(position);
        Ok(outcomes)
    }

    /// Writes the cursor where the engine is (at shutdown).
    async fn save_position(&self) {
        let pass = self.inner.pass.lock().await;
        if let Some(position) = *pass
            && position.after > position.saved
            && let Err(err) = self
                .inner
                .store
                .advance_worker_cursor(CURSOR, position.after)
                .await
        {
            tracing::warn!(error = %err, "saving the automation cursor failed");
        }
    }

    /// Applies a batch's work and publishes its events.
    async fn flush(
        &self,
        works: &mut Vec<ConversationWork>,
        cursor: EventId,
    ) -> StoreResult<usize> {
        let inner = &self.inner;
        let batch = std::mem::take(works);
        let fence = inner
            .fence
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let (outcomes, events) = inner
            .store
            .apply_automation(
                &batch,
                Some((CURSOR, cursor)),
                fence.as_ref(),
                Millis::now(),
            )
            .await?;
        for outcome in &outcomes {
            if let crate::store::automation::RuleOutcome::Failed {
                conversation,
                rule,
                reason,
            } = outcome
            {
                tracing::warn!(%conversation, %rule, %reason, "rule failed and was rolled back");
            }
        }
        inner.events.publish(events);
        // Released conversations, new teams and policies: the router has work.
        if batch
            .iter()
            .any(|work| work.clear_triage || !work.rules.is_empty())
        {
            inner.router_wake.notify_one();
        }
        if batch
            .iter()
            .any(|work| !work.arm_idle.is_empty() || work.sla.is_some() || !work.rules.is_empty())
        {
            inner.timer_wake.notify_one();
        }
        Ok(outcomes.len())
    }

    /// Fires the timers due at `now` and publishes their events; returns how many fired.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn fire_timers(&self, now: Millis) -> StoreResult<usize> {
        let mut total = 0;
        loop {
            let (fired, events) = self
                .inner
                .store
                .fire_timers(now, 200, &super::sla::judge_fired_timer)
                .await?;
            self.inner.events.publish(events);
            total += fired.len();
            if fired.len() < 200 {
                return Ok(total);
            }
        }
    }

    /// [`Automation::run`] under lease `fence` (several nodes): every batch commits only while
    /// this node still holds it, so a node that was paused past its lease writes nothing.
    ///
    /// # Errors
    /// As [`Automation::run`].
    pub async fn run_holding(
        self,
        fence: crate::store::cluster::Fence,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        *self
            .inner
            .fence
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(fence);
        self.run(shutdown).await
    }

    /// Runs the engine until `shutdown`: a pass whenever something is logged, and the timers.
    ///
    /// # Errors
    /// Never today; store failures are logged and retried.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        if !self.inner.config.enabled {
            return Ok(());
        }
        // Another node may have moved the cursor since this one last ran the engine: start
        // from the stored position, never from one remembered in memory.
        *self.inner.pass.lock().await = None;
        let timer_task = {
            let engine = self.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                let wake = engine.inner.timer_wake.clone();
                timers::run(&engine, &Clock::System, &wake, shutdown).await;
            })
        };
        let mut bus = self.inner.events.subscribe();
        while !shutdown.is_cancelled() {
            if let Err(err) = self.run_once().await {
                tracing::error!(error = %err, "automation pass failed");
                tokio::select! {
                    () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                    () = shutdown.cancelled() => break,
                }
                continue;
            }
            // Waiting at a hole in the ids: look again once it is old enough to pass, even if
            // no new event comes to wake the engine.
            let at_hole = self
                .inner
                .pass
                .lock()
                .await
                .is_some_and(|position| position.hole.is_some());
            tokio::select! {
                received = bus.recv() => match received {
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                () = tokio::time::sleep(HOLE_GRACE), if at_hole => {}
                () = shutdown.cancelled() => break,
            }
            while bus.try_recv().is_ok() {}
        }
        self.save_position().await;
        let _ = timer_task.await;
        Ok(())
    }
}

impl timers::TimerSource for Automation {
    async fn next_due(&self) -> Option<Millis> {
        match self.inner.store.next_timer_due().await {
            Ok(due) => due,
            Err(err) => {
                tracing::error!(error = %err, "reading the next timer failed");
                // Look again soon rather than never.
                Some(Millis::now().plus(std::time::Duration::from_secs(5)))
            }
        }
    }

    async fn fire(&self, now: Millis) {
        match isolate(
            "automation_timers",
            &self.inner.metrics,
            self.fire_timers(now),
        )
        .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::error!(error = %err, "firing timers failed"),
            Err(_) => tokio::time::sleep(TIMER_PANIC_PAUSE).await,
        }
    }
}

#[cfg(test)]
mod hole_tests {
    use super::*;

    fn events(ids: &[i64]) -> Vec<Event> {
        crate::domain::event::events_with_ids(ids)
    }

    fn ids(events: &[Event]) -> Vec<i64> {
        events.iter().map(|event| event.id.get()).collect()
    }

    fn at(after: i64) -> Position {
        Position {
            after: EventId::new(after),
            saved: EventId::new(after),
            saved_at: std::time::Instant::now(),
            hole: None,
        }
    }

    #[test]
    fn events_behind_a_hole_wait_for_it() {
        let mut position = at(10);
        assert_eq!(
            ids(&until_hole(&mut position, events(&[11, 12, 14]))),
            [11, 12]
        );
        assert_eq!(position.hole.map(|hole| hole.first), Some(13));
        // From 12: 13 is missing; nothing behind it is taken yet.
        let mut position = at(12);
        assert!(until_hole(&mut position, events(&[14, 15])).is_empty());
        assert_eq!(position.hole.map(|hole| hole.first), Some(13));
        // The late commit arrives: everything goes.
        assert_eq!(
            ids(&until_hole(&mut position, events(&[13, 14, 15]))),
            [13, 14, 15]
        );
    }

    #[test]
    fn a_hole_older_than_the_grace_is_passed() {
        let mut position = at(12);
        let long_ago = std::time::Instant::now()
            .checked_sub(HOLE_GRACE)
            .expect("a clock older than the grace");
        position.hole = Some(Hole {
            first: 13,
            since: long_ago,
            horizon: 14,
        });
        assert_eq!(ids(&until_hole(&mut position, events(&[14, 15]))), [14, 15]);
        assert_eq!(position.hole, None);
    }

    #[test]
    fn holes_found_together_are_passed_after_one_grace() {
        // A node killed mid-batch: its ids 12, 14 and 16 never commit, among others' ids.
        let mut position = at(10);
        assert_eq!(
            ids(&until_hole(&mut position, events(&[11, 13, 15, 17]))),
            [11]
        );
        position.after = EventId::new(11);
        let hole = position.hole.expect("waiting");
        assert_eq!((hole.first, hole.horizon), (12, 17));
        // Within the grace, even the holes behind the first wait.
        assert!(until_hole(&mut position, events(&[13, 15, 17])).is_empty());
        position.hole = Some(Hole {
            since: std::time::Instant::now()
                .checked_sub(HOLE_GRACE)
                .expect("a clock older than the grace"),
            ..hole
        });
        // After it, every hole found then goes at once; a hole above the horizon is new.
        assert_eq!(
            ids(&until_hole(&mut position, events(&[13, 15, 17, 19]))),
            [13, 15, 17]
        );
        let fresh = position.hole.expect("a new hole");
        assert_eq!((fresh.first, fresh.horizon), (18, 19));
        assert!(fresh.since.elapsed() < HOLE_GRACE);
    }
}
