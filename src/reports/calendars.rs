//! Keeps the store's copy of the business-hours calendars current, so that the facts written
//! with each event are timed in business hours in their own transaction (see
//! `store::reporting`). The copy covers a window around today that moves with the days.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, Utc};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::automation::calendar::Calendars;
use crate::store::{CalendarSpans, Store, StoreError};

/// How far the copy reaches back and ahead of today. A fact whose clock started before the
/// window counts open time from the window's start only.
const WINDOW_DAYS: u64 = 400;
/// How often a node checks that the window still suits today.
const REFRESH: Duration = Duration::from_secs(6 * 3_600);

/// Writes the calendars whose settings or window changed.
///
/// # Errors
/// When the store cannot write them.
pub async fn publish(store: &Store, calendars: &Calendars) -> Result<(), StoreError> {
    let today = Utc::now().date_naive();
    let (Some(first), Some(last)) = (
        today.checked_sub_days(Days::new(WINDOW_DAYS)),
        today.checked_add_days(Days::new(WINDOW_DAYS)),
    ) else {
        return Ok(());
    };
    let (from, to) = (
        first.and_time(chrono::NaiveTime::MIN).and_utc(),
        last.and_time(chrono::NaiveTime::MIN).and_utc(),
    );
    let spans: Vec<CalendarSpans> = calendars
        .iter()
        .map(|calendar| {
            let digest = Sha256::digest(format!("{calendar:?}|{first}").as_bytes());
            CalendarSpans {
                name: calendar.name().to_owned(),
                fingerprint: hex::encode(digest),
                spans: calendar
                    .open_spans(from, to)
                    .into_iter()
                    .map(|(open, close)| (open.timestamp_millis(), close.timestamp_millis()))
                    .collect(),
            }
        })
        .collect();
    store
        .replace_report_calendars(&calendars.scopes(), &spans)
        .await
}

/// Moves the window along with the days until `stop`.
pub async fn run(
    store: Store,
    calendars: Arc<Calendars>,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    loop {
        tokio::select! {
            () = stop.cancelled() => return Ok(()),
            () = tokio::time::sleep(REFRESH) => {}
        }
        if let Err(err) = publish(&store, &calendars).await {
            tracing::warn!(error = %err, "could not refresh the business hours that reports use");
        }
    }
}
