//! The latency bookkeeping of the widget benchmark: which messages are in flight, shared by
//! the tasks that send them and the stream readers that see them arrive.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::ARRIVAL_TIMEOUT;

/// The messages in flight and the latencies of those that arrived, shared by the senders and
/// the stream readers.
#[derive(Default)]
pub(super) struct Ledger {
    book: Mutex<Book>,
    /// Signalled when the last message in flight arrives.
    all_in: Notify,
}

#[derive(Default)]
pub(super) struct Book {
    /// Message number -> (its visitor, when its `POST` started).
    in_flight: HashMap<u64, (usize, Instant)>,
    pub latencies: Vec<Duration>,
    pub failed_posts: usize,
    pub closed_streams: usize,
}

impl Ledger {
    pub fn with_book<T>(&self, f: impl FnOnce(&mut Book) -> T) -> T {
        f(&mut self.book.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn sent(&self, number: u64, visitor: usize, at: Instant) {
        self.with_book(|book| book.in_flight.insert(number, (visitor, at)));
    }

    pub fn failed(&self, number: u64) {
        self.with_book(|book| {
            if book.in_flight.remove(&number).is_some() {
                book.failed_posts += 1;
            }
        });
        self.notify_if_done();
    }

    /// Message `number` came on `visitor`'s stream at `at`; only on its own visitor's stream
    /// and within [`ARRIVAL_TIMEOUT`] does it count.
    pub fn arrived(&self, number: u64, visitor: usize, at: Instant) {
        self.with_book(|book| {
            if let Some(&(owner, sent)) = book.in_flight.get(&number) {
                let latency = at.saturating_duration_since(sent);
                if owner == visitor && latency <= ARRIVAL_TIMEOUT {
                    book.in_flight.remove(&number);
                    book.latencies.push(latency);
                }
            }
        });
        self.notify_if_done();
    }

    /// What was measured, leaving the ledger empty.
    pub fn take_book(&self) -> Book {
        self.with_book(std::mem::take)
    }

    fn notify_if_done(&self) {
        if self.with_book(|book| book.in_flight.is_empty()) {
            self.all_in.notify_one();
        }
    }

    /// Waits until every message sent has arrived, or the last of them is overdue.
    pub async fn wait_for_arrivals(&self) {
        loop {
            let latest = self.with_book(|book| book.in_flight.values().map(|&(_, at)| at).max());
            let Some(latest) = latest else { return };
            let deadline = latest + ARRIVAL_TIMEOUT;
            if tokio::time::timeout_at(deadline.into(), self.all_in.notified())
                .await
                .is_err()
            {
                return;
            }
        }
    }
}
