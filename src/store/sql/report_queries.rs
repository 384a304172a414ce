//! Reports read from the rollups and the deltas pending for them, never from messages: sums
//! and counts add up across hours and days, and each group and bucket comes back as one row
//! listing its bins, summed and ranked in Rust for a duration's median and 90th percentile.
//! (Compiled once per backend.)

use super::common::Pool;
use super::{Db, IS_POSTGRES};
use crate::domain::report::{Fact, Interval};
use crate::store::{ConversationReport, PeriodPlan, RollupCell, RollupQuery, StoreResult};

/// The rollups of `query`'s facts, grouped and bucketed.
pub async fn rollups(pool: &Pool, query: &RollupQuery) -> StoreResult<Vec<RollupCell>> {
    let mut sql = sqlx::QueryBuilder::<Db>::new("WITH parts AS (");
    // The deltas not folded in yet, each in the bucket of its own hour. The statement reads
    // one snapshot, so a fold moving rows meanwhile neither hides nor doubles them.
    push_part(&mut sql, query, "report_pending", "hour", "");
    push_hour_range(&mut sql, query);
    sql.push(" UNION ALL ");
    match &query.days {
        None => {
            push_part(&mut sql, query, "report_rollups", "hour", "");
            push_hour_range(&mut sql, query);
        }
        Some(days) => {
            // Whole days from the daily rows, each in the bucket of its noon; the hours of the
            // edges, and those a day's noon does not share a bucket with, from the hourly rows.
            // Every part reads one range or list of its table's key: a range with holes
            // filtered out would scan the holes (a year of daily rows for two edge weeks).
            // The days between the weeks and months read whole, each range one part.
            let mut parts = Parts::default();
            let mut daily_ranges = Vec::new();
            let mut from = days.first_day;
            for whole in &days.periods {
                if let (Some(first), Some(end)) = (whole.starts.first(), whole.starts.last()) {
                    daily_ranges.push((from, *first));
                    from = *end;
                }
            }
            daily_ranges.push((from, days.end_day));
            for (from, to) in daily_ranges.into_iter().filter(|(from, to)| from < to) {
                parts.next(&mut sql);
                push_part(&mut sql, query, "report_daily", "day * 24 + 12", "");
                sql.push(format!(" AND day >= {from} AND day < {to}"));
            }
            for whole in &days.periods {
                push_whole_periods(&mut sql, &mut parts, query, whole);
            }
            parts.next(&mut sql);
            push_part(&mut sql, query, "report_rollups", "hour", "");
            push_list(&mut sql, "hour", &days.hours);
            if !days.moved.is_empty() {
                parts.next(&mut sql);
                push_part(
                    &mut sql,
                    query,
                    "report_rollups",
                    "(hour / 24) * 24 + 12",
                    "-",
                );
                push_list(&mut sql, "hour", &days.moved);
            }
        }
    }
    ranked_in_rust(sql, pool).await
}

/// ` AND hour` within the query's period.
fn push_hour_range(sql: &mut sqlx::QueryBuilder<'_, Db>, query: &RollupQuery) {
    sql.push(" AND hour >= ")
        .push_bind(query.since_hour)
        .push(" AND hour < ")
        .push_bind(query.until_hour);
}

/// Runs a report's statement. On PostgreSQL, in a transaction of its own with JIT compilation
/// off: a report's plan costs enough that PostgreSQL compiles it, which took 130–290 ms at the
/// full size of `switchboard bench reports`, longer than the statement then ran (120–220 ms).
async fn fetch_report(
    pool: &Pool,
    mut sql: sqlx::QueryBuilder<'_, Db>,
) -> StoreResult<Vec<<Db as sqlx::Database>::Row>> {
    if !IS_POSTGRES {
        return Ok(sql.build().fetch_all(pool).await?);
    }
    let mut transaction = pool.begin().await?;
    sqlx::query("SET LOCAL jit = off")
        .execute(&mut *transaction)
        .await?;
    let rows = sql.build().fetch_all(&mut *transaction).await?;
    transaction.commit().await?;
    Ok(rows)
}

/// Finishes the rollups query with each cell's bins listed, then summed and ranked in Rust
/// (`RollupCell::from_columns`): three lists, of the bins, their counts and their sums
/// (comma-separated text on SQLite, arrays on PostgreSQL). Ranking in SQL instead (bins
/// summed, then window functions) sorted every row twice more: on SQLite a month of one
/// duration per agent in day buckets at a million conversations took 260 ms that way and
/// 65 ms this way; on PostgreSQL the p95 of every report over a month was 182 ms that way and
/// 107 ms this way (docs/performance.md).
async fn ranked_in_rust(
    mut sql: sqlx::QueryBuilder<'_, Db>,
    pool: &Pool,
) -> StoreResult<Vec<RollupCell>> {
    use sqlx::Row;
    if IS_POSTGRES {
        sql.push(
            ") SELECT fact, key, bucket, array_agg(CAST(bin AS BIGINT)), \
               array_agg(CAST(n AS BIGINT)), array_agg(CAST(total AS BIGINT)) \
             FROM parts GROUP BY fact, key, bucket",
        );
    } else {
        // Three lists rather than one of `bin:n:total`: each row's number becomes text once,
        // without the intermediate strings (a summary per agent over a quarter: 130 ms, not 168).
        sql.push(
            ") SELECT fact, key, bucket, group_concat(bin), group_concat(n), group_concat(total) \
             FROM parts GROUP BY fact, key, bucket",
        );
    }
    let rows = fetch_report(pool, sql).await?;
    let mut cells = Vec::with_capacity(rows.len());
    for row in rows {
        let Ok(fact) = row.try_get::<String, _>(0)?.parse::<Fact>() else {
            continue;
        };
        let (key, bucket): (String, i64) = (row.try_get(1)?, row.try_get(2)?);
        let cell = if IS_POSTGRES {
            let columns = [
                super::bigint_array(&row, 3)?,
                super::bigint_array(&row, 4)?,
                super::bigint_array(&row, 5)?,
            ];
            RollupCell::from_columns(fact, key, bucket, columns)?
        } else {
            let (bins, n, total): (String, String, String) =
                (row.try_get(3)?, row.try_get(4)?, row.try_get(5)?);
            RollupCell::from_lists(fact, key, bucket, [&bins, &n, &total])?
        };
        cells.extend(cell);
    }
    cells.sort_by(|a, b| {
        (a.fact.as_str(), &a.key, a.bucket).cmp(&(b.fact.as_str(), &b.key, b.bucket))
    });
    Ok(cells)
}

/// Separates the parts of the rollups' union.
#[derive(Default)]
struct Parts {
    started: bool,
}

impl Parts {
    fn next(&mut self, sql: &mut sqlx::QueryBuilder<'_, Db>) {
        if self.started {
            sql.push(" UNION ALL ");
        }
        self.started = true;
    }
}

/// The parts of a plan of whole weeks or months: those periods from their rollups, each in
/// the bucket of its middle, and the days moved out of their period's bucket from the daily
/// rows, added in the bucket of their noon and taken back out of their period's.
fn push_whole_periods(
    sql: &mut sqlx::QueryBuilder<'_, Db>,
    parts: &mut Parts,
    query: &RollupQuery,
    whole: &PeriodPlan,
) {
    let (Some(first), Some(end)) = (whole.starts.first(), whole.starts.last()) else {
        return;
    };
    let (table, column) = whole.period.table();
    parts.next(sql);
    // `Period::middle_hour` of each row's period.
    let middle = format!("({column} + {}) * 24 + 12", whole.period.middle_day());
    push_part(sql, query, table, &middle, "");
    sql.push(format!(" AND {column} >= {first} AND {column} < {end}"));
    if whole.moved_days.is_empty() {
        return;
    }
    parts.next(sql);
    push_part(sql, query, "report_daily", "day * 24 + 12", "");
    push_list(sql, "day", &whole.moved_days);
    parts.next(sql);
    push_part(
        sql,
        query,
        "report_daily",
        &middle_of_period("day", whole),
        "-",
    );
    push_list(sql, "day", &whole.moved_days);
}

/// The middle hour of the period (of `whole`) that holds `day_column`'s day, as a SQL
/// expression. The days are numbers the service worked out, written as literals.
fn middle_of_period(day_column: &str, whole: &PeriodPlan) -> String {
    let mut expression = String::from("CASE");
    for pair in whole.starts.windows(2) {
        expression.push_str(&format!(
            " WHEN {day_column} < {} THEN {}",
            pair[1],
            whole.period.middle_hour(pair[0])
        ));
    }
    let last = whole.starts.len().saturating_sub(2);
    expression.push_str(&format!(
        " ELSE {} END",
        whole
            .period
            .middle_hour(whole.starts.get(last).copied().unwrap_or_default())
    ));
    expression
}

/// `SELECT fact, key, <bucket of hour_expression> AS bucket, bin, n, total FROM table WHERE`
/// the query's facts, grouping and key; `sign` is `-` to take the rows away.
fn push_part(
    sql: &mut sqlx::QueryBuilder<'_, Db>,
    query: &RollupQuery,
    table: &str,
    hour_expression: &str,
    sign: &str,
) {
    sql.push("SELECT fact, key, CAST(");
    push_bucket(sql, query, hour_expression);
    sql.push(format!(
        " AS BIGINT) AS bucket, bin, {sign}n AS n, {sign}total AS total FROM {table} WHERE fact IN ("
    ));
    let mut facts = sql.separated(", ");
    for fact in &query.facts {
        facts.push_bind(fact.as_str());
    }
    sql.push(") AND dimension = ")
        .push_bind(query.dimension.as_str());
    if let Some(key) = &query.key {
        sql.push(" AND key = ").push_bind(key.clone());
    }
}

/// ` AND column IN (…)` the numbers, written as literals: they are hours and days the service
/// worked out, and a literal list is what both planners turn into lookups of the key (a
/// subquery over a bound JSON array left PostgreSQL guessing its size). Nothing matches an
/// empty list.
fn push_list(sql: &mut sqlx::QueryBuilder<'_, Db>, column: &str, values: &[i64]) {
    if values.is_empty() {
        sql.push(" AND 1 = 0");
        return;
    }
    let list: Vec<String> = values.iter().map(i64::to_string).collect();
    sql.push(format!(" AND {column} IN ({})", list.join(", ")));
}

/// The bucket of a row's `hour`: the hour, day or week counted in the report's time zone
/// (its UTC offsets over the period are spelled out, so a change of daylight saving time
/// moves the boundary), or the index of the month among the month starts given.
fn push_bucket(sql: &mut sqlx::QueryBuilder<'_, Db>, query: &RollupQuery, hour: &str) {
    if query.interval == Interval::Month {
        if query.month_starts.len() <= 1 {
            sql.push("0");
            return;
        }
        sql.push("CASE");
        for (index, start) in query.month_starts.iter().enumerate().skip(1) {
            sql.push(format!(" WHEN {hour} < {start} THEN {}", index - 1));
        }
        sql.push(format!(
            " ELSE {} END",
            query.month_starts.len().saturating_sub(1)
        ));
        return;
    }
    // The offsets are numbers the service worked out, not input: written out as literals
    // so that the bucket stays one expression the planner can group by.
    let last = query.offsets.last().map_or(0, |(_, offset)| *offset);
    let local = if query.offsets.len() <= 1 {
        format!("({hour} + {last})")
    } else {
        let mut local = format!("({hour} + CASE");
        for pair in query.offsets.windows(2) {
            local.push_str(&format!(" WHEN {hour} < {} THEN {}", pair[1].0, pair[0].1));
        }
        local.push_str(&format!(" ELSE {last} END)"));
        local
    };
    let expression = match query.interval {
        Interval::Hour => local,
        Interval::Day => format!("({local} / 24)"),
        // The epoch was a Thursday; weeks start on Monday. (Months returned above.)
        Interval::Week | Interval::Month => format!("(({local} / 24 + 3) / 7)"),
    };
    // Integer division truncates toward zero on both backends; hours before 1970 never occur.
    sql.push(expression);
}

/// One page of conversations' records created in `[since, until)`, oldest first, after the
/// `after` key (`created_at`, id); with `agent`, only those the agent holds.
pub async fn conversations(
    pool: &Pool,
    since: i64,
    until: i64,
    agent: Option<i64>,
    after: Option<(i64, i64)>,
    limit: i64,
) -> StoreResult<Vec<ConversationReport>> {
    let mut sql = sqlx::QueryBuilder::<Db>::new(
        "SELECT r.conversation_id AS id, r.channel, ct.name AS contact_name, \
           ct.email AS contact_email, a.name AS agent, t.name AS team, r.labels, \
           c.status AS status, r.created_at, r.first_response_at, r.first_response_ms, \
           r.first_response_bh_ms, r.resolved_at, r.resolution_ms, r.resolution_bh_ms, r.replies, \
           r.reopenings, CASE WHEN c.id IS NULL THEN r.messages_in ELSE c.messages_in END \
           AS messages_in, r.messages_out, r.sla_met, r.sla_missed, r.csat_rating \
         FROM report_conversations r \
         LEFT JOIN conversations c ON c.id = r.conversation_id \
         LEFT JOIN contacts ct ON ct.id = c.contact_id \
         LEFT JOIN agents a ON a.id = c.assignee_id \
         LEFT JOIN teams t ON t.id = c.team_id \
         WHERE r.created_at >= ",
    );
    sql.push_bind(since)
        .push(" AND r.created_at < ")
        .push_bind(until);
    if let Some(agent) = agent {
        sql.push(" AND c.assignee_id = ").push_bind(agent);
    }
    if let Some((created_at, id)) = after {
        sql.push(" AND (r.created_at > ")
            .push_bind(created_at)
            .push(" OR (r.created_at = ")
            .push_bind(created_at)
            .push(" AND r.conversation_id > ")
            .push_bind(id)
            .push("))");
    }
    sql.push(" ORDER BY r.created_at, r.conversation_id LIMIT ")
        .push_bind(limit);
    Ok(sql.build_query_as().fetch_all(pool).await?)
}
