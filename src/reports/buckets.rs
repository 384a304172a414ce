//! A report's period cut into buckets of its time zone: the UTC offsets and month starts the
//! store's query needs, and for each bucket it returns, when the bucket starts.
//!
//! Rollups are per UTC hour, so a period is whole hours (the start rounded down, the end up)
//! and a bucket boundary falls on an hour: exact in every zone whose offset is whole hours;
//! in a zone with a half-hour offset a day starts at the UTC hour holding local midnight.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::report::{Dimension, Fact, Interval};
use crate::store::{DayPlan, Period, PeriodPlan, RollupQuery};

/// At most this many hours in a period (ten years).
pub const MAX_HOURS: i64 = 10 * 366 * 24;
/// At most this many buckets in a series.
pub const MAX_BUCKETS: usize = 2_000;

/// A period cut into buckets.
#[derive(Debug, Clone, PartialEq)]
pub struct Buckets {
    pub since_hour: i64,
    pub until_hour: i64,
    pub interval: Interval,
    /// `(from_hour, offset_hours)`, ascending, the first at `since_hour`.
    pub offsets: Vec<(i64, i64)>,
    /// UTC hours at which months start, the first at `since_hour` (month buckets only).
    pub month_starts: Vec<i64>,
    /// Each bucket's id (as the store computes it) and start, in order.
    pub starts: Vec<(i64, DateTime<Utc>)>,
}

/// Why a period cannot be reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("until: must be after since")]
    Empty,
    #[error("since: a period is at most ten years")]
    TooLong,
    #[error(
        "interval: {count} buckets of one {interval} in this period, at most {MAX_BUCKETS}; choose a longer interval or a shorter period"
    )]
    TooManyBuckets {
        count: usize,
        interval: &'static str,
    },
}

impl Buckets {
    /// Cuts `[since, until)` into `interval`s of `zone`.
    pub fn new(
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        interval: Interval,
        zone: Tz,
    ) -> Result<Self, PeriodError> {
        // In milliseconds: a fact stamped 10:00:00.100 is in hour 10, and a period that
        // ends at 10:00:00.300 must hold it.
        let since_hour = since.timestamp_millis().div_euclid(3_600_000);
        let until_hour = (until.timestamp_millis() + 3_599_999).div_euclid(3_600_000);
        if until_hour <= since_hour || since_hour < 0 {
            return Err(PeriodError::Empty);
        }
        if until_hour - since_hour > MAX_HOURS {
            return Err(PeriodError::TooLong);
        }
        let offsets = offsets(zone, since_hour, until_hour);
        let month_starts = if interval == Interval::Month {
            month_starts(zone, since_hour, until_hour)
        } else {
            Vec::new()
        };
        let mut buckets = Buckets {
            since_hour,
            until_hour,
            interval,
            offsets,
            month_starts,
            starts: Vec::new(),
        };
        let mut starts: Vec<(i64, DateTime<Utc>)> = Vec::new();
        for hour in since_hour..until_hour {
            let id = buckets.bucket_of(hour);
            // An hour repeated when clocks go back falls in the bucket it continues.
            if starts.last().is_none_or(|(last, _)| *last != id) {
                if starts.len() >= MAX_BUCKETS {
                    return Err(PeriodError::TooManyBuckets {
                        count: buckets.count_estimate(),
                        interval: interval.as_str(),
                    });
                }
                starts.push((id, hour_start(hour)));
            }
        }
        buckets.starts = starts;
        Ok(buckets)
    }

    /// One bucket over the whole period (for totals).
    pub fn whole(&self) -> Self {
        Buckets {
            interval: Interval::Month,
            month_starts: vec![self.since_hour],
            starts: vec![(0, hour_start(self.since_hour))],
            ..self.clone()
        }
    }

    /// The bucket a UTC hour falls in, computed as the store's SQL does.
    pub fn bucket_of(&self, hour: i64) -> i64 {
        if self.interval == Interval::Month {
            let index = self.month_starts.partition_point(|start| *start <= hour);
            return index.saturating_sub(1) as i64;
        }
        let offset = self
            .offsets
            .iter()
            .rev()
            .find(|(from, _)| *from <= hour)
            .map_or(0, |(_, offset)| *offset);
        let local = hour + offset;
        match self.interval {
            Interval::Hour => local,
            Interval::Day => local / 24,
            Interval::Week | Interval::Month => (local / 24 + 3) / 7,
        }
    }

    /// The store's query for `facts` under `dimension` (one `key` of it, or all) in these
    /// buckets.
    pub fn rollup_query(
        &self,
        facts: &[Fact],
        dimension: Dimension,
        key: Option<String>,
    ) -> RollupQuery {
        RollupQuery {
            facts: facts.to_vec(),
            dimension,
            key,
            since_hour: self.since_hour,
            until_hour: self.until_hour,
            interval: self.interval,
            offsets: self.offsets.clone(),
            month_starts: self.month_starts.clone(),
            days: self.day_plan(),
        }
    }

    /// How to read the period from the daily rollups, when it spans enough whole days for
    /// that to pay (never for hour buckets).
    pub fn day_plan(&self) -> Option<DayPlan> {
        if self.interval == Interval::Hour {
            return None;
        }
        let first_day = self.since_hour.div_euclid(24) + i64::from(self.since_hour % 24 != 0);
        let end_day = self.until_hour.div_euclid(24);
        if end_day - first_day < 2 {
            return None;
        }
        let mut hours: Vec<i64> = (self.since_hour..first_day * 24)
            .chain(end_day * 24..self.until_hour)
            .collect();
        let mut moved = Vec::new();
        for day in first_day..end_day {
            let noon = self.bucket_of(day * 24 + 12);
            for hour in day * 24..day * 24 + 24 {
                if self.bucket_of(hour) != noon {
                    hours.push(hour);
                    moved.push(hour);
                }
            }
        }
        hours.sort_unstable();
        let periods = match self.interval {
            Interval::Week => self
                .period_plan(Period::Week, utc_week_starts(first_day, end_day))
                .into_iter()
                .collect(),
            Interval::Month => self.months_then_weeks(first_day, end_day),
            Interval::Hour | Interval::Day => Vec::new(),
        };
        Some(DayPlan {
            first_day,
            end_day,
            hours,
            moved,
            periods,
        })
    }

    /// The whole UTC months of the days `[first_day, end_day)`, and the whole weeks of the days
    /// before and after them, in order. Month buckets (and a period's totals, one bucket) can
    /// read weeks too: a week's rows hold the days a month's partial edge would otherwise read
    /// one by one (a month's totals: four weekly rows per key and bin instead of thirty daily).
    fn months_then_weeks(&self, first_day: i64, end_day: i64) -> Vec<PeriodPlan> {
        let months = self.period_plan(Period::Month, utc_month_starts(first_day, end_day));
        let (head_end, tail_start) = months
            .as_ref()
            .and_then(|months| Some((*months.starts.first()?, *months.starts.last()?)))
            .unwrap_or((end_day, end_day));
        let head = self.period_plan(Period::Week, utc_week_starts(first_day, head_end));
        let tail = self.period_plan(Period::Week, utc_week_starts(tail_start, end_day));
        head.into_iter().chain(months).chain(tail).collect()
    }

    /// Reading the whole UTC weeks or months that start on `starts` (and end with its last)
    /// from their rollups, when there is one. Only week and month buckets use them: a day
    /// bucket never holds a week's days together.
    fn period_plan(&self, period: Period, starts: Vec<i64>) -> Option<PeriodPlan> {
        if starts.len() < 2 {
            return None;
        }
        let mut moved_days = Vec::new();
        for pair in starts.windows(2) {
            let middle = self.bucket_of(period.middle_hour(pair[0]));
            moved_days
                .extend((pair[0]..pair[1]).filter(|day| self.bucket_of(day * 24 + 12) != middle));
        }
        Some(PeriodPlan {
            period,
            starts,
            moved_days,
        })
    }

    fn count_estimate(&self) -> usize {
        let hours = (self.until_hour - self.since_hour) as usize;
        match self.interval {
            Interval::Hour => hours,
            Interval::Day => hours / 24,
            Interval::Week => hours / (24 * 7),
            Interval::Month => hours / (24 * 30),
        }
    }
}

/// The first days of the whole UTC weeks (from Monday) within the days `[first_day, end_day)`,
/// ending with the day after the last.
fn utc_week_starts(first_day: i64, end_day: i64) -> Vec<i64> {
    // The epoch was a Thursday: day 4 was a Monday.
    let first_monday = first_day + (4 - first_day).rem_euclid(7);
    let mut starts = Vec::new();
    let mut week = first_monday;
    while week + 7 <= end_day {
        if starts.is_empty() {
            starts.push(week);
        }
        week += 7;
        starts.push(week);
    }
    starts
}

/// The first days of the whole UTC months within the days `[first_day, end_day)`, ending with
/// the day after the last.
fn utc_month_starts(first_day: i64, end_day: i64) -> Vec<i64> {
    let mut starts = Vec::new();
    let Some(mut month) = first_of_month_at_or_after(first_day) else {
        return starts;
    };
    while let Some(next) = month.checked_add_months(chrono::Months::new(1)) {
        let (start, end) = (days_since_epoch(month), days_since_epoch(next));
        if end > end_day {
            break;
        }
        if starts.is_empty() {
            starts.push(start);
        }
        starts.push(end);
        month = next;
    }
    starts
}

/// The first day of a month on or after `day` (days since the epoch).
fn first_of_month_at_or_after(day: i64) -> Option<NaiveDate> {
    let date = DateTime::<Utc>::UNIX_EPOCH
        .date_naive()
        .checked_add_signed(Duration::days(day))?;
    if date.day() == 1 {
        return Some(date);
    }
    NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?
        .checked_add_months(chrono::Months::new(1))
}

fn days_since_epoch(date: NaiveDate) -> i64 {
    date.signed_duration_since(DateTime::<Utc>::UNIX_EPOCH.date_naive())
        .num_days()
}

fn hour_start(hour: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::hours(hour)
}

/// Whole hours east of UTC in `zone` at the start of UTC hour `hour` (rounded down).
fn offset_at(zone: Tz, hour: i64) -> i64 {
    let seconds = zone
        .offset_from_utc_datetime(&hour_start(hour).naive_utc())
        .fix()
        .local_minus_utc();
    i64::from(seconds).div_euclid(3_600)
}

/// The zone's offsets over the period, each from the hour it begins.
fn offsets(zone: Tz, since_hour: i64, until_hour: i64) -> Vec<(i64, i64)> {
    let mut offsets = vec![(since_hour, offset_at(zone, since_hour))];
    for hour in since_hour + 1..until_hour {
        let offset = offset_at(zone, hour);
        if offsets.last().is_some_and(|(_, last)| *last != offset) {
            offsets.push((hour, offset));
        }
    }
    offsets
}

/// The UTC hours at which local months start within the period, after `since_hour` itself.
fn month_starts(zone: Tz, since_hour: i64, until_hour: i64) -> Vec<i64> {
    let mut starts = vec![since_hour];
    let local = hour_start(since_hour).with_timezone(&zone).date_naive();
    let mut month = NaiveDate::from_ymd_opt(local.year(), local.month(), 1);
    loop {
        month = month.and_then(|m| m.checked_add_months(chrono::Months::new(1)));
        let Some(first) = month else { break };
        let Some(midnight) = first.and_hms_opt(0, 0, 0) else {
            break;
        };
        // Midnight that does not exist (clocks jump over it) starts at the first hour that does.
        let Some(start) = zone.from_local_datetime(&midnight).earliest().or_else(|| {
            zone.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        }) else {
            break;
        };
        let hour = start.timestamp().div_euclid(3_600);
        if hour >= until_hour {
            break;
        }
        starts.push(hour);
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn days_in_prague_start_at_local_midnight_across_the_spring_change() {
        let zone: Tz = "Europe/Prague".parse().expect("zone");
        // 2026-03-29 is the change to summer time in Prague (02:00 → 03:00).
        let buckets = Buckets::new(
            at("2026-03-27T23:00:00Z"),
            at("2026-03-30T22:00:00Z"),
            Interval::Day,
            zone,
        )
        .expect("buckets");
        let starts: Vec<String> = buckets
            .starts
            .iter()
            .map(|(_, start)| start.to_rfc3339())
            .collect();
        assert_eq!(
            starts,
            [
                "2026-03-27T23:00:00+00:00",
                "2026-03-28T23:00:00+00:00",
                "2026-03-29T22:00:00+00:00"
            ]
        );
        assert_eq!(buckets.offsets.len(), 2);
    }

    #[test]
    fn months_follow_the_zone_and_weeks_start_on_monday() {
        let zone: Tz = "Europe/Prague".parse().expect("zone");
        let months = Buckets::new(
            at("2026-01-15T00:00:00Z"),
            at("2026-04-01T00:00:00Z"),
            Interval::Month,
            zone,
        )
        .expect("months");
        let starts: Vec<String> = months
            .starts
            .iter()
            .map(|(_, start)| start.to_rfc3339())
            .collect();
        assert_eq!(
            starts,
            [
                "2026-01-15T00:00:00+00:00",
                "2026-01-31T23:00:00+00:00",
                "2026-02-28T23:00:00+00:00",
                "2026-03-31T22:00:00+00:00"
            ]
        );
        // 2026-12-07 is a Monday.
        let weeks = Buckets::new(
            at("2026-12-05T00:00:00Z"),
            at("2026-12-15T00:00:00Z"),
            Interval::Week,
            chrono_tz::UTC,
        )
        .expect("weeks");
        assert_eq!(weeks.starts[1].1, at("2026-12-07T00:00:00Z"));
        assert_eq!(weeks.starts.len(), 3);
    }

    #[test]
    fn a_period_is_whole_hours_and_bounded() {
        let buckets = Buckets::new(
            at("2026-12-05T10:30:00Z"),
            at("2026-12-05T12:10:00Z"),
            Interval::Hour,
            chrono_tz::UTC,
        )
        .expect("hours");
        assert_eq!(buckets.starts.len(), 3);
        assert_eq!(
            Buckets::new(
                at("2026-12-05T10:00:00Z"),
                at("2026-12-05T10:00:00Z"),
                Interval::Hour,
                chrono_tz::UTC
            ),
            Err(PeriodError::Empty)
        );
        assert!(matches!(
            Buckets::new(
                at("2020-01-01T00:00:00Z"),
                at("2026-01-01T00:00:00Z"),
                Interval::Hour,
                chrono_tz::UTC
            ),
            Err(PeriodError::TooManyBuckets { .. })
        ));
        let whole = buckets.whole();
        assert_eq!(whole.bucket_of(buckets.until_hour - 1), 0);
        // A period ending a fraction of a second into an hour holds that hour.
        let fraction = Buckets::new(
            at("2026-12-05T09:00:00Z"),
            at("2026-12-05T10:00:00.300Z"),
            Interval::Hour,
            chrono_tz::UTC,
        )
        .expect("hours");
        assert_eq!(
            fraction.until_hour,
            at("2026-12-05T11:00:00Z").timestamp() / 3_600
        );
    }

    #[test]
    fn a_months_total_reads_its_whole_weeks_and_its_day_buckets_read_days() {
        let zone: Tz = "Europe/Prague".parse().expect("zone");
        // Friday 6 November to Saturday 5 December 2026, from midnight in Prague.
        let days = Buckets::new(
            at("2026-11-05T23:00:00Z"),
            at("2026-12-05T23:00:00Z"),
            Interval::Day,
            zone,
        )
        .expect("days");
        assert_eq!(days.day_plan().expect("a day plan").periods, []);
        let day = |text: &str| at(text).timestamp() / 86_400;
        let total = days.whole().day_plan().expect("a day plan");
        assert_eq!(
            total.periods,
            [PeriodPlan {
                period: Period::Week,
                starts: vec![
                    day("2026-11-09T00:00:00Z"),
                    day("2026-11-16T00:00:00Z"),
                    day("2026-11-23T00:00:00Z"),
                    day("2026-11-30T00:00:00Z"),
                ],
                moved_days: Vec::new(),
            }]
        );
        assert_eq!(
            (total.first_day, total.end_day),
            (day("2026-11-06T00:00:00Z"), day("2026-12-05T00:00:00Z"))
        );
    }

    #[test]
    fn a_long_period_reads_whole_days_and_moves_the_hours_prague_puts_elsewhere() {
        let zone: Tz = "Europe/Prague".parse().expect("zone");
        let buckets = Buckets::new(
            at("2026-03-27T10:00:00Z"),
            at("2026-03-31T05:00:00Z"),
            Interval::Day,
            zone,
        )
        .expect("days");
        let plan = buckets.day_plan().expect("a day plan");
        let day = |text: &str| at(text).timestamp() / 86_400;
        let hour = |text: &str| at(text).timestamp() / 3_600;
        assert_eq!(plan.first_day, day("2026-03-28T00:00:00Z"));
        assert_eq!(plan.end_day, day("2026-03-31T00:00:00Z"));
        // Winter time: 23:00 UTC is the next day in Prague; summer time from the 29th: 22:00 too.
        assert_eq!(
            plan.moved,
            [
                hour("2026-03-28T23:00:00Z"),
                hour("2026-03-29T22:00:00Z"),
                hour("2026-03-29T23:00:00Z"),
                hour("2026-03-30T22:00:00Z"),
                hour("2026-03-30T23:00:00Z"),
            ]
        );
        // The edges: from 10:00 on the 27th, and the 31st up to 05:00.
        assert_eq!(plan.hours.len(), 14 + 5 + plan.moved.len());
        // Hour buckets, and whole periods shorter than two days, read hours only.
        let hours = Buckets::new(
            at("2026-03-27T10:00:00Z"),
            at("2026-03-31T05:00:00Z"),
            Interval::Hour,
            zone,
        )
        .expect("hours");
        assert!(hours.day_plan().is_none());
    }
}
