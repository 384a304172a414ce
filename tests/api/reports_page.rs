//! The reports page in a real Chromium: a scripted two-week history of three agents (written
//! with the store's clock pinned, as `reports.rs` does), whose figures the page must show as
//! worked out here; an agent's own view; and the live board following an agent going offline,
//! a customer waiting and an SLA breach, through the event stream.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};
use switchboard::domain::Millis;

use crate::browser::{Driver, screenshot, wait_for, wait_until};
use crate::helpers::{TestApp, hook_body};
use crate::web::{agent_with_password, sign_in};

/// A first response is due within the hour; the live board counts what misses it.
const SLA: &str = r#"
[[sla]]
name = "standard"
first_response = "1h"
resolution = "1d"

[[rules]]
name = "start sla"
on = "conversation.created"
actions = [ { set_sla = "standard" } ]
"#;

/// Conversations per day: the week before the reported one, then the reported week
/// (Monday 9 to Sunday 15 March 2026, UTC).
const PER_DAY: [usize; 14] = [4, 5, 5, 6, 3, 1, 2, 5, 7, 6, 8, 4, 2, 3];
/// First response delays in seconds: each far from the others (more than the ±10 % of a
/// rollup bin), so medians and percentiles are exact.
const DELAYS: [i64; 5] = [300, 900, 1_800, 3_600, 7_200];
/// Time from the first response to resolution.
const TO_RESOLVE: [i64; 3] = [1_800, 5_400, 14_400];
const FIRST_DAY: &str = "2026-03-02";
const AGENTS: [&str; 3] = ["Alice", "Bob", "Carol"];

/// One scripted conversation.
struct Planned {
    day: usize,
    created: i64,
    agent: usize,
    first_response: i64,
    /// Resolved at this time; the last day's stay open.
    resolved: Option<i64>,
}

fn plan() -> Vec<Planned> {
    let start = chrono::NaiveDate::parse_from_str(FIRST_DAY, "%Y-%m-%d")
        .expect("date")
        .and_hms_opt(7, 0, 0)
        .expect("time")
        .and_utc()
        .timestamp();
    let mut planned = Vec::new();
    for (day, count) in PER_DAY.iter().enumerate() {
        for i in 0..*count {
            let created = start + day as i64 * 86_400 + i as i64 * 53 * 60;
            let first_response = DELAYS[(day * 3 + i) % DELAYS.len()];
            let resolved = (day != PER_DAY.len() - 1)
                .then(|| created + first_response + TO_RESOLVE[(day + 2 * i) % TO_RESOLVE.len()]);
            planned.push(Planned {
                day,
                created,
                agent: (day + i) % AGENTS.len(),
                first_response,
                resolved,
            });
        }
    }
    planned
}

/// The median (or other percentile) by nearest rank, as the reports define it.
fn nearest_rank(values: &[i64], percent: usize) -> i64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// A duration as the page writes it (whole minutes and hours only here).
fn shown(seconds: i64) -> String {
    match seconds {
        s if s < 3_600 => format!("{} min", s / 60),
        s if s % 3_600 == 0 => format!("{} h", s / 3_600),
        s => format!("{} h {} min", s / 3_600, (s % 3_600) / 60),
    }
}

struct History {
    app: TestApp,
    /// (id, email, password, API token) per agent, in `AGENTS` order.
    agents: Vec<(i64, String, String, String)>,
    planned: Vec<Planned>,
    /// The conversations' ids, in `planned` order.
    ids: Vec<i64>,
}

async fn act(app: &TestApp, at: i64, token: &str, path: &str, body: Value, expect: u16) {
    app.store.pin_clock(Some(Millis(at * 1_000)));
    let response = app.send(Method::POST, path, token, body).await;
    let status = response.status().as_u16();
    assert_eq!(
        status,
        expect,
        "{path}: {}",
        response.text().await.unwrap_or_default()
    );
}

/// Writes the history in time order: customers write, agents answer and resolve.
async fn history() -> History {
    let app = TestApp::spawn_with(SLA).await;
    let mut agents = Vec::new();
    for name in AGENTS {
        let (id, email, password) = agent_with_password(&app, name, "agent").await;
        let token: Value = app
            .post_json(
                "/api/v1/tokens",
                json!({"name": name, "role": "agent", "agent_id": id}),
            )
            .await
            .json()
            .await
            .expect("token");
        let token = token["token"].as_str().expect("token").to_owned();
        agents.push((id, email, password, token));
    }
    let planned = plan();
    // (time, step, conversation index): 0 the customer writes, 1 the answer, 2 resolving.
    let mut steps: Vec<(i64, u8, usize)> = Vec::new();
    for (index, p) in planned.iter().enumerate() {
        steps.push((p.created, 0, index));
        steps.push((p.created + p.first_response, 1, index));
        if let Some(resolved) = p.resolved {
            steps.push((resolved, 2, index));
        }
    }
    steps.sort_unstable();
    let mut ids: BTreeMap<usize, i64> = BTreeMap::new();
    for (at, step, index) in steps {
        let p = &planned[index];
        let token = &agents[p.agent].3;
        match step {
            0 => {
                app.store.pin_clock(Some(Millis(at * 1_000)));
                let response = app
                    .post_hook(&hook_body(
                        &format!("m-{index}"),
                        &format!("customer-{index}"),
                        "Hello, my order has not arrived.",
                    ))
                    .await;
                assert!(response.status().is_success(), "{}", response.status());
                let receipt: Value = response.json().await.expect("receipt");
                let id = receipt["messages"][0]["conversation_id"]
                    .as_i64()
                    .expect("conversation");
                ids.insert(index, id);
            }
            1 => {
                let path = format!("/api/v1/conversations/{}/reply", ids[&index]);
                act(&app, at, token, &path, json!({"text": "On it."}), 202).await;
            }
            _ => {
                let path = format!("/api/v1/conversations/{}/status", ids[&index]);
                act(&app, at, token, &path, json!({"status": "resolved"}), 200).await;
            }
        }
    }
    // The open ones are held by the agent who answered them.
    for (index, p) in planned.iter().enumerate() {
        if p.resolved.is_none() {
            let path = format!("/api/v1/conversations/{}/assign", ids[&index]);
            let body = json!({"agent_id": agents[p.agent].0});
            act(
                &app,
                p.created + 7_200 * 2,
                &app.admin_token,
                &path,
                body,
                200,
            )
            .await;
        }
    }
    app.store.pin_clock(None);
    History {
        app,
        agents,
        planned,
        ids: ids.into_values().collect(),
    }
}

const WEEK: &str = "period=custom&since=2026-03-09&until=2026-03-15&timezone=UTC&interval=day\
    &business_hours=false";

/// The text of `css`, trimmed.
async fn text(client: &fantoccini::Client, css: &str) -> String {
    wait_for(client, css)
        .await
        .text()
        .await
        .expect("text")
        .trim()
        .to_owned()
}

/// A JS string literal of `text`.
fn js(text: &str) -> String {
    serde_json::to_string(text).expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reports_page_shows_the_scripted_history_and_a_live_board() {
    let History {
        app,
        agents,
        planned,
        ids,
    } = history().await;
    let this_week: Vec<&Planned> = planned.iter().filter(|p| p.day >= 7).collect();
    let last_week = planned.len() - this_week.len();
    let delays: Vec<i64> = this_week.iter().map(|p| p.first_response).collect();
    let resolved = this_week.iter().filter(|p| p.resolved.is_some()).count();

    let (_, email, password) = agent_with_password(&app, "Mona", "admin").await;
    let mut driver = Driver::start().await;
    let admin = driver.browser().await;
    sign_in(&admin, &app, &email, &password).await;
    admin
        .goto(&app.url(&format!(
            "/#/reports?{WEEK}&metric=conversations_created&group_by=none"
        )))
        .await
        .expect("goto");
    wait_for(&admin, "#nav-reports[aria-current='page']").await;
    wait_for(&admin, "#reports[data-state='ready']").await;

    // Summary cards: this week against the week before.
    let created = this_week.len();
    assert_eq!(
        text(&admin, "#card-conversations_created .card-value").await,
        created.to_string()
    );
    assert_eq!(
        text(&admin, "#card-conversations_created .change").await,
        format!("▲ +{}", created - last_week)
    );
    assert_eq!(
        text(&admin, "#card-conversations_resolved .card-value").await,
        resolved.to_string()
    );
    assert_eq!(
        text(&admin, "#card-first_response_time .card-value").await,
        shown(nearest_rank(&delays, 50))
    );
    // The chart: one bar per day, as tall as that day's count.
    let bars = admin
        .execute(
            "return [...document.querySelectorAll('#report-chart .point.bar')]\
             .map((bar) => Number(bar.dataset.value));",
            vec![],
        )
        .await
        .expect("bars");
    assert_eq!(bars, json!(PER_DAY[7..].to_vec()));
    let labelled = admin
        .execute(
            "const svg = document.querySelector('#report-chart'); \
             return svg.getAttribute('role') === 'img' && !!svg.querySelector('title') \
             && document.querySelectorAll('#report-chart-table tbody tr').length;",
            vec![],
        )
        .await
        .expect("labelled");
    assert_eq!(labelled, json!(7), "a titled chart and a data table");

    // First response per agent, chosen with the page's own controls.
    admin
        .find(fantoccini::Locator::Css("#report-group-by"))
        .await
        .expect("group by")
        .select_by_value("agent")
        .await
        .expect("select");
    wait_until(
        &admin,
        "grouped by agent",
        "document.querySelector('#report-breakdown thead th')?.textContent === 'Agent' \
         && document.querySelector('#report-group-by')?.value === 'agent'",
    )
    .await;
    admin
        .find(fantoccini::Locator::Css("#report-metric"))
        .await
        .expect("metric")
        .select_by_value("first_response_time")
        .await
        .expect("select");
    for (index, (id, _, _, _)) in agents.iter().enumerate() {
        let own: Vec<i64> = this_week
            .iter()
            .filter(|p| p.agent == index)
            .map(|p| p.first_response)
            .collect();
        let row = format!("#report-breakdown tr[data-key='{id}']");
        wait_until(
            &admin,
            &format!("{}'s first responses", AGENTS[index]),
            &format!(
                "document.querySelector(\"{row} td[data-column='Median']\")?.textContent === {}",
                js(&shown(nearest_rank(&own, 50)))
            ),
        )
        .await;
        assert_eq!(
            text(&admin, &format!("{row} th")).await,
            AGENTS[index],
            "names are text"
        );
        assert_eq!(
            text(&admin, &format!("{row} td[data-column='Timed']")).await,
            own.len().to_string()
        );
        assert_eq!(
            text(&admin, &format!("{row} td[data-column='90th percentile']")).await,
            shown(nearest_rank(&own, 90))
        );
    }
    let points = admin
        .execute(
            "return document.querySelectorAll('#report-chart .point').length;",
            vec![],
        )
        .await
        .expect("points");
    assert_eq!(points, json!(3 * 7), "a line of seven days per agent");
    let csv = admin
        .execute(
            "return document.querySelector('#report-csv').getAttribute('href');",
            vec![],
        )
        .await
        .expect("csv link");
    let csv = csv.as_str().expect("href");
    assert!(
        csv.contains("format=csv") && csv.contains("group_by=agent"),
        "{csv}"
    );
    let body = app
        .get(csv, &app.admin_token)
        .await
        .text()
        .await
        .expect("csv");
    assert!(body.starts_with("group_key,"), "{body}");

    // The live board: loads of the open conversations, nobody waiting, no breach.
    let open: Vec<usize> = (0..AGENTS.len())
        .map(|index| {
            planned
                .iter()
                .filter(|p| p.resolved.is_none() && p.agent == index)
                .count()
        })
        .collect();
    for (index, (id, _, _, _)) in agents.iter().enumerate() {
        let cell = format!("#live-agents tr[data-agent='{id}'] td.load");
        wait_until(
            &admin,
            &format!("{}'s load", AGENTS[index]),
            &format!(
                "document.querySelector(\"{cell}\")?.dataset.load === '{}'",
                open[index]
            ),
        )
        .await;
        assert!(
            text(&admin, &cell)
                .await
                .ends_with(&format!("{} / 20", open[index]))
        );
    }
    assert_eq!(text(&admin, "#live-queue .stat-value").await, "0");
    assert_eq!(text(&admin, "#live-breaching .stat-value").await, "0");
    assert_eq!(
        text(&admin, "#live-longest-wait .stat-value").await,
        "nobody waits"
    );
    wait_for(&admin, "#connection.live").await;
    admin
        .execute("document.activeElement?.blur(); return true;", vec![])
        .await
        .expect("blur");
    admin
        .set_window_size(1400, 1500)
        .await
        .expect("window size");
    screenshot(&admin, "reports").await;

    // Carol goes offline: her row follows.
    let carol = agents[2].0;
    let offline = app
        .send(
            Method::PATCH,
            &format!("/api/v1/agents/{carol}"),
            &app.admin_token,
            json!({"availability": "offline"}),
        )
        .await;
    assert_eq!(offline.status(), 200);
    wait_until(
        &admin,
        "Carol offline",
        &format!(
            "document.querySelector(\"#live-agents tr[data-agent='{carol}']\")\
             ?.dataset.availability === 'offline'"
        ),
    )
    .await;
    assert_eq!(text(&admin, "#live-online .stat-value").await, "2 / 0 / 1");

    // A customer writes and nobody takes it: once the rules have seen it (it waits for
    // triage until then) it is in the queue, and an hour later its first response is late.
    let response = app
        .post_hook(&hook_body("late-1", "late-customer", "Anyone there?"))
        .await;
    assert!(response.status().is_success());
    while app.automation.run_once().await.expect("rules") > 0 {}
    let later = Millis::now().plus(std::time::Duration::from_secs(3_601));
    assert_eq!(app.automation.fire_timers(later).await.expect("timers"), 1);
    wait_until(
        &admin,
        "one waiting and breaching",
        "document.querySelector('#live-queue .stat-value')?.dataset.value === '1' && \
         document.querySelector('#live-breaching .stat-value')?.dataset.value === '1'",
    )
    .await;
    assert_ne!(
        text(&admin, "#live-longest-wait .stat-value").await,
        "nobody waits"
    );
    wait_for(&admin, ".breaches a[href^='#/inbox/all/']").await;

    // A label is whatever someone typed: it is shown as text, never run.
    let first_this_week = planned.iter().position(|p| p.day == 7).expect("this week");
    let hostile = "<img src=x onerror=\"window.__pwned = 1\">";
    let labelled = app
        .send(
            Method::PATCH,
            &format!("/api/v1/conversations/{}", ids[first_this_week]),
            &app.admin_token,
            json!({"labels": [hostile]}),
        )
        .await;
    assert_eq!(labelled.status(), 200);
    admin
        .goto(&app.url(&format!(
            "/#/reports?{WEEK}&metric=conversations_created&group_by=label"
        )))
        .await
        .expect("goto");
    wait_until(
        &admin,
        "the label's row",
        &format!(
            "[...document.querySelectorAll('#report-breakdown tbody th')]\
             .some((th) => th.textContent === {})",
            js(hostile)
        ),
    )
    .await;
    let ran = admin
        .execute(
            "return [window.__pwned === undefined, document.querySelectorAll('#reports img').length];",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(ran, json!([true, 0]));

    // An agent sees their own figures only.
    let (alice_id, alice_email, alice_password, _) = &agents[0];
    let alice = driver.browser().await;
    sign_in(&alice, &app, alice_email, alice_password).await;
    alice
        .goto(&app.url(&format!("/#/reports?{WEEK}&metric=first_response_time")))
        .await
        .expect("goto");
    wait_for(&alice, "#reports[data-state='ready']").await;
    let own: Vec<&&Planned> = this_week.iter().filter(|p| p.agent == 0).collect();
    let own_delays: Vec<i64> = own.iter().map(|p| p.first_response).collect();
    assert_eq!(
        text(&alice, "#card-first_response_time .card-value").await,
        shown(nearest_rank(&own_delays, 50))
    );
    assert_eq!(
        text(&alice, "#card-messages_outgoing .card-value").await,
        own.len().to_string(),
        "her own replies"
    );
    let rows = alice
        .execute(
            "return [...document.querySelectorAll('#report-breakdown tbody tr')]\
             .map((row) => row.dataset.key);",
            vec![],
        )
        .await
        .expect("rows");
    assert_eq!(rows, json!([alice_id.to_string()]));
    let scope = alice
        .execute(
            "return [document.querySelectorAll('#report-group-by').length, \
             document.querySelectorAll('#live-agents tbody tr').length];",
            vec![],
        )
        .await
        .expect("scope");
    assert_eq!(
        scope,
        json!([0, 1]),
        "no grouping, and only herself on the board"
    );

    alice.close().await.expect("close");
    admin.close().await.expect("close");
    app.stop().await;
}

#[tokio::test]
async fn the_live_board_route_keeps_agents_to_their_own_row() {
    let app = TestApp::spawn().await;
    let (alice, _, _) = agent_with_password(&app, "Alice", "agent").await;
    let (_, _, _) = agent_with_password(&app, "Bob", "agent").await;
    let (_, _, _) = agent_with_password(&app, "Mia", "marketer").await;
    let response = app
        .post_hook(&hook_body("q-1", "waiting-customer", "Hello?"))
        .await;
    assert!(response.status().is_success());

    let board = app.get_json("/api/v1/reports/live").await;
    let names: Vec<&str> = board["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Alice", "Bob"], "marketers hold no conversations");
    assert_eq!(board["queue"]["waiting"], 1, "{board}");
    assert!(board["queue"]["longest_wait_seconds"].is_i64(), "{board}");
    assert_eq!(board["sla_breaching"], 0);

    let token: Value = app
        .post_json(
            "/api/v1/tokens",
            json!({"name": "alice", "role": "agent", "agent_id": alice}),
        )
        .await
        .json()
        .await
        .expect("token");
    let token = token["token"].as_str().expect("token");
    let own = app.get("/api/v1/reports/live", token).await;
    assert_eq!(own.status(), 200);
    let own: Value = own.json().await.expect("json");
    assert_eq!(own["agents"].as_array().expect("agents").len(), 1);
    assert_eq!(own["agents"][0]["id"], alice);
    let marketer = app.token("marketer").await;
    let refused = app.get("/api/v1/reports/live", &marketer).await;
    assert_eq!(refused.status(), 403);
    app.stop().await;
}
