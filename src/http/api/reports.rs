//! `GET /api/v1/reports/…`: a metric over time per group, every metric against the previous
//! period, and one CSV row per conversation. Admins see everything; an agent sees their own
//! figures only (docs/reports.md).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::csv::{csv_attachment, csv_line, wants_csv};
use crate::domain::report::{Dimension, Interval, Metric, MetricKind};
use crate::domain::{AgentId, Millis, Role};
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized, Caller};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path, Query};
use crate::reports::{Figure, ReportError, ReportRequest, Reports};
use crate::store::{ConversationReport, Store, StoreError};

/// Conversations per database read while streaming the CSV.
const CSV_BATCH: i64 = 500;
/// The period when none is given: the week up to now.
const DEFAULT_DAYS: i64 = 7;

/// Query of the report routes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Start of the period (RFC 3339), rounded down to the hour; default a week before `until`.
    pub since: Option<DateTime<Utc>>,
    /// End of the period (RFC 3339, exclusive), rounded up to the hour; default now.
    pub until: Option<DateTime<Utc>>,
    /// Bucket width: `hour`, `day` (default), `week` (from Monday) or `month`.
    #[param(pattern = "^(hour|day|week|month)$")]
    pub interval: Option<String>,
    /// IANA time zone of the buckets, e.g. `Europe/Prague` (default `UTC`).
    #[param(min_length = 1)]
    pub timezone: Option<String>,
    /// `none` (default), `agent`, `team`, `channel` or `label`.
    #[param(pattern = "^(none|agent|team|channel|label)$")]
    pub group_by: Option<String>,
    /// Times counted in the business hours of each conversation's calendar.
    pub business_hours: Option<bool>,
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`).
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// Query of `GET /api/v1/reports/summary`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Start of the period (RFC 3339), rounded down to the hour; default a week before `until`.
    pub since: Option<DateTime<Utc>>,
    /// End of the period (RFC 3339, exclusive), rounded up to the hour; default now.
    pub until: Option<DateTime<Utc>>,
    /// IANA time zone, e.g. `Europe/Prague` (default `UTC`).
    #[param(min_length = 1)]
    pub timezone: Option<String>,
    /// `none` (default), `agent`, `team`, `channel` or `label`.
    #[param(pattern = "^(none|agent|team|channel|label)$")]
    pub group_by: Option<String>,
    /// Times counted in the business hours of each conversation's calendar.
    pub business_hours: Option<bool>,
}

impl From<SummaryQuery> for ReportQuery {
    fn from(query: SummaryQuery) -> Self {
        Self {
            since: query.since,
            until: query.until,
            interval: None,
            timezone: query.timezone,
            group_by: query.group_by,
            business_hours: query.business_hours,
            format: None,
        }
    }
}

/// Query of `GET /api/v1/reports/conversations.csv`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationsCsvQuery {
    /// Conversations created at or after this time (RFC 3339); default a week before `until`.
    pub since: Option<DateTime<Utc>>,
    /// Conversations created before this time (RFC 3339); default now.
    pub until: Option<DateTime<Utc>>,
}

/// The figures of one group and bucket. Which fields appear depends on the metric: counts
/// have `value`; times add `median`, `p90` and `mean` (seconds); `sla_met` adds `met` and
/// `missed`; `csat` adds `sent`, `satisfied` and `response_rate`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FigureView {
    /// The headline: the count, the median in seconds, the percentage of SLA targets met, or
    /// the CSAT score (percentage of 4 and 5 among answers); null when nothing was timed.
    pub value: Option<f64>,
    /// How many were counted or timed (SLA targets decided; CSAT answers).
    pub count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p90: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missed: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfied: Option<i64>,
    /// CSAT answers per survey sent, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_rate: Option<f64>,
}

impl From<&Figure> for FigureView {
    fn from(figure: &Figure) -> Self {
        Self {
            value: figure.value,
            count: figure.count,
            median: figure.median,
            p90: figure.p90,
            mean: figure.mean,
            met: figure.met,
            missed: figure.missed,
            sent: figure.sent,
            satisfied: figure.satisfied,
            response_rate: figure.response_rate,
        }
    }
}

/// One bucket of a series.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointView {
    /// When the bucket starts.
    pub start: DateTime<Utc>,
    #[serde(flatten)]
    pub figure: FigureView,
}

/// One group's series and its figures over the whole period.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    /// An agent or team id, a channel name, a label; empty without grouping.
    pub key: String,
    pub name: String,
    pub total: FigureView,
    pub points: Vec<PointView>,
}

/// A metric over time.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub metric: String,
    /// `count`, `seconds` or `percent`: the unit of `value`.
    pub unit: String,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub interval: String,
    pub timezone: String,
    pub group_by: String,
    pub business_hours: bool,
    pub groups: Vec<GroupView>,
}

/// One group's figures of every metric, now and in the period before.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryGroupView {
    pub key: String,
    pub name: String,
    /// By metric name.
    pub current: BTreeMap<String, FigureView>,
    /// By metric name, over the period of equal length that ends at `since`.
    pub previous: BTreeMap<String, FigureView>,
}

/// Every metric over a period and the period before it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryView {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub previous_since: DateTime<Utc>,
    pub group_by: String,
    pub business_hours: bool,
    pub groups: Vec<SummaryGroupView>,
}

/// `GET /api/v1/reports/{metric}`: one metric over time, per group.
#[utoipa::path(get, path = "/api/v1/reports/{metric}", tag = "reports",
    params(("metric" = String, Path, description = "conversations_created, conversations_resolved, conversations_reopened, messages_incoming, messages_outgoing, first_response_time, reply_time, resolution_time, sla_met or csat",
            pattern = "^(conversations_created|conversations_resolved|conversations_reopened|messages_incoming|messages_outgoing|first_response_time|reply_time|resolution_time|sla_met|csat)$"),
        ReportQuery),
    responses((status = 200, description = "The series as JSON, or with `format=csv` one row per group and bucket (`text/csv`)",
            content((ReportView = "application/json"), (String = "text/csv"))),
        (status = 400, body = crate::http::error::ErrorBody),
        (status = 403, body = crate::http::error::ErrorBody),
        (status = 404, body = crate::http::error::ErrorBody)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn get_report(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(metric): Path<String>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> ApiResult<Response> {
    let metric = metric
        .parse::<Metric>()
        .map_err(|_| ApiError::NotFound("report"))?;
    let csv = wants_csv(query.format.as_deref(), &headers)?;
    let request = request_of(&caller, &query)?;
    let report = Reports::new(state.store.clone())
        .report(metric, &request)
        .await
        .map_err(report_error)?;
    if csv {
        let mut body = csv_line(&REPORT_CSV_HEADER.map(String::from));
        for group in &report.groups {
            for (start, figure) in &group.points {
                body.push_str(&csv_line(&figure_cells(
                    &group.key,
                    &group.name,
                    start,
                    figure,
                )));
            }
        }
        return Ok(csv_attachment(Body::from(body), "report.csv"));
    }
    Ok(Json(ReportView {
        metric: metric.as_str().into(),
        unit: match metric.kind() {
            MetricKind::Count => "count",
            MetricKind::Duration => "seconds",
            MetricKind::Sla | MetricKind::Csat => "percent",
        }
        .into(),
        since: report.since,
        until: report.until,
        interval: request.interval.as_str().into(),
        timezone: request.zone.name().into(),
        group_by: scope_name(&request).into(),
        business_hours: request.business_hours,
        groups: report
            .groups
            .iter()
            .map(|group| GroupView {
                key: group.key.clone(),
                name: group.name.clone(),
                total: (&group.total).into(),
                points: group
                    .points
                    .iter()
                    .map(|(start, figure)| PointView {
                        start: *start,
                        figure: figure.into(),
                    })
                    .collect(),
            })
            .collect(),
    })
    .into_response())
}

/// `GET /api/v1/reports/summary`: every metric over the period, beside the period of equal
/// length before it.
#[utoipa::path(get, path = "/api/v1/reports/summary", tag = "reports", params(SummaryQuery),
    responses((status = 200, body = SummaryView),
        (status = 400, body = crate::http::error::ErrorBody),
        (status = 403, body = crate::http::error::ErrorBody)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn get_summary(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Query(query): Query<SummaryQuery>,
) -> ApiResult<Json<SummaryView>> {
    let request = request_of(&caller, &query.into())?;
    let summary = Reports::new(state.store.clone())
        .summary(&request)
        .await
        .map_err(report_error)?;
    let views = |figures: &BTreeMap<&'static str, Figure>| {
        figures
            .iter()
            .map(|(metric, figure)| ((*metric).to_owned(), figure.into()))
            .collect()
    };
    Ok(Json(SummaryView {
        since: summary.since,
        until: summary.until,
        previous_since: summary.previous_since,
        group_by: scope_name(&request).into(),
        business_hours: request.business_hours,
        groups: summary
            .groups
            .iter()
            .map(|group| SummaryGroupView {
                key: group.key.clone(),
                name: group.name.clone(),
                current: views(&group.current),
                previous: views(&group.previous),
            })
            .collect(),
    }))
}

/// `GET /api/v1/reports/conversations.csv`: one row per conversation created in the period,
/// streamed; an agent gets the conversations they hold.
#[utoipa::path(get, path = "/api/v1/reports/conversations.csv", tag = "reports",
    params(ConversationsCsvQuery),
    responses((status = 200, description = "One row per conversation (`text/csv`)", content_type = "text/csv", body = String),
        (status = 400, body = crate::http::error::ErrorBody),
        (status = 403, body = crate::http::error::ErrorBody)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn get_conversations_csv(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Query(query): Query<ConversationsCsvQuery>,
) -> ApiResult<Response> {
    // A period that ends before it starts holds no conversation: the header alone.
    let until = query.until.unwrap_or_else(Utc::now);
    let since = query
        .since
        .unwrap_or(until - Duration::days(DEFAULT_DAYS))
        .min(until);
    let agent = own_agent(&caller)?;
    Ok(conversations_csv(
        state.store.clone(),
        Millis(since.timestamp_millis()),
        Millis(until.timestamp_millis()),
        agent,
    ))
}

const REPORT_CSV_HEADER: [&str; 13] = [
    "group_key",
    "group_name",
    "start",
    "value",
    "count",
    "median_seconds",
    "p90_seconds",
    "mean_seconds",
    "met",
    "missed",
    "sent",
    "satisfied",
    "response_rate",
];

fn figure_cells(key: &str, name: &str, start: &DateTime<Utc>, figure: &Figure) -> Vec<String> {
    let float = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    let int = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    vec![
        key.to_owned(),
        name.to_owned(),
        start.to_rfc3339(),
        float(figure.value),
        figure.count.to_string(),
        float(figure.median),
        float(figure.p90),
        float(figure.mean),
        int(figure.met),
        int(figure.missed),
        int(figure.sent),
        int(figure.satisfied),
        float(figure.response_rate),
    ]
}

/// The agent whose figures alone the caller may see; `None` for an admin.
fn own_agent(caller: &Caller) -> ApiResult<Option<AgentId>> {
    match caller.role {
        Role::Admin => Ok(None),
        _ => caller.agent.map(Some).ok_or_else(|| {
            ApiError::Forbidden(
                "reports: this token acts for no agent, so it has no figures".into(),
            )
        }),
    }
}

fn period(
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let until = until.unwrap_or_else(Utc::now);
    let since = since.unwrap_or(until - Duration::days(DEFAULT_DAYS));
    if since >= until {
        return Err(ApiError::BadRequest("until: must be after since".into()));
    }
    Ok((since, until))
}

/// Reads and checks the query; an agent is held to their own figures.
fn request_of(caller: &Caller, query: &ReportQuery) -> ApiResult<ReportRequest> {
    let (since, until) = period(query.since, query.until)?;
    let interval = match query.interval.as_deref() {
        None => Interval::Day,
        Some(text) => text.parse().map_err(|_| {
            ApiError::BadRequest(format!(
                "interval: {text:?} is not hour, day, week or month"
            ))
        })?,
    };
    let group_by = match query.group_by.as_deref() {
        None => Dimension::All,
        Some(text) => text.parse().map_err(|_| {
            ApiError::BadRequest(format!(
                "group_by: {text:?} is not none, agent, team, channel or label"
            ))
        })?,
    };
    let zone = match query.timezone.as_deref() {
        None => chrono_tz::UTC,
        Some(name) => name.parse().map_err(|_| {
            ApiError::BadRequest(format!(
                "timezone: {name:?} is not an IANA time zone (e.g. Europe/Prague)"
            ))
        })?,
    };
    let only_agent = own_agent(caller)?;
    if only_agent.is_some() && !matches!(group_by, Dimension::All | Dimension::Agent) {
        return Err(ApiError::Forbidden(
            "group_by: an agent sees their own figures only (group_by none or agent)".into(),
        ));
    }
    Ok(ReportRequest {
        since,
        until,
        interval,
        zone,
        group_by,
        business_hours: query.business_hours.unwrap_or(false),
        only_agent,
    })
}

fn scope_name(request: &ReportRequest) -> &'static str {
    if request.only_agent.is_some() {
        Dimension::Agent.as_str()
    } else {
        request.group_by.as_str()
    }
}

fn report_error(err: ReportError) -> ApiError {
    match err {
        ReportError::Period(period) => ApiError::BadRequest(period.to_string()),
        ReportError::Store(store) => ApiError::from_store("report", store),
    }
}

const CONVERSATIONS_CSV_HEADER: [&str; 22] = [
    "id",
    "channel",
    "contact_name",
    "contact_email",
    "agent",
    "team",
    "labels",
    "status",
    "created_at",
    "first_response_at",
    "first_response_seconds",
    "first_response_business_seconds",
    "resolved_at",
    "resolution_seconds",
    "resolution_business_seconds",
    "replies",
    "reopenings",
    "messages_in",
    "messages_out",
    "sla_met",
    "sla_missed",
    "csat_rating",
];

/// The conversations' rows, read a batch at a time while the response is sent.
fn conversations_csv(
    store: Store,
    since: Millis,
    until: Millis,
    agent: Option<AgentId>,
) -> Response {
    // (key after which the next batch starts, whether the header is still to send, finished)
    let start: (Option<(i64, i64)>, bool, bool) = (None, true, false);
    let body = futures_util::stream::unfold(start, move |(after, header, done)| {
        let store = store.clone();
        async move {
            if done {
                return None;
            }
            let mut chunk = String::new();
            if header {
                chunk.push_str(&csv_line(&CONVERSATIONS_CSV_HEADER.map(String::from)));
            }
            let batch: Result<Vec<ConversationReport>, StoreError> = store
                .report_conversations(since, until, agent, after, CSV_BATCH)
                .await;
            match batch {
                Ok(rows) => {
                    let next = rows.last().map(|row| (row.created_at, row.id));
                    let done = (rows.len() as i64) < CSV_BATCH;
                    for row in rows {
                        chunk.push_str(&csv_line(&conversation_cells(row)));
                    }
                    Some((Ok(chunk), (next, false, done)))
                }
                Err(err) => {
                    // The status line is gone; cutting the body short is the only signal left.
                    tracing::error!(error = %err, "conversations report CSV failed");
                    Some((
                        Err(std::io::Error::other("conversations report failed")),
                        (None, false, true),
                    ))
                }
            }
        }
    });
    // Fused: a body may be polled again after its end (the response compressor does), which
    // an unfold stream answers with a panic.
    csv_attachment(
        Body::from_stream(futures_util::StreamExt::fuse(body)),
        "conversations.csv",
    )
}

fn conversation_cells(row: ConversationReport) -> Vec<String> {
    let time = |millis: Option<i64>| {
        millis
            .map(|m| Millis(m).to_datetime().to_rfc3339())
            .unwrap_or_default()
    };
    let seconds = |millis: Option<i64>| {
        millis
            .map(|m| (m as f64 / 1_000.0).to_string())
            .unwrap_or_default()
    };
    let labels: Vec<String> = serde_json::from_str(&row.labels).unwrap_or_default();
    vec![
        row.id.to_string(),
        row.channel,
        row.contact_name.unwrap_or_default(),
        row.contact_email.unwrap_or_default(),
        row.agent.unwrap_or_default(),
        row.team.unwrap_or_default(),
        labels.join(";"),
        row.status.unwrap_or_else(|| "deleted".into()),
        time(Some(row.created_at)),
        time(row.first_response_at),
        seconds(row.first_response_ms),
        seconds(row.first_response_bh_ms),
        time(row.resolved_at),
        seconds(row.resolution_ms),
        seconds(row.resolution_bh_ms),
        row.replies.to_string(),
        row.reopenings.to_string(),
        row.messages_in.to_string(),
        row.messages_out.to_string(),
        row.sla_met.to_string(),
        row.sla_missed.to_string(),
        row.csat_rating.map(|r| r.to_string()).unwrap_or_default(),
    ]
}
