//! Feeds this node's [`EventBus`] from the event log that every node writes (PostgreSQL).
//!
//! The log is the source of truth; `NOTIFY` only wakes the readers. A node that commits
//! events wakes its own reader and sends one `NOTIFY` (its payload is empty: readers read by
//! id), every other node's reader wakes on it, and a poll every second covers a lost
//! notification or a writer that sent none (a CLI command).
//!
//! Ids come from a sequence at insert time but become visible at commit, so id 11 can be
//! readable while id 10 is still being committed. Events behind such a hole are held back for
//! a moment so that listeners get the log in order (an SSE client's `Last-Event-ID` then
//! never skips an event); a hole that stays open longer is remembered in the
//! [`EventCursor`] and what turns up in it later is still delivered.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::domain::{Event, EventId, Millis};
use crate::events::EventBus;
use crate::store::event_cursor::EventCursor;
use crate::store::{Store, StoreResult};

/// The `LISTEN`/`NOTIFY` channel of new events.
pub const CHANNEL: &str = "switchboard_events";
/// How often the log is read when no notification came.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// How long events behind a hole in the ids wait for it to fill.
const HOLD_FOR_HOLE: Duration = Duration::from_millis(300);
/// Events read per query.
const BATCH: i64 = 500;

/// The position of this node's reader in the log.
struct Reader {
    cursor: EventCursor,
    /// The first missing id that held events back, and since when.
    hole: Option<(i64, Instant)>,
}

impl Reader {
    /// Reads and delivers what was committed since the last read.
    async fn read(&mut self, store: &Store, bus: &EventBus) -> StoreResult<()> {
        loop {
            let now = Millis::now();
            self.cursor.expire(now);
            let mut late: Vec<Event> = Vec::new();
            for gap in self.cursor.gaps.clone() {
                late.extend(
                    store
                        .list_events_between(EventId::new(gap.from), EventId::new(gap.to))
                        .await?,
                );
            }
            let late_ids: Vec<i64> = late.iter().map(|event| event.id.get()).collect();
            self.cursor.fill(&late_ids);
            let fresh = store
                .list_events(EventId::new(self.cursor.after), BATCH)
                .await?;
            let ready = self.ready_count(&fresh);
            let complete = ready == fresh.len();
            let mut fresh = fresh;
            fresh.truncate(ready);
            let ids: Vec<i64> = fresh.iter().map(|event| event.id.get()).collect();
            self.cursor.advance(&ids, now);
            bus.deliver(late);
            bus.deliver(fresh);
            if !complete || ready < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                return Ok(());
            }
        }
    }

    /// How many of `fresh` (ascending ids after the cursor) may be delivered now: all of them
    /// unless a hole precedes some and has not been waited for long enough.
    fn ready_count(&mut self, fresh: &[Event]) -> usize {
        let mut expected = self.cursor.after + 1;
        let contiguous = fresh
            .iter()
            .take_while(|event| {
                let next = event.id.get() == expected;
                expected += 1;
                next
            })
            .count();
        if contiguous == fresh.len() {
            self.hole = None;
            return contiguous;
        }
        let missing = self.cursor.after + 1 + contiguous as i64;
        match self.hole {
            Some((id, since)) if id == missing => {
                if since.elapsed() >= HOLD_FOR_HOLE {
                    // Probably a rollback; if it commits after all, the cursor's gap finds it.
                    self.hole = None;
                    fresh.len()
                } else {
                    contiguous
                }
            }
            _ => {
                self.hole = Some((missing, Instant::now()));
                contiguous
            }
        }
    }

    /// When to read again while events are held behind a hole.
    fn hold_wait(&self) -> Option<Duration> {
        self.hole.map(|(_, since)| {
            (since + HOLD_FOR_HOLE)
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(5))
        })
    }
}

/// Delivers every event committed after `position` to `bus`, until `shutdown`, keeping
/// `position` up to date (a restarted feed goes on from there instead of delivering again).
/// It starts at the end of the log before this node began serving: a stream opened later
/// must not miss what commits meanwhile. `wake` is the bus's notifier
/// ([`EventBus::fed_from_log`]): this node committed something.
///
/// # Errors
/// Never today; read failures are logged and retried.
pub async fn run(
    store: Store,
    bus: EventBus,
    wake: Arc<Notify>,
    position: Arc<AtomicI64>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut cursor = EventCursor::default();
    cursor.skip_to(position.load(Ordering::Acquire));
    let mut reader = Reader { cursor, hole: None };
    let mut listener: Option<PgListener> = None;
    loop {
        if listener.is_none() {
            listener = match store.listen(&[CHANNEL]).await {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for other nodes' events; polling");
                    None
                }
            };
        }
        if let Err(err) = reader.read(&store, &bus).await {
            tracing::warn!(error = %err, "reading the event log failed");
        }
        position.store(reader.cursor.after, Ordering::Release);
        let wait = reader.hold_wait().unwrap_or(POLL_EVERY);
        tokio::select! {
            () = wake.notified() => {
                // Tell the other nodes; a lost notification costs them at most a poll.
                if let Err(err) = store.notify(CHANNEL, "").await {
                    tracing::debug!(error = %err, "could not notify other nodes");
                }
            }
            received = next_notification(&mut listener) => {
                if let Err(err) = received {
                    tracing::warn!(error = %err, "event notifications lost; reconnecting");
                    listener = None;
                }
            }
            () = tokio::time::sleep(wait) => {}
            () = shutdown.cancelled() => return Ok(()),
        }
    }
}

/// The next notification, or never without a listener.
async fn next_notification(listener: &mut Option<PgListener>) -> Result<(), sqlx::Error> {
    match listener {
        Some(listener) => listener.recv().await.map(|_| ()),
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(ids: &[i64]) -> Vec<Event> {
        crate::domain::event::events_with_ids(ids)
    }

    fn reader_after(after: i64) -> Reader {
        let mut cursor = EventCursor::default();
        cursor.skip_to(after);
        Reader { cursor, hole: None }
    }

    #[test]
    fn contiguous_events_go_at_once() {
        let mut reader = reader_after(10);
        assert_eq!(reader.ready_count(&events(&[11, 12, 13])), 3);
        assert!(reader.hold_wait().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn events_behind_a_hole_wait_for_it_then_go() {
        let mut reader = reader_after(10);
        let fresh = events(&[11, 13, 14]);
        assert_eq!(reader.ready_count(&fresh), 1, "11 goes, 13 waits for 12");
        assert!(reader.hold_wait().is_some());
        tokio::time::advance(HOLD_FOR_HOLE / 2).await;
        assert_eq!(reader.ready_count(&fresh), 1, "still waiting");
        tokio::time::advance(HOLD_FOR_HOLE).await;
        assert_eq!(reader.ready_count(&fresh), 3, "12 is given up on");
        assert!(reader.hold_wait().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_hole_that_fills_releases_what_waited_behind_it() {
        let mut reader = reader_after(10);
        assert_eq!(reader.ready_count(&events(&[12])), 0);
        assert_eq!(reader.ready_count(&events(&[11, 12])), 2);
        assert!(reader.hold_wait().is_none());
    }
}
