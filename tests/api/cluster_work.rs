//! Work shared by real nodes: three `switchboard serve` processes on one PostgreSQL database
//! split a campaign at the cluster's pace, fire each timer once, and lose nothing when the
//! rule engine's node is killed under load. Skipped without `TEST_DATABASE_URL`.
//!
//! Figures (rates, spread, fail-over time) are printed for the performance notes.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::cluster::{Cluster, SHOP};
use crate::helpers::{SECRET, hook_body, signed_headers};

const NODES: usize = 3;

/// A database session that is not idle: state, wait event type, wait event, query.
type Session = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// How often the tests look again while waiting for the nodes (polling with a deadline).
const POLL: Duration = Duration::from_millis(100);

/// Waits until `done` says so, checking every [`POLL`]; panics with `what` after `limit`.
async fn poll_until<F, Fut>(limit: Duration, what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !done().await {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(POLL).await;
    }
}

/// One campaign message as the receiver saw it.
struct Arrival {
    at: Instant,
    /// The node whose callback URL it came to.
    node: usize,
    recipient: String,
}

/// The campaign's receiver: every node's webhook channel posts to `/cb/<node>` here.
#[derive(Clone, Default)]
struct Receiver {
    arrivals: Arc<Mutex<Vec<Arrival>>>,
}

impl Receiver {
    async fn spawn() -> (Self, String) {
        async fn receive(
            State(receiver): State<Receiver>,
            Path(node): Path<usize>,
            body: axum::body::Bytes,
        ) -> axum::Json<Value> {
            let at = Instant::now();
            let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let recipient = payload["to"]["id"].as_str().unwrap_or_default().to_owned();
            let mut arrivals = receiver.arrivals.lock().expect("lock");
            arrivals.push(Arrival {
                at,
                node,
                recipient,
            });
            axum::Json(json!({"id": format!("r-{}", arrivals.len())}))
        }
        let receiver = Receiver::default();
        let router = axum::Router::new()
            .route("/cb/{node}", axum::routing::post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        (receiver, base)
    }
}

/// `POST path` with `body` on node `index` as admin; returns the status and the JSON answer.
async fn post_json(cluster: &Cluster, index: usize, path: &str, body: Value) -> (u16, Value) {
    let response = cluster
        .client
        .post(format!("{}{path}", cluster.base(index)))
        .bearer_auth(&cluster.token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_send_a_campaign_once_each_at_the_cluster_pace() {
    const RECIPIENTS: usize = 3_000;
    const RATE: f64 = 250.0;
    let (receiver, receiver_base) = Receiver::spawn().await;
    // Each node posts to a path of its own, so the receiver can tell who sent what; the
    // channel is otherwise the same everywhere.
    let config = |node: usize| {
        format!(
            "[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = {SECRET:?}\n\
             callback_url = \"{receiver_base}/cb/{node}\"\n"
        )
    };
    let Some(cluster) = Cluster::start_each(NODES, config).await else {
        eprintln!("skipped: several nodes need PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    let mut csv = String::from("identity:webhook:shop,consent:webhook\n");
    for n in 0..RECIPIENTS {
        csv.push_str(&format!("r{n:04},yes\n"));
    }
    let (status, report) =
        post_json(&cluster, 0, "/api/v1/contacts/import", json!({"csv": csv})).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], RECIPIENTS, "{report}");
    let (status, created) = post_json(
        &cluster,
        1,
        "/api/v1/campaigns",
        json!({
            "name": "cluster pace",
            "filter": {"op": "everyone"},
            "channels": [{"channel": "shop", "body": "Hello {{ contact.name }}", "rate_per_sec": RATE}],
        }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let (status, started) = post_json(
        &cluster,
        2,
        &format!("/api/v1/campaigns/{id}/start"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{started}");

    // 3,000 at 250/s is 12 s. This bound only catches a campaign that never ends; the pace
    // is judged below, from the arrivals.
    poll_until(Duration::from_secs(45), "the campaign finished", || async {
        cluster.get(0, &format!("/api/v1/campaigns/{id}")).await["state"] == "finished"
    })
    .await;
    let view = cluster.get(1, &format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(view["funnel"]["total"]["sent"], RECIPIENTS, "{view}");

    let arrivals = std::mem::take(&mut *receiver.arrivals.lock().expect("lock"));
    let mut per_recipient: HashMap<&str, usize> = HashMap::new();
    for arrival in &arrivals {
        *per_recipient.entry(&arrival.recipient).or_default() += 1;
    }
    let repeated: Vec<(&&str, &usize)> = per_recipient.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "{} recipients messaged more than once, e.g. {:?}",
        repeated.len(),
        &repeated[..repeated.len().min(10)]
    );
    assert_eq!(
        per_recipient.len(),
        RECIPIENTS,
        "every recipient got the message"
    );
    assert_eq!(arrivals.len(), RECIPIENTS);

    let first = arrivals.iter().map(|a| a.at).min().expect("arrivals");
    let last = arrivals.iter().map(|a| a.at).max().expect("arrivals");
    let span = last.duration_since(first).as_secs_f64();
    // Messages over the span between the first and the last arrival: the intervals between
    // n arrivals are n - 1.
    let achieved = (arrivals.len() - 1) as f64 / span;
    let mut by_node = [0usize; NODES];
    for arrival in &arrivals {
        by_node[arrival.node] += 1;
    }
    // The busiest second, for the record: the bucket's burst is a tenth of a second's worth.
    let mut offsets: Vec<f64> = arrivals
        .iter()
        .map(|a| a.at.duration_since(first).as_secs_f64())
        .collect();
    offsets.sort_by(f64::total_cmp);
    let busiest = offsets
        .iter()
        .enumerate()
        .map(|(i, start)| offsets[i..].partition_point(|t| *t < start + 1.0))
        .max()
        .unwrap_or(0);
    eprintln!(
        "campaign of {RECIPIENTS} at {RATE}/s on {NODES} nodes: {achieved:.1}/s over {span:.2} s \
         ({:+.2} %), busiest second {busiest}, sent per node {by_node:?}",
        (achieved / RATE - 1.0) * 100.0
    );
    assert!(
        (achieved - RATE).abs() <= RATE * 0.05,
        "achieved {achieved:.1}/s, configured {RATE}/s for the whole cluster"
    );
    assert!(
        by_node.iter().all(|sent| *sent > 0),
        "every node took part: {by_node:?}"
    );
}

/// A first response due after 3 s and a nudge after 5 s without activity, with a rule each
/// reacting to the timer, so both timers fire within seconds of a conversation's creation.
const TIMERS: &str = r#"
[[sla]]
name = "fast"
first_response = "3s"

[[rules]]
name = "start sla"
on = "conversation.created"
actions = [ { set_sla = "fast" } ]

[[rules]]
name = "escalate"
on = "sla.breached"
actions = [ { add_label = "breached" } ]

[[rules]]
name = "nudge"
on = "conversation.idle"
idle_for = "5s"
actions = [ { add_label = "stale" } ]
"#;

/// Per conversation: timer events logged (`sla.breached`, `conversation.idle`) and the
/// activity lines of the rules that reacted to them (`escalate`, `nudge`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Fired {
    breaches: i64,
    idles: i64,
    escalated: i64,
    nudged: i64,
}

impl Fired {
    fn complete(&self) -> bool {
        self.breaches > 0 && self.idles > 0 && self.escalated > 0 && self.nudged > 0
    }
}

async fn fired(pool: &sqlx::PgPool) -> BTreeMap<i64, Fired> {
    let mut fired: BTreeMap<i64, Fired> = BTreeMap::new();
    let conversations: Vec<i64> = sqlx::query_scalar("SELECT id FROM conversations")
        .fetch_all(pool)
        .await
        .expect("conversations");
    for id in conversations {
        fired.entry(id).or_default();
    }
    let events: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT conversation_id, kind, count(*) FROM events \
         WHERE kind IN ('sla.breached', 'conversation.idle') GROUP BY conversation_id, kind",
    )
    .fetch_all(pool)
    .await
    .expect("events");
    for (id, kind, count) in events {
        let entry = fired.entry(id).or_default();
        if kind == "sla.breached" {
            entry.breaches = count;
        } else {
            entry.idles = count;
        }
    }
    let lines: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT conversation_id, \
           count(*) FILTER (WHERE text LIKE 'Rule “escalate”:%'), \
           count(*) FILTER (WHERE text LIKE 'Rule “nudge”:%') \
         FROM messages WHERE kind = 'activity' GROUP BY conversation_id",
    )
    .fetch_all(pool)
    .await
    .expect("activity");
    for (id, escalated, nudged) in lines {
        let entry = fired.entry(id).or_default();
        entry.escalated = escalated;
        entry.nudged = nudged;
    }
    fired
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_and_idle_timers_fire_once_across_three_nodes() {
    const CONVERSATIONS: usize = 9;
    let Some(cluster) = Cluster::start(&format!("{SHOP}{TIMERS}"), NODES).await else {
        eprintln!("skipped: several nodes need PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    let pool = cluster.database().await;
    let created = Instant::now();
    for n in 0..CONVERSATIONS {
        assert!(
            cluster
                .post_hook(
                    n % NODES,
                    &format!("t-{n}"),
                    &format!("waiting-{n}"),
                    "help?"
                )
                .await,
            "node {} took the message",
            n % NODES
        );
    }
    poll_until(Duration::from_secs(30), "every timer fired", || async {
        let fired = fired(&pool).await;
        fired.len() == CONVERSATIONS && fired.values().all(Fired::complete)
    })
    .await;
    eprintln!(
        "{CONVERSATIONS} conversations on {NODES} nodes: breaches and idle nudges all done \
         {:.1} s after the first message",
        created.elapsed().as_secs_f64()
    );
    // A late second firing (another node's timer or engine) would come within the same few
    // seconds: a conversation opened now, whose timers fire last, is the barrier.
    assert!(
        cluster
            .post_hook(1, "t-last", "waiting-last", "me too")
            .await
    );
    poll_until(
        Duration::from_secs(30),
        "the last conversation's timers",
        || async {
            let fired = fired(&pool).await;
            fired.len() == CONVERSATIONS + 1 && fired.values().all(Fired::complete)
        },
    )
    .await;
    let once = Fired {
        breaches: 1,
        idles: 1,
        escalated: 1,
        nudged: 1,
    };
    let fired = fired(&pool).await;
    let twice: Vec<(&i64, &Fired)> = fired.iter().filter(|(_, f)| **f != once).collect();
    assert!(
        twice.is_empty(),
        "each conversation breaches and idles once, and each rule reacts once: {twice:?}"
    );
    let target: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT data->>'target' FROM events WHERE kind = 'sla.breached'",
    )
    .fetch_all(&pool)
    .await
    .expect("targets");
    assert_eq!(target, vec!["first_response".to_owned()]);
    pool.close().await;
}

/// Every new conversation gets one note from the rule engine: after a fail-over, a second
/// note shows an event applied twice, a missing one an event skipped.
const WELCOME: &str = r#"
[[rules]]
name = "welcome"
on = "conversation.created"
actions = [ { note = "welcomed" } ]
"#;

/// Posts a signed message `id` from `from` to the `shop` hook at `base`; true when
/// acknowledged (2xx).
async fn post_hook(client: &reqwest::Client, base: &str, id: &str, from: &str) -> bool {
    let body = hook_body(id, from, "load");
    client
        .post(format!("{base}/hooks/shop"))
        .headers(signed_headers(SECRET.as_bytes(), body.as_bytes()))
        .body(body)
        .send()
        .await
        .is_ok_and(|response| response.status().is_success())
}

/// What the posters saw.
#[derive(Default)]
struct Load {
    acked: Mutex<Vec<String>>,
    /// Acknowledged since the kill, by the survivors.
    acked_after_kill: AtomicUsize,
    /// Refusals by a node that was not killed.
    refused_by_survivors: Mutex<Vec<String>>,
    total: AtomicUsize,
    killed: Mutex<Option<usize>>,
    stop: AtomicBool,
    enough: Notify,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_rule_engines_node_under_load_loses_and_doubles_nothing() {
    /// Acknowledged messages before the kill, and by the survivors after the fail-over.
    const BEFORE: usize = 300;
    const AFTER: usize = 300;
    const POSTERS_PER_NODE: usize = 2;
    let Some(mut cluster) = Cluster::start(&format!("{SHOP}{WELCOME}"), NODES).await else {
        eprintln!("skipped: several nodes need PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    // The first node started usually takes every lease. A clean restart of the holder hands
    // them to another node, so the node killed below is not simply the first one started.
    let first = cluster
        .holder_of(0, "automation", Duration::from_secs(15))
        .await;
    cluster.stop(first);
    cluster.add_node();
    let live = cluster.running();
    let victim = cluster
        .holder_of(live[0], "automation", Duration::from_secs(10))
        .await;
    let load = Arc::new(Load::default());
    let mut posters = Vec::new();
    for node in live.iter().copied() {
        for poster in 0..POSTERS_PER_NODE {
            let (client, base, load) = (
                cluster.client.clone(),
                cluster.base(node).to_owned(),
                load.clone(),
            );
            posters.push(tokio::spawn(async move {
                let mut n = 0;
                while !load.stop.load(Ordering::SeqCst) {
                    let id = format!("k{node}-{poster}-{n}");
                    // A new sender, so a new conversation for the engine to welcome, every
                    // fifth message: enough conversations across the kill, few enough for
                    // the engine to catch up with in seconds.
                    let from = format!("s{node}-{poster}-{}", n / 5);
                    n += 1;
                    let killed = *load.killed.lock().expect("lock");
                    if post_hook(&client, &base, &id, &from).await {
                        load.acked.lock().expect("lock").push(id);
                        if killed.is_some_and(|dead| dead != node) {
                            load.acked_after_kill.fetch_add(1, Ordering::SeqCst);
                        }
                        if load.total.fetch_add(1, Ordering::SeqCst) + 1 == BEFORE {
                            load.enough.notify_one();
                        }
                        continue;
                    }
                    // Read again: the kill may have happened while this request was out.
                    match *load.killed.lock().expect("lock") {
                        Some(dead) if dead == node => return,
                        _ => load.refused_by_survivors.lock().expect("lock").push(id),
                    }
                }
            }));
        }
    }
    load.enough.notified().await;
    *load.killed.lock().expect("lock") = Some(victim);
    cluster.kill(victim);
    let killed_at = Instant::now();
    let survivor = *live
        .iter()
        .find(|node| **node != victim)
        .expect("a survivor");
    let heir = cluster
        .holder_of(survivor, "automation", Duration::from_secs(10))
        .await;
    let fail_over = killed_at.elapsed();
    assert_ne!(heir, victim);
    poll_until(
        Duration::from_secs(30),
        "the survivors went on acknowledging",
        || async { load.acked_after_kill.load(Ordering::SeqCst) >= AFTER },
    )
    .await;
    load.stop.store(true, Ordering::SeqCst);
    for poster in posters {
        poster.await.expect("poster");
    }
    let refused = load.refused_by_survivors.lock().expect("lock").clone();
    assert!(refused.is_empty(), "surviving nodes refused {refused:?}");
    let acked = load.acked.lock().expect("lock").clone();

    let pool = cluster.database().await;
    let stored: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT external_id, count(*) FROM messages \
         WHERE channel = 'shop' AND direction = 'in' GROUP BY external_id",
    )
    .fetch_all(&pool)
    .await
    .expect("stored")
    .into_iter()
    .collect();
    let doubled: Vec<(&String, &i64)> = stored.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        doubled.is_empty(),
        "{} stored more than once, e.g. {:?}",
        doubled.len(),
        &doubled[..doubled.len().min(10)]
    );
    let lost: Vec<&String> = acked
        .iter()
        .filter(|id| !stored.contains_key(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged messages lost, e.g. {:?}",
        lost.len(),
        acked.len(),
        &lost[..lost.len().min(10)]
    );
    let unacked = stored.len().saturating_sub(acked.len());

    // The rule engine, now on the heir, caught up from where the dead node left it.
    let caught_up = Instant::now();
    let notes = || async {
        sqlx::query_as::<_, (i64, i64)>(
            "SELECT c.id, count(m.id) FROM conversations c \
             LEFT JOIN messages m ON m.conversation_id = c.id AND m.kind = 'note' \
               AND m.text = 'welcomed' \
             GROUP BY c.id",
        )
        .fetch_all(&pool)
        .await
        .expect("notes")
    };
    let deadline = Instant::now() + Duration::from_secs(40);
    while !notes().await.iter().all(|(_, n)| *n > 0) {
        if Instant::now() > deadline {
            // Where the engine stands, to tell a slow engine from a stuck one.
            let waiting: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT c.id, c.created_at, (SELECT min(e.id) FROM events e \
                   WHERE e.conversation_id = c.id AND e.kind = 'conversation.created') \
                 FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM messages m \
                   WHERE m.conversation_id = c.id AND m.kind = 'note') ORDER BY c.id LIMIT 10",
            )
            .fetch_all(&pool)
            .await
            .expect("waiting");
            let cursor: Option<i64> =
                sqlx::query_scalar("SELECT event_id FROM worker_cursors WHERE name = 'automation'")
                    .fetch_optional(&pool)
                    .await
                    .expect("cursor");
            let latest: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM events")
                .fetch_one(&pool)
                .await
                .expect("latest");
            let leases: Vec<(String, String)> =
                sqlx::query_as("SELECT name, holder FROM leases ORDER BY name")
                    .fetch_all(&pool)
                    .await
                    .unwrap_or_default();
            let sessions: Vec<Session> = sqlx::query_as(
                "SELECT state, wait_event_type, wait_event, left(query, 160) \
                     FROM pg_stat_activity WHERE datname = current_database() \
                       AND pid <> pg_backend_pid() AND state <> 'idle'",
            )
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
            panic!(
                "every conversation welcomed: not within 40 s; unwelcomed (id, created, \
                 conversation.created event) {waiting:?}; automation cursor {cursor:?}, latest \
                 event {latest:?}; leases {leases:?}; busy sessions {sessions:?}"
            );
        }
        tokio::time::sleep(POLL).await;
    }
    let notes = notes().await;
    let twice: Vec<&(i64, i64)> = notes.iter().filter(|(_, n)| *n != 1).collect();
    assert!(
        twice.is_empty(),
        "{} of {} conversations welcomed more than once, e.g. (conversation, notes) {:?}",
        twice.len(),
        notes.len(),
        &twice[..twice.len().min(10)]
    );
    // How far the engine ran behind the inbound load, the fail-over included.
    let slowest_welcome: Option<i64> = sqlx::query_scalar(
        "SELECT max(m.created_at - c.created_at) FROM conversations c \
         JOIN messages m ON m.conversation_id = c.id AND m.kind = 'note'",
    )
    .fetch_one(&pool)
    .await
    .expect("delay");
    eprintln!(
        "kill -9 of node {victim} (automation; first holder {first}, stopped cleanly) after \
         {BEFORE} acknowledged: node {heir} took automation over in {} ms; {} acknowledged \
         ({} after the kill), {unacked} stored without an answer, none lost or doubled; the \
         engine welcomed {} conversations once each, all {:.1} s after the load stopped, the \
         slowest {} ms after its conversation opened",
        fail_over.as_millis(),
        acked.len(),
        load.acked_after_kill.load(Ordering::SeqCst),
        notes.len(),
        caught_up.elapsed().as_secs_f64(),
        slowest_welcome.unwrap_or_default()
    );
    pool.close().await;
}
