//! Store methods of reporting (`reports`): the rollups, the conversations' records, and the
//! business-hours calendars the facts are timed by.

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::Millis;

/// What to read of the reporting rollups: `facts` under one grouping (optionally one key of
/// it) from `since_hour` to before `until_hour` (UTC hours since the epoch), in buckets.
#[derive(Debug, Clone)]
pub struct RollupQuery {
    pub facts: Vec<crate::domain::report::Fact>,
    pub dimension: crate::domain::report::Dimension,
    pub key: Option<String>,
    pub since_hour: i64,
    pub until_hour: i64,
    pub interval: crate::domain::report::Interval,
    /// `(from_hour, offset_hours)` of the report's time zone, ascending, the first from
    /// `since_hour` (hour, day and week buckets).
    pub offsets: Vec<(i64, i64)>,
    /// The UTC hours at which the months of the period start, the first at `since_hour`
    /// (month buckets).
    pub month_starts: Vec<i64>,
    /// Read whole days from the daily rollups instead of every hour (long periods).
    pub days: Option<DayPlan>,
}

/// How a long period is read: its whole UTC days `[first_day, end_day)` from the daily rollups
/// (each day in the bucket of its noon), `hours` from the hourly ones (the partial days at the
/// edges, and the hours the zone puts in another bucket than their day's noon), and the
/// `moved` hours taken back out of their day's bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct DayPlan {
    pub first_day: i64,
    pub end_day: i64,
    pub hours: Vec<i64>,
    pub moved: Vec<i64>,
    /// The whole UTC weeks (week buckets), or months and the weeks around them (month
    /// buckets), among those days, read from the weekly or monthly rollups: in order, apart,
    /// the days between them read from the daily rollups.
    pub periods: Vec<PeriodPlan>,
}

/// Which longer rollups a [`PeriodPlan`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// `report_weekly`: UTC weeks from Monday, named by their Monday.
    Week,
    /// `report_monthly`: UTC months, named by their first day.
    Month,
}

impl Period {
    /// The table and its period column.
    pub fn table(self) -> (&'static str, &'static str) {
        match self {
            Self::Week => ("report_weekly", "week"),
            Self::Month => ("report_monthly", "month"),
        }
    }

    /// How many days after its first the day whose noon a period's rows are put in the bucket
    /// of: the middle of the week or month, where no zone's offset reaches past its edges.
    pub fn middle_day(self) -> i64 {
        match self {
            Self::Week => 3,
            Self::Month => 14,
        }
    }

    /// The hour whose bucket a period of these rollups, starting on `first_day`, is put in.
    pub fn middle_hour(self, first_day: i64) -> i64 {
        (first_day + self.middle_day()) * 24 + 12
    }
}

/// The whole UTC weeks or months of a period read from their rollups, each in the bucket of
/// its middle day's noon: `starts` are the days (since the epoch) they start on, ending with
/// the day after the last; `moved_days` are the days of those periods whose noon the zone puts
/// in another bucket, read from the daily rows instead and taken back out of their period's.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodPlan {
    pub period: Period,
    pub starts: Vec<i64>,
    pub moved_days: Vec<i64>,
}

/// One fact's figures for one key and bucket: how many, their sum, how many had a bin of 4
/// or more (a CSAT answer of 4 or 5), and the median and 90th percentile of the values.
#[derive(Debug, Clone, PartialEq)]
pub struct RollupCell {
    pub fact: crate::domain::report::Fact,
    pub key: String,
    pub bucket: i64,
    pub count: i64,
    pub total: i64,
    pub satisfied: i64,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

impl RollupCell {
    /// The cell whose bins a report query listed as three comma-separated lists of integers
    /// of the same length: the bins, their counts and their sums. A bin may appear more than
    /// once (an hour added to one bucket and taken from another) and is summed first. `None`
    /// when every bin sums to nothing.
    ///
    /// # Errors
    /// When the lists are not integers, or not of one length.
    pub fn from_lists(
        fact: crate::domain::report::Fact,
        key: String,
        bucket: i64,
        [bins, counts, sums]: [&str; 3],
    ) -> Result<Option<Self>, super::StoreError> {
        let numbers = |list: &str| -> Result<Vec<i64>, super::StoreError> {
            list.split(',')
                .filter(|number| !number.is_empty())
                .map(|number| {
                    number.parse::<i64>().map_err(|_| {
                        super::StoreError::Corrupt(format!("report bins: {number:?} in {list:?}"))
                    })
                })
                .collect()
        };
        Self::from_columns(
            fact,
            key,
            bucket,
            [numbers(bins)?, numbers(counts)?, numbers(sums)?],
        )
    }

    /// The cell of the bins, their counts and their sums as three lists (PostgreSQL's arrays,
    /// or [`RollupCell::from_lists`]'s texts once parsed), which must be of one length.
    ///
    /// # Errors
    /// When the lists differ in length.
    pub fn from_columns(
        fact: crate::domain::report::Fact,
        key: String,
        bucket: i64,
        [bins, counts, sums]: [Vec<i64>; 3],
    ) -> Result<Option<Self>, super::StoreError> {
        if bins.len() != counts.len() || bins.len() != sums.len() {
            return Err(super::StoreError::Corrupt(format!(
                "report bins: {} bins, {} counts, {} sums",
                bins.len(),
                counts.len(),
                sums.len()
            )));
        }
        let triples = bins.into_iter().zip(counts).zip(sums);
        Ok(Self::from_triples(
            fact,
            key,
            bucket,
            triples.map(|((bin, n), total)| (bin, n, total)),
        ))
    }

    /// The cell of `(bin, n, total)` triples (see [`RollupCell::from_lists`]).
    fn from_triples(
        fact: crate::domain::report::Fact,
        key: String,
        bucket: i64,
        triples: impl IntoIterator<Item = (i64, i64, i64)>,
    ) -> Option<Self> {
        use crate::domain::report::percentile_rank;
        let mut summed: std::collections::BTreeMap<i64, (i64, i64)> =
            std::collections::BTreeMap::new();
        for (bin, n, total) in triples {
            let entry = summed.entry(bin).or_default();
            entry.0 += n;
            entry.1 += total;
        }
        summed.retain(|_, (n, total)| *n != 0 || *total != 0);
        if summed.is_empty() {
            return None;
        }
        let count: i64 = summed.values().map(|(n, _)| n).sum();
        let total: i64 = summed.values().map(|(_, total)| total).sum();
        let satisfied: i64 = summed.range(4..).map(|(_, (n, _))| n).sum();
        // The mean of the bin that holds the nearest rank of the percentile.
        let percentile = |percent: i64| {
            let rank = percentile_rank(count, percent);
            let mut upto = 0;
            summed
                .values()
                .filter_map(|(n, total)| {
                    upto += n;
                    (*n > 0 && upto >= rank && upto - n < rank).then(|| *total as f64 / *n as f64)
                })
                .reduce(f64::max)
        };
        Some(Self {
            fact,
            key,
            bucket,
            count,
            total,
            satisfied,
            p50: percentile(50),
            p90: percentile(90),
        })
    }
}

/// One conversation's reporting record with the names it has now (none once erased).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationReport {
    pub id: i64,
    pub channel: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub agent: Option<String>,
    pub team: Option<String>,
    /// A JSON array of labels.
    pub labels: String,
    /// `None` once the conversation is gone (erased or past retention).
    pub status: Option<String>,
    pub created_at: i64,
    pub first_response_at: Option<i64>,
    pub first_response_ms: Option<i64>,
    pub first_response_bh_ms: Option<i64>,
    pub resolved_at: Option<i64>,
    pub resolution_ms: Option<i64>,
    pub resolution_bh_ms: Option<i64>,
    pub replies: i64,
    pub reopenings: i64,
    pub messages_in: i64,
    pub messages_out: i64,
    pub sla_met: i64,
    pub sla_missed: i64,
    pub csat_rating: Option<i64>,
}

/// One business-hours calendar as the facts read it: its open spans (epoch milliseconds) over
/// the window the service keeps, and a fingerprint of its settings and window, so that an
/// unchanged calendar is not written again.
#[derive(Debug, Clone)]
pub struct CalendarSpans {
    pub name: String,
    pub fingerprint: String,
    pub spans: Vec<(i64, i64)>,
}

/// Whether the facts are written with each event: always, except within
/// `switchboard bench reports`, which turns them off in its own process to measure what they
/// cost ingest in the same run. Process-wide, so nothing else ever touches it.
static REPORT_FACTS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// See [`REPORT_FACTS`]: for the benchmark only.
pub fn write_report_facts_for_benchmark(on: bool) {
    REPORT_FACTS.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether facts are written now.
pub(crate) fn report_facts_on() -> bool {
    REPORT_FACTS.load(std::sync::atomic::Ordering::Relaxed)
}

/// A rollup row's key and its counts (added to a stored row of the same key).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RollupRow {
    pub fact: String,
    pub dimension: String,
    pub hour: i64,
    pub key: String,
    pub bin: i64,
    pub n: i64,
    pub total: i64,
}

/// A synthetic conversation's reporting record (`switchboard bench reports`).
#[derive(Debug, Clone, Default)]
pub struct SeedRecord {
    pub conversation_id: i64,
    pub channel: String,
    pub created_at: i64,
    pub first_response_ms: Option<i64>,
    pub first_response_bh_ms: Option<i64>,
    pub resolution_ms: Option<i64>,
    pub resolution_bh_ms: Option<i64>,
    pub replies: i64,
    pub reopenings: i64,
    pub messages_in: i64,
    pub messages_out: i64,
    pub csat_rating: Option<i64>,
    pub labels: Vec<String>,
}

/// What `seed_conversations` writes: conversations `first_id ..` spread evenly from
/// `start_at` by `step_ms`, each on channel `channel-<id % channels>`, held by agent
/// `first_agent + id % agents` of team `first_team + (id % agents) % teams`, with
/// `per_conversation` messages ten minutes apart, the customer's and the agent's in turn.
#[derive(Debug, Clone, Copy)]
pub struct SeedShape {
    pub count: i64,
    pub start_at: i64,
    pub step_ms: i64,
    pub per_conversation: i64,
    pub channels: i64,
    pub first_agent: i64,
    pub agents: i64,
    pub first_team: i64,
    pub teams: i64,
}

impl Store {
    /// Writes conversations, contacts and messages in bulk as `shape` says; returns the first
    /// conversation's id (`switchboard bench reports`).
    pub async fn seed_report_conversations(&self, shape: SeedShape) -> StoreResult<i64> {
        on_backend!(self, reporting::seed_conversations(shape))
    }

    /// Writes a synthetic history's reporting records and rollups in one transaction
    /// (`switchboard bench reports`; the service writes them as events happen).
    pub async fn seed_report_history(
        &self,
        records: &[SeedRecord],
        rollups: &[RollupRow],
    ) -> StoreResult<()> {
        on_backend!(self, reporting::seed(records, rollups))
    }

    /// Adds the rollup deltas pending now into the rollups (the writers of facts do it every
    /// quarter of a second; reports read both, so this changes no figure).
    pub async fn fold_report_deltas(&self) -> StoreResult<()> {
        on_backend!(self, reporting::fold_pending_now())
    }

    /// How many rollup deltas wait to be folded in.
    pub async fn report_deltas_pending(&self) -> StoreResult<i64> {
        on_backend!(self, reporting::pending_deltas())
    }

    /// Figures of the reporting rollups (see [`RollupQuery`]).
    pub async fn report_rollups(&self, query: &RollupQuery) -> StoreResult<Vec<RollupCell>> {
        on_backend!(self, report_queries::rollups(query))
    }

    /// A page of conversations' records created in `[since, until)`, after `after`
    /// (`created_at`, id); with `agent`, only those the agent holds.
    pub async fn report_conversations(
        &self,
        since: Millis,
        until: Millis,
        agent: Option<crate::domain::AgentId>,
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> StoreResult<Vec<ConversationReport>> {
        let agent = agent.map(|agent| agent.get());
        on_backend!(
            self,
            report_queries::conversations(since.0, until.0, agent, after, limit)
        )
    }

    /// Replaces the business-hours calendars the facts are timed by: `scopes` maps
    /// `channel:<name>`, `team:<name>` and `default` to a calendar's name. A calendar whose
    /// fingerprint is stored already keeps its spans.
    pub async fn replace_report_calendars(
        &self,
        scopes: &[(String, String)],
        calendars: &[CalendarSpans],
    ) -> StoreResult<()> {
        on_backend!(self, reporting::replace_calendars(scopes, calendars))
    }
}

#[cfg(test)]
mod tests {
    use super::RollupCell;
    use crate::domain::report::Fact;

    /// The cell of `bin:n:total` triples apart by spaces (easier to read here than three lists).
    fn cell_of(triples: &str) -> Option<RollupCell> {
        let mut lists = [String::new(), String::new(), String::new()];
        for triple in triples.split_whitespace() {
            for (list, number) in lists.iter_mut().zip(triple.split(':')) {
                if !list.is_empty() {
                    list.push(',');
                }
                list.push_str(number);
            }
        }
        let [bins, counts, sums] = &lists;
        RollupCell::from_lists(Fact::Reply, "7".into(), 3, [bins, counts, sums])
            .expect("bins parse")
    }

    #[test]
    fn a_cell_sums_its_bins_and_ranks_the_percentiles_by_nearest_rank() {
        // Ten values: four in bin 2 (mean 3 s), five in bin 5 (mean 12 s), one in bin 9 (60 s).
        let cell = cell_of("5:5:60000 2:4:12000 9:1:60000").expect("a cell");
        assert_eq!((cell.count, cell.total, cell.satisfied), (10, 132_000, 6));
        assert_eq!((cell.key.as_str(), cell.bucket), ("7", 3));
        // The 5th value (rank of the median of ten) is the first of bin 5.
        assert_eq!(cell.p50, Some(12_000.0));
        // The 9th is in bin 5 too; the 10th alone would be bin 9.
        assert_eq!(cell.p90, Some(12_000.0));
        let cell = cell_of("2:1:2000 9:9:90000").expect("a cell");
        assert_eq!(cell.p50, Some(10_000.0));
        assert_eq!(cell.p90, Some(10_000.0));
        assert_eq!(cell.count, 10);
    }

    #[test]
    fn an_hour_taken_back_out_of_a_bucket_leaves_only_what_remains() {
        // A day's bins, and one of its hours moved to the next bucket: taken out here.
        let cell = cell_of("1:3:3000 4:2:10000 4:-2:-10000").expect("bin 1 remains");
        assert_eq!((cell.count, cell.total, cell.satisfied), (3, 3000, 0));
        assert_eq!(cell.p50, Some(1000.0));
        // Everything taken back out: no cell at all.
        assert_eq!(cell_of("4:2:10000 4:-2:-10000"), None);
    }

    #[test]
    fn lists_that_are_not_integers_of_one_length_are_refused() {
        for bad in [
            ["4", "2", ""],
            ["4,5", "2,1", "10"],
            ["x", "1", "1"],
            ["4", "2", "1.5"],
        ] {
            assert!(
                RollupCell::from_lists(Fact::Reply, String::new(), 0, bad).is_err(),
                "{bad:?}"
            );
        }
        // PostgreSQL's arrays are held to the same rule.
        assert!(
            RollupCell::from_columns(
                Fact::Reply,
                String::new(),
                0,
                [vec![4, 5], vec![2], vec![1]]
            )
            .is_err()
        );
        // No bins at all is an empty cell, not an error.
        assert_eq!(
            RollupCell::from_lists(Fact::Reply, String::new(), 0, ["", "", ""]).expect("empty"),
            None
        );
    }
}
