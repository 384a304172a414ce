//! Reports: response and resolution times as medians, 90th percentiles and means, volumes,
//! SLA and CSAT, per agent, team, channel or label, over time in a chosen time zone
//! (docs/reports.md). The facts are written by the store as things happen; this module
//! plans the buckets, reads the rollups and turns them into figures. It owns no SQL.

pub mod buckets;
pub mod calendars;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::AgentId;
use crate::domain::report::{Dimension, Fact, Interval, Metric, MetricKind};
use crate::store::{RollupCell, Store, StoreError};
pub use buckets::{Buckets, PeriodError};

/// What a report asks for.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub interval: Interval,
    pub zone: Tz,
    pub group_by: Dimension,
    pub business_hours: bool,
    /// Only this agent's own figures (an agent asking).
    pub only_agent: Option<AgentId>,
}

/// The figures of one metric for one group and bucket (or the whole period). Fields that do
/// not apply to the metric stay empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figure {
    /// The headline: the count, the median in seconds, the percentage met, the CSAT score.
    pub value: Option<f64>,
    /// How many were counted or timed (SLA targets decided, CSAT answers).
    pub count: i64,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub mean: Option<f64>,
    pub met: Option<i64>,
    pub missed: Option<i64>,
    pub sent: Option<i64>,
    pub satisfied: Option<i64>,
    pub response_rate: Option<f64>,
}

/// One group of a report: its key (an agent or team id, a channel, a label; empty for all),
/// what to call it, its figures over the whole period and per bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub key: String,
    pub name: String,
    pub total: Figure,
    pub points: Vec<(DateTime<Utc>, Figure)>,
}

/// A report over whole hours `[since, until)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub groups: Vec<Group>,
}

/// Every metric's figures for each group, for a period and the one before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub previous_since: DateTime<Utc>,
    pub groups: Vec<SummaryGroup>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SummaryGroup {
    pub key: String,
    pub name: String,
    pub current: BTreeMap<&'static str, Figure>,
    pub previous: BTreeMap<&'static str, Figure>,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Period(#[from] PeriodError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads reports from the store.
#[derive(Clone)]
pub struct Reports {
    store: Store,
}

impl Reports {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// One metric over time, per group.
    pub async fn report(
        &self,
        metric: Metric,
        request: &ReportRequest,
    ) -> Result<Report, ReportError> {
        let buckets = Buckets::new(request.since, request.until, request.interval, request.zone)?;
        let facts = metric.facts(request.business_hours);
        let (dimension, key) = scope(request);
        let in_buckets = buckets.rollup_query(&facts, dimension, key.clone());
        let in_total = buckets.whole().rollup_query(&facts, dimension, key.clone());
        // The three reads are independent: run side by side, on connections of their own.
        let (cells, totals, names) = tokio::try_join!(
            self.store.report_rollups(&in_buckets),
            self.store.report_rollups(&in_total),
            self.names(dimension),
        )?;
        let by_key = index(&cells);
        let totals = index(&totals);
        let mut keys: BTreeSet<String> = totals.keys().map(|(key, _)| key.clone()).collect();
        if keys.is_empty() {
            // An empty period still has its group: the one asked for, or all.
            keys.insert(key.unwrap_or_default());
        }
        let mut groups: Vec<Group> = keys
            .into_iter()
            .map(|key| {
                let points = buckets
                    .starts
                    .iter()
                    .map(|(bucket, start)| {
                        let cells = by_key.get(&(key.clone(), *bucket));
                        (*start, figure(metric, cells.map(Vec::as_slice)))
                    })
                    .collect();
                let total = figure(metric, totals.get(&(key.clone(), 0)).map(Vec::as_slice));
                Group {
                    name: name_of(dimension, &key, &names),
                    key,
                    total,
                    points,
                }
            })
            .collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.key.cmp(&b.key)));
        Ok(Report {
            since: buckets.starts.first().map_or(request.since, |(_, at)| *at),
            until: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::hours(buckets.until_hour),
            groups,
        })
    }

    /// Every metric over the period and over the period of equal length before it.
    pub async fn summary(&self, request: &ReportRequest) -> Result<Summary, ReportError> {
        let current = Buckets::new(request.since, request.until, Interval::Month, request.zone)?;
        let length = current.until_hour - current.since_hour;
        let hour = |h: i64| DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::hours(h);
        let previous = Buckets::new(
            hour(current.since_hour - length),
            hour(current.since_hour),
            Interval::Month,
            request.zone,
        )?;
        let facts: Vec<Fact> = Metric::ALL
            .iter()
            .flat_map(|metric| metric.facts(request.business_hours))
            .collect();
        let (dimension, key) = scope(request);
        let this_period = current.whole().rollup_query(&facts, dimension, key.clone());
        let period_before = previous
            .whole()
            .rollup_query(&facts, dimension, key.clone());
        let (now, before, names) = tokio::try_join!(
            self.store.report_rollups(&this_period),
            self.store.report_rollups(&period_before),
            self.names(dimension),
        )?;
        let (now, before) = (index(&now), index(&before));
        let mut keys: Vec<String> = now.keys().map(|(key, _)| key.clone()).collect();
        keys.extend(before.keys().map(|(key, _)| key.clone()));
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            keys.push(key.unwrap_or_default());
        }
        let figures = |cells: &HashMap<(String, i64), Vec<RollupCell>>, key: &String| {
            Metric::ALL
                .iter()
                .map(|metric| {
                    let mine: Option<Vec<RollupCell>> = cells.get(&(key.clone(), 0)).map(|cells| {
                        let facts = metric.facts(request.business_hours);
                        cells
                            .iter()
                            .filter(|cell| facts.contains(&cell.fact))
                            .cloned()
                            .collect()
                    });
                    (metric.as_str(), figure(*metric, mine.as_deref()))
                })
                .collect::<BTreeMap<_, _>>()
        };
        let mut groups: Vec<SummaryGroup> = keys
            .iter()
            .map(|key| SummaryGroup {
                key: key.clone(),
                name: name_of(dimension, key, &names),
                current: figures(&now, key),
                previous: figures(&before, key),
            })
            .collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.key.cmp(&b.key)));
        Ok(Summary {
            since: hour(current.since_hour),
            until: hour(current.until_hour),
            previous_since: hour(previous.since_hour),
            groups,
        })
    }

    /// What to call the keys of a grouping.
    async fn names(&self, dimension: Dimension) -> Result<HashMap<String, String>, StoreError> {
        Ok(match dimension {
            Dimension::Agent => self
                .store
                .list_agents()
                .await?
                .into_iter()
                .map(|agent| (agent.id.get().to_string(), agent.name))
                .collect(),
            Dimension::Team => self
                .store
                .list_teams()
                .await?
                .into_iter()
                .map(|team| (team.id.get().to_string(), team.name))
                .collect(),
            _ => HashMap::new(),
        })
    }
}

/// The grouping and key a request reads: an agent asking sees only their own.
fn scope(request: &ReportRequest) -> (Dimension, Option<String>) {
    match request.only_agent {
        Some(agent) => (Dimension::Agent, Some(agent.get().to_string())),
        None => (request.group_by, None),
    }
}

fn index(cells: &[RollupCell]) -> HashMap<(String, i64), Vec<RollupCell>> {
    let mut index: HashMap<(String, i64), Vec<RollupCell>> = HashMap::new();
    for cell in cells {
        index
            .entry((cell.key.clone(), cell.bucket))
            .or_default()
            .push(cell.clone());
    }
    index
}

fn name_of(dimension: Dimension, key: &str, names: &HashMap<String, String>) -> String {
    match dimension {
        Dimension::All => "All".into(),
        Dimension::Agent | Dimension::Team => names
            .get(key)
            .cloned()
            .unwrap_or_else(|| format!("#{key} (deleted)")),
        Dimension::Channel | Dimension::Label => key.to_owned(),
    }
}

/// Seconds of milliseconds.
fn seconds(millis: f64) -> f64 {
    millis.round() / 1_000.0
}

/// A share in percent, to two decimals.
fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 10_000.0 / whole as f64).round() / 100.0)
}

/// A metric's figures from its cells (those of one group and bucket).
pub fn figure(metric: Metric, cells: Option<&[RollupCell]>) -> Figure {
    let cells = cells.unwrap_or_default();
    let of = |fact: Fact| cells.iter().find(|cell| cell.fact == fact);
    let count = |fact: Fact| of(fact).map_or(0, |cell| cell.count);
    match metric.kind() {
        MetricKind::Count => {
            let n = metric.facts(false).first().map_or(0, |fact| count(*fact));
            Figure {
                value: Some(n as f64),
                count: n,
                ..Figure::default()
            }
        }
        MetricKind::Duration => {
            let Some(cell) = cells.iter().find(|cell| cell.count > 0) else {
                return Figure::default();
            };
            let median = cell.p50.map(seconds);
            Figure {
                value: median,
                count: cell.count,
                median,
                p90: cell.p90.map(seconds),
                mean: Some(seconds(cell.total as f64 / cell.count as f64)),
                ..Figure::default()
            }
        }
        MetricKind::Sla => {
            let (met, missed) = (count(Fact::SlaMet), count(Fact::SlaMissed));
            Figure {
                value: percent(met, met + missed),
                count: met + missed,
                met: Some(met),
                missed: Some(missed),
                ..Figure::default()
            }
        }
        MetricKind::Csat => {
            let sent = count(Fact::CsatSent);
            let answers = count(Fact::CsatAnswer);
            let satisfied = of(Fact::CsatAnswer).map_or(0, |cell| cell.satisfied);
            Figure {
                value: percent(satisfied, answers),
                count: answers,
                sent: Some(sent),
                satisfied: Some(satisfied),
                response_rate: percent(answers, sent),
                ..Figure::default()
            }
        }
    }
}
