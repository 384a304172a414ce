//! Reports against a scripted history whose figures were worked out by hand: first response,
//! reply and resolution times in wall-clock and business hours (across a weekend and the
//! change to summer time in Prague), a reopening, a label given afterwards, an agent's own
//! view, a contact erased after the fact, the summary, both CSV exports and bad requests.

use reqwest::Method;
use serde_json::{Value, json};
use switchboard::domain::Millis;

use crate::contact_erasure::{erase, wait_done};
use crate::helpers::{TestApp, hook_body};

/// Mondays to Fridays 09:00–17:00 in Prague, for every conversation.
const HOURS: &str = r#"
[[business_hours]]
name = "default"
timezone = "Europe/Prague"
monday = "09:00-17:00"
tuesday = "09:00-17:00"
wednesday = "09:00-17:00"
thursday = "09:00-17:00"
friday = "09:00-17:00"
"#;

fn at(text: &str) -> Millis {
    Millis(
        chrono::DateTime::parse_from_rfc3339(text)
            .expect("time")
            .timestamp_millis(),
    )
}

struct History {
    app: TestApp,
    alice: String,
    bob_id: i64,
    alice_id: i64,
    conversations: [i64; 3],
    erased_contact: i64,
}

/// The customer writes on the hook at `time`; returns the conversation.
async fn customer(app: &TestApp, time: &str, id: &str, from: &str) -> i64 {
    app.store.pin_clock(Some(at(time)));
    let response = app.post_hook(&hook_body(id, from, "Hello?")).await;
    assert!(response.status().is_success(), "{}", response.status());
    let receipt: Value = response.json().await.expect("receipt");
    receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("conversation")
}

async fn reply(app: &TestApp, time: &str, token: &str, conversation: i64) {
    app.store.pin_clock(Some(at(time)));
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/conversations/{conversation}/reply"),
            token,
            json!({"text": "On it."}),
        )
        .await;
    assert_eq!(
        response.status(),
        202,
        "{}",
        response.text().await.unwrap_or_default()
    );
}

async fn status(app: &TestApp, time: &str, token: &str, conversation: i64, status: &str) {
    app.store.pin_clock(Some(at(time)));
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/conversations/{conversation}/status"),
            token,
            json!({"status": status}),
        )
        .await;
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
}

async fn agent(app: &TestApp, name: &str) -> (i64, String) {
    let created: Value = app
        .post_json(
            "/api/v1/agents",
            json!({"name": name, "email": format!("{}@example.com", name.to_lowercase()), "role": "agent"}),
        )
        .await
        .json()
        .await
        .expect("agent");
    let id = created["id"].as_i64().expect("id");
    let token: Value = app
        .post_json(
            "/api/v1/tokens",
            json!({"name": name, "role": "agent", "agent_id": id}),
        )
        .await
        .json()
        .await
        .expect("token");
    (id, token["token"].as_str().expect("token").to_owned())
}

/// The history (times UTC; Prague is UTC+1 until 2026-03-29 01:00, UTC+2 after):
/// - A: the customer writes Fri 27 Mar 15:00; Alice answers Mon 30 Mar 07:30 (first response
///   232,200 s; in business hours Fri 16:00–17:00 and Mon 09:00–09:30: 5,400 s); the customer
///   writes 08:00, Alice answers 08:10 (600 s); Alice resolves 09:00 (237,600 s; business
///   3 h); the customer writes 10:00 (reopened); Bob answers 10:30 (1,800 s); resolved again
///   Tue 31 Mar 12:00 (334,800 s; business 1 + 8 + 5 h = 50,400 s).
/// - B: the customer writes Mon 30 Mar 06:00 (08:00 in Prague, closed); Bob answers 07:00
///   (3,600 s; business 0).
/// - C: the customer writes Tue 31 Mar 07:00; Alice answers 07:20 (1,200 s, all in business
///   hours); resolved 08:00 (3,600 s). Its contact is erased afterwards.
async fn history() -> History {
    let app = TestApp::spawn_with(HOURS).await;
    let (alice_id, alice) = agent(&app, "Alice").await;
    let (bob_id, bob) = agent(&app, "Bob").await;

    let a = customer(&app, "2026-03-27T15:00:00Z", "a-1", "ann").await;
    reply(&app, "2026-03-30T07:30:00Z", &alice, a).await;
    let b = customer(&app, "2026-03-30T06:00:00Z", "b-1", "ben").await;
    assert_ne!(a, b);
    reply(&app, "2026-03-30T07:00:00Z", &bob, b).await;
    assert_eq!(
        customer(&app, "2026-03-30T08:00:00Z", "a-2", "ann").await,
        a
    );
    reply(&app, "2026-03-30T08:10:00Z", &alice, a).await;
    status(&app, "2026-03-30T09:00:00Z", &alice, a, "resolved").await;
    assert_eq!(
        customer(&app, "2026-03-30T10:00:00Z", "a-3", "ann").await,
        a
    );
    reply(&app, "2026-03-30T10:30:00Z", &bob, a).await;
    let c = customer(&app, "2026-03-31T07:00:00Z", "c-1", "cid").await;
    reply(&app, "2026-03-31T07:20:00Z", &alice, c).await;
    status(&app, "2026-03-31T08:00:00Z", &alice, c, "resolved").await;
    status(&app, "2026-03-31T12:00:00Z", &bob, a, "resolved").await;
    app.store.pin_clock(None);
    let erased_contact = app.get_json(&format!("/api/v1/conversations/{c}")).await["contact_id"]
        .as_i64()
        .expect("contact");
    History {
        app,
        alice,
        alice_id,
        bob_id,
        conversations: [a, b, c],
        erased_contact,
    }
}

const PERIOD: &str = "since=2026-03-26T23:00:00Z&until=2026-03-31T22:00:00Z&timezone=Europe/Prague";

async fn report(app: &TestApp, metric: &str, extra: &str) -> Value {
    app.get_json(&format!("/api/v1/reports/{metric}?{PERIOD}{extra}"))
        .await
}

fn total(report: &Value) -> &Value {
    &report["groups"][0]["total"]
}

#[tokio::test]
async fn figures_match_the_hand_worked_history() {
    let History {
        app,
        alice,
        alice_id,
        bob_id,
        conversations: [a, _, c],
        erased_contact,
    } = history().await;

    // Created per Prague day: the boundaries move with summer time.
    let created = report(&app, "conversations_created", "&interval=day").await;
    let points = created["groups"][0]["points"].as_array().expect("points");
    let days: Vec<(&str, f64)> = points
        .iter()
        .map(|p| {
            (
                p["start"].as_str().expect("start"),
                p["value"].as_f64().expect("value"),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-03-26T23:00:00Z", 1.0),
            ("2026-03-27T23:00:00Z", 0.0),
            ("2026-03-28T23:00:00Z", 0.0),
            ("2026-03-29T22:00:00Z", 1.0),
            ("2026-03-30T22:00:00Z", 1.0),
        ],
        "{created}"
    );
    assert_eq!(total(&created)["value"], 3.0);
    for (metric, expected) in [
        ("conversations_resolved", 3.0),
        ("conversations_reopened", 1.0),
        ("messages_incoming", 5.0),
        ("messages_outgoing", 5.0),
    ] {
        let figure = report(&app, metric, "").await;
        assert_eq!(total(&figure)["value"], expected, "{metric}: {figure}");
    }

    // Times: the median and 90th percentile by nearest rank, the mean exact (seconds).
    let expect = |figure: &Value, count: i64, median: f64, p90: f64, mean: f64| {
        assert_eq!(figure["count"], count, "{figure}");
        assert_eq!(figure["median"], median, "{figure}");
        assert_eq!(figure["p90"], p90, "{figure}");
        assert_eq!(figure["mean"], mean, "{figure}");
        assert_eq!(figure["value"], median, "{figure}");
    };
    let first = report(&app, "first_response_time", "").await;
    assert_eq!(first["unit"], "seconds");
    expect(total(&first), 3, 3_600.0, 232_200.0, 79_000.0);
    let first_open = report(&app, "first_response_time", "&business_hours=true").await;
    expect(total(&first_open), 3, 1_200.0, 5_400.0, 2_200.0);
    let replies = report(&app, "reply_time", "").await;
    expect(total(&replies), 5, 1_800.0, 232_200.0, 47_880.0);
    let resolution = report(&app, "resolution_time", "").await;
    expect(total(&resolution), 3, 237_600.0, 334_800.0, 192_000.0);
    let resolution_open = report(&app, "resolution_time", "&business_hours=true").await;
    expect(total(&resolution_open), 3, 10_800.0, 50_400.0, 21_600.0);

    // Per agent: who answered.
    let by_agent = report(&app, "first_response_time", "&group_by=agent").await;
    let groups = by_agent["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2, "{by_agent}");
    assert_eq!(groups[0]["name"], "Alice");
    assert_eq!(groups[0]["key"], alice_id.to_string());
    expect(&groups[0]["total"], 2, 1_200.0, 232_200.0, 116_700.0);
    assert_eq!(groups[1]["key"], bob_id.to_string());
    expect(&groups[1]["total"], 1, 3_600.0, 3_600.0, 3_600.0);
    let outgoing = report(&app, "messages_outgoing", "&group_by=agent").await;
    let counts: Vec<(String, f64)> = outgoing["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["name"].as_str().expect("name").to_owned(),
                g["total"]["value"].as_f64().expect("v"),
            )
        })
        .collect();
    assert_eq!(counts, [("Alice".to_owned(), 3.0), ("Bob".to_owned(), 2.0)]);

    // A label given afterwards takes the conversation's facts with it.
    let labelled = app
        .send(
            Method::PATCH,
            &format!("/api/v1/conversations/{a}"),
            &app.admin_token,
            json!({"labels": ["vip"]}),
        )
        .await;
    assert_eq!(labelled.status(), 200);
    let vip = report(&app, "conversations_created", "&group_by=label").await;
    assert_eq!(vip["groups"][0]["key"], "vip", "{vip}");
    assert_eq!(vip["groups"][0]["total"]["value"], 1.0, "{vip}");
    let vip_first = report(&app, "first_response_time", "&group_by=label").await;
    expect(
        &vip_first["groups"][0]["total"],
        1,
        232_200.0,
        232_200.0,
        232_200.0,
    );
    let unlabelled = app
        .send(
            Method::PATCH,
            &format!("/api/v1/conversations/{a}"),
            &app.admin_token,
            json!({"labels": []}),
        )
        .await;
    assert_eq!(unlabelled.status(), 200);
    let none = report(&app, "conversations_created", "&group_by=label").await;
    assert_eq!(none["groups"][0]["total"]["value"], 0.0, "{none}");

    // An agent sees their own figures, and nothing grouped by others.
    let own = app
        .get(
            &format!("/api/v1/reports/first_response_time?{PERIOD}"),
            &alice,
        )
        .await;
    assert_eq!(own.status(), 200);
    let own: Value = own.json().await.expect("json");
    assert_eq!(own["group_by"], "agent");
    assert_eq!(own["groups"].as_array().map(Vec::len), Some(1), "{own}");
    expect(total(&own), 2, 1_200.0, 232_200.0, 116_700.0);
    let others = app
        .get(
            &format!("/api/v1/reports/first_response_time?{PERIOD}&group_by=team"),
            &alice,
        )
        .await;
    assert_eq!(others.status(), 403);

    // Erasing a contact leaves the figures as they were.
    let job: Value = erase(&app, erased_contact, "asked to be forgotten")
        .await
        .json()
        .await
        .expect("job");
    wait_done(
        &app.client,
        &app.base,
        &app.admin_token,
        job["id"].as_i64().expect("id"),
    )
    .await;
    let after = report(&app, "first_response_time", "").await;
    expect(total(&after), 3, 3_600.0, 232_200.0, 79_000.0);
    assert_eq!(
        total(&report(&app, "conversations_created", "").await)["value"],
        3.0
    );

    // One CSV row per conversation; the erased customer's keeps its figures, not their name.
    let csv = app
        .get(
            "/api/v1/reports/conversations.csv?since=2026-03-27T00:00:00Z&until=2026-04-01T00:00:00Z",
            &app.admin_token,
        )
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/csv"))
    );
    let text = csv.text().await.expect("csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 3, "{text}");
    let row_a = &rows[0];
    assert_eq!(row_a[column("id")], a.to_string());
    assert_eq!(row_a[column("contact_name")], *"Customer ann");
    assert_eq!(row_a[column("first_response_seconds")], *"232200");
    assert_eq!(row_a[column("first_response_business_seconds")], *"5400");
    assert_eq!(row_a[column("resolution_seconds")], *"334800");
    assert_eq!(row_a[column("reopenings")], *"1");
    assert_eq!(row_a[column("replies")], *"3");
    assert_eq!(row_a[column("messages_in")], *"3");
    assert_eq!(row_a[column("messages_out")], *"3");
    assert_eq!(rows[1][column("messages_in")], *"1");
    let row_c = &rows[2];
    assert_eq!(row_c[column("id")], c.to_string());
    // Erasure leaves a tombstone in the contact's place.
    assert_eq!(
        row_c[column("contact_name")],
        format!("Erased contact #{erased_contact}")
    );
    assert_eq!(row_c[column("status")], *"resolved");
    assert_eq!(row_c[column("first_response_seconds")], *"1200");
    assert_eq!(row_c[column("messages_in")], *"1");

    // The metric as CSV: a row per group and bucket.
    let series = app
        .get(
            &format!("/api/v1/reports/conversations_created?{PERIOD}&format=csv"),
            &app.admin_token,
        )
        .await;
    assert_eq!(series.status(), 200);
    let series = series.text().await.expect("csv");
    assert_eq!(series.lines().count(), 6, "{series}");
    assert!(
        series
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("2026-03-26T23:00:00+00:00,1,1")),
        "{series}"
    );
    app.stop().await;
}

/// Facts are appended as pending deltas and folded into the rollups now and then; a report
/// reads both, so folding changes no figure, and leaves nothing pending.
#[tokio::test]
async fn folding_the_pending_deltas_changes_no_figure() {
    let History { app, .. } = history().await;
    let mut asked = Vec::new();
    for metric in [
        "conversations_created",
        "messages_incoming",
        "messages_outgoing",
        "first_response_time",
        "reply_time",
        "resolution_time",
    ] {
        for extra in [
            "",
            "&interval=hour",
            "&interval=week&group_by=agent",
            "&interval=month&group_by=label",
            "&group_by=channel&business_hours=true",
        ] {
            asked.push((metric, extra, report(&app, metric, extra).await));
        }
    }
    let counted: f64 = asked
        .iter()
        .filter_map(|(_, _, figures)| total(figures)["value"].as_f64())
        .sum();
    assert!(counted > 0.0, "the history counts something");
    app.store.fold_report_deltas().await.expect("fold");
    assert_eq!(app.store.report_deltas_pending().await.expect("pending"), 0);
    for (metric, extra, before) in asked {
        assert_eq!(
            report(&app, metric, extra).await,
            before,
            "{metric}{extra} after the fold"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_summary_sets_the_period_beside_the_one_before() {
    let History { app, .. } = history().await;
    let summary = app
        .get_json("/api/v1/reports/summary?since=2026-03-29T00:00:00Z&until=2026-04-02T00:00:00Z")
        .await;
    assert_eq!(summary["previous_since"], "2026-03-25T00:00:00Z");
    let group = &summary["groups"][0];
    assert_eq!(
        group["current"]["conversations_created"]["value"], 2.0,
        "{summary}"
    );
    assert_eq!(
        group["previous"]["conversations_created"]["value"], 1.0,
        "{summary}"
    );
    assert_eq!(
        group["current"]["first_response_time"]["median"], 3_600.0,
        "{summary}"
    );
    assert_eq!(
        group["previous"]["first_response_time"]["count"], 0,
        "{summary}"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_report_requests_are_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    for (path, status, words) in [
        ("/api/v1/reports/happiness", 404, "not found"),
        (
            "/api/v1/reports/conversations_created?interval=year",
            400,
            "interval",
        ),
        (
            "/api/v1/reports/conversations_created?timezone=Mars/Base",
            400,
            "timezone",
        ),
        (
            "/api/v1/reports/conversations_created?group_by=planet",
            400,
            "group_by",
        ),
        (
            "/api/v1/reports/conversations_created?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z",
            400,
            "until",
        ),
        (
            "/api/v1/reports/conversations_created?since=2000-01-01T00:00:00Z&until=2026-01-01T00:00:00Z",
            400,
            "ten years",
        ),
        (
            "/api/v1/reports/conversations_created?since=2025-01-01T00:00:00Z&until=2026-01-01T00:00:00Z&interval=hour",
            400,
            "interval",
        ),
        (
            "/api/v1/reports/summary?business_hours=maybe",
            400,
            "business_hours",
        ),
    ] {
        let response = app.get(path, &app.admin_token).await;
        assert_eq!(response.status(), status, "{path}");
        let body: Value = response.json().await.expect("json");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{path}: {body}");
    }
    let marketer = app.token("marketer").await;
    let response = app
        .get("/api/v1/reports/conversations_created", &marketer)
        .await;
    assert_eq!(response.status(), 403);
    let response = app
        .get("/api/v1/reports/conversations.csv", &marketer)
        .await;
    assert_eq!(response.status(), 403);
    app.stop().await;
}

/// A long period is read from whole days and months with the hours a zone moves put right:
/// every bucket of every interval, in zones east and west, with daylight saving time and a
/// half-hour offset, holds exactly what reading every hour gives (and a row updated after
/// it was first written moves the month with it).
#[tokio::test]
async fn days_and_months_give_what_the_hours_give_in_every_zone() {
    use switchboard::domain::report::{Dimension, Fact, Interval};
    use switchboard::reports::Buckets;
    use switchboard::store::RollupRow;

    crate::helpers::on_each_backend(|store| async move {
        // From 2025-10-20 to 2027-01-10, one or two rows every seven hours or so, from a
        // fixed-seed generator: counts, durations in bins, two agents.
        let start_hour = at("2025-10-20T00:00:00Z").0 / 3_600_000;
        let end_hour = at("2027-01-10T00:00:00Z").0 / 3_600_000;
        let mut seed: u64 = 0x5eed;
        let mut next = move |bound: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % bound
        };
        let mut rows = Vec::new();
        let mut hour = start_hour;
        while hour < end_hour {
            let bin = next(12) as i64;
            for (dimension, key) in [
                ("none", String::new()),
                ("agent", (1 + next(2)).to_string()),
            ] {
                rows.push(RollupRow {
                    fact: Fact::Reply.as_str().into(),
                    dimension: dimension.into(),
                    hour,
                    key: key.clone(),
                    bin,
                    n: 1 + next(3) as i64,
                    total: 1_000 * (bin + 1) + next(100) as i64,
                });
            }
            hour += 1 + next(13) as i64;
        }
        // Written twice over, so that the second write of each row updates it.
        let (first, second) = rows.split_at(rows.len() / 2);
        store.seed_report_history(&[], first).await.expect("seed");
        store.seed_report_history(&[], second).await.expect("seed");
        store
            .seed_report_history(&[], first)
            .await
            .expect("seed again");

        let periods = [
            ("2025-11-03T05:00:00Z", "2026-12-20T17:00:00Z"),
            ("2025-12-31T23:00:00Z", "2026-03-31T22:00:00Z"),
            ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        ];
        let zones = [
            "UTC",
            "Europe/Prague",
            "Pacific/Auckland",
            "America/Los_Angeles",
            "Asia/Kolkata",
        ];
        let mut compared = 0;
        for (since, until) in periods {
            for zone in zones {
                let zone: chrono_tz::Tz = zone.parse().expect("zone");
                for interval in [Interval::Day, Interval::Week, Interval::Month] {
                    let buckets = Buckets::new(
                        at(since).to_datetime(),
                        at(until).to_datetime(),
                        interval,
                        zone,
                    )
                    .expect("buckets");
                    for buckets in [buckets.clone(), buckets.whole()] {
                        for dimension in [Dimension::All, Dimension::Agent] {
                            let mut query = buckets.rollup_query(&[Fact::Reply], dimension, None);
                            assert!(query.days.is_some(), "{since}…{until} reads days");
                            let planned = store.report_rollups(&query).await.expect("planned");
                            query.days = None;
                            let hourly = store.report_rollups(&query).await.expect("hourly");
                            assert!(!hourly.is_empty());
                            let differ: Vec<_> = planned
                                .iter()
                                .zip(&hourly)
                                .filter(|(a, b)| a != b)
                                .take(3)
                                .collect();
                            assert!(
                                planned.len() == hourly.len() && differ.is_empty(),
                                "{since}…{until} in {zone} by {interval} ({} buckets) for \
                                 {dimension}: {} cells against {}, first differing: {differ:?}",
                                buckets.starts.len(),
                                planned.len(),
                                hourly.len()
                            );
                            compared += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(compared, 3 * 5 * 3 * 2 * 2);
    })
    .await;
}

#[test]
fn a_year_in_month_buckets_reads_whole_months() {
    use switchboard::domain::report::Interval;
    use switchboard::reports::Buckets;

    let day = |text: &str| at(text).0 / 86_400_000;
    let plan = |zone: &str| {
        let zone: chrono_tz::Tz = zone.parse().expect("zone");
        Buckets::new(
            at("2025-11-20T00:00:00Z").to_datetime(),
            at("2026-03-10T00:00:00Z").to_datetime(),
            Interval::Month,
            zone,
        )
        .expect("buckets")
        .day_plan()
        .expect("a day plan")
        .periods
    };
    use switchboard::store::Period;
    let periods = plan("Europe/Prague");
    let kinds: Vec<Period> = periods.iter().map(|plan| plan.period).collect();
    // The partial months' whole weeks too: 24–30 November, 2–8 March.
    assert_eq!(kinds, [Period::Week, Period::Month, Period::Week]);
    assert_eq!(
        periods[0].starts,
        [day("2025-11-24T00:00:00Z"), day("2025-12-01T00:00:00Z")]
    );
    assert_eq!(
        periods[2].starts,
        [day("2026-03-02T00:00:00Z"), day("2026-03-09T00:00:00Z")]
    );
    assert!(periods[0].moved_days.is_empty() && periods[2].moved_days.is_empty());
    let prague = periods[1].clone();
    let starts = [
        day("2025-12-01T00:00:00Z"),
        day("2026-01-01T00:00:00Z"),
        day("2026-02-01T00:00:00Z"),
        day("2026-03-01T00:00:00Z"),
    ];
    assert_eq!(prague.starts, starts);
    assert!(
        prague.moved_days.is_empty(),
        "every noon in Prague is in its own month"
    );
    // Auckland is thirteen hours ahead in summer: the last day's noon is the next month there.
    let periods = plan("Pacific/Auckland");
    assert_eq!(periods[0].moved_days, [day("2025-11-30T00:00:00Z")]);
    let auckland = periods[1].clone();
    assert_eq!(auckland.starts, starts);
    assert_eq!(
        auckland.moved_days,
        [
            day("2025-12-31T00:00:00Z"),
            day("2026-01-31T00:00:00Z"),
            day("2026-02-28T00:00:00Z")
        ]
    );
}

#[test]
fn a_quarter_in_week_buckets_reads_whole_weeks() {
    use switchboard::domain::report::Interval;
    use switchboard::reports::Buckets;

    let day = |text: &str| at(text).0 / 86_400_000;
    let plan = |zone: &str| {
        let zone: chrono_tz::Tz = zone.parse().expect("zone");
        Buckets::new(
            // A Wednesday to a Friday.
            at("2026-01-07T00:00:00Z").to_datetime(),
            at("2026-02-06T00:00:00Z").to_datetime(),
            Interval::Week,
            zone,
        )
        .expect("buckets")
        .day_plan()
        .and_then(|plan| plan.periods.into_iter().next())
        .expect("a week plan")
    };
    let prague = plan("Europe/Prague");
    assert_eq!(prague.period, switchboard::store::Period::Week);
    // The whole weeks from Monday to Sunday: 12 January to 1 February, then 2 February ends
    // before the period does.
    let starts = [
        day("2026-01-12T00:00:00Z"),
        day("2026-01-19T00:00:00Z"),
        day("2026-01-26T00:00:00Z"),
        day("2026-02-02T00:00:00Z"),
    ];
    assert_eq!(prague.starts, starts);
    assert!(prague.moved_days.is_empty(), "{:?}", prague.moved_days);
    // Thirteen hours ahead, a UTC Sunday's noon is Monday there: each Sunday moves.
    let auckland = plan("Pacific/Auckland");
    assert_eq!(auckland.starts, starts);
    assert_eq!(
        auckland.moved_days,
        [
            day("2026-01-18T00:00:00Z"),
            day("2026-01-25T00:00:00Z"),
            day("2026-02-01T00:00:00Z")
        ]
    );
}
