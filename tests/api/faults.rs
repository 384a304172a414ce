//! Faults: the database going away under inbound traffic. Every hook answered 2xx is stored
//! exactly once; while nothing can be committed the service answers 503 with `Retry-After`;
//! it recovers by itself when the database is back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cut_proxy::CutProxy;
use crate::helpers::{SECRET, TestApp, TestDb, hook_body, postgres_server};

/// Concurrent senders of the inbound traffic.
const SENDERS: usize = 4;
/// Upper bound on the requests of one sender, so a broken service cannot make the test spin.
const MAX_REQUESTS_PER_SENDER: usize = 400;

/// What one hook request got back.
#[derive(Debug, Clone)]
struct Answer {
    id: String,
    status: u16,
    retry_after: Option<String>,
    code: Option<String>,
}

/// A provider delivering webhooks one after another on each of `SENDERS` connections.
struct Traffic {
    answers: Arc<Mutex<Vec<Answer>>>,
    stop: Arc<AtomicBool>,
    senders: Vec<tokio::task::JoinHandle<()>>,
}

impl Traffic {
    fn start(base: &str) -> Self {
        let answers = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let senders = (0..SENDERS)
            .map(|sender| {
                let (answers, stop) = (answers.clone(), stop.clone());
                let url = format!("{base}/hooks/shop");
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    for n in 0..MAX_REQUESTS_PER_SENDER {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let id = format!("m-{sender}-{n}");
                        let answer = post(&client, &url, &id).await;
                        answers.lock().expect("lock").push(answer);
                    }
                })
            })
            .collect();
        Self {
            answers,
            stop,
            senders,
        }
    }

    fn answers(&self) -> Vec<Answer> {
        self.answers.lock().expect("lock").clone()
    }

    /// Waits (bounded) until `condition` holds for the answers so far.
    async fn wait_until(&self, what: &str, condition: impl Fn(&[Answer]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !condition(&self.answers()) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn finish(self) -> Vec<Answer> {
        self.stop.store(true, Ordering::Relaxed);
        let answers = self.answers.clone();
        for sender in self.senders {
            sender.await.expect("sender");
        }
        answers.lock().expect("lock").clone()
    }
}

async fn post(client: &reqwest::Client, url: &str, id: &str) -> Answer {
    let body = hook_body(id, &format!("u-{id}"), "is my order shipped?");
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .headers(crate::helpers::signed_headers(SECRET.as_bytes(), &body))
        .body(body)
        .send()
        .await
        .expect("the service answers even while its database is down");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .map(|value| value.to_str().expect("ascii").to_owned());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    Answer {
        id: id.to_owned(),
        status,
        retry_after,
        code: body["error"]["code"].as_str().map(str::to_owned),
    }
}

/// How many times each inbound external id is stored, read directly (not through the proxy).
async fn stored_counts(direct_url: &str) -> HashMap<String, i64> {
    let pool = sqlx::PgPool::connect(direct_url)
        .await
        .expect("direct connection");
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT external_id, COUNT(*) FROM messages \
         WHERE direction = 'in' AND external_id IS NOT NULL GROUP BY external_id",
    )
    .fetch_all(&pool)
    .await
    .expect("count messages");
    pool.close().await;
    rows.into_iter().collect()
}

/// PostgreSQL goes away (every connection dropped, new ones refused) in the middle of inbound
/// traffic and comes back. PostgreSQL only: the outage is staged with a proxy in front of the
/// shared test server, which other tests keep using (restarting it would break them).
#[tokio::test]
async fn postgres_outage_under_inbound_traffic_answers_503_and_loses_no_acknowledged_message() {
    let Some(_) = postgres_server() else {
        return;
    };
    let mut db = TestDb::new(switchboard::store::Backend::Postgres).await;
    let direct_url = db.url.clone();
    let proxy = CutProxy::start(CutProxy::upstream_of(&direct_url).await).await;
    db.url = proxy.route(&direct_url);
    let app = TestApp::spawn_on_with(db, "acquire_timeout_ms = 500", "").await;

    let traffic = Traffic::start(&app.base);
    traffic
        .wait_until("traffic before the outage", |answers| {
            answers.iter().filter(|a| a.status == 200).count() >= 40
        })
        .await;

    proxy.cut();
    let cut_at = traffic.answers().len();
    traffic
        .wait_until("refusals during the outage", |answers| {
            answers[cut_at..].iter().filter(|a| a.status == 503).count() >= 3 * SENDERS
        })
        .await;
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503, "not ready while the database is down");
    let api = app.get("/api/v1/conversations", &app.admin_token).await;
    assert_eq!(api.status(), 503, "the API too says the database is down");
    assert!(api.headers().contains_key(reqwest::header::RETRY_AFTER));
    let api: Value = api.json().await.expect("json error");
    assert_eq!(api["error"]["code"], "database_unavailable");

    proxy.restore().await;
    let restored_at = traffic.answers().len();
    traffic
        .wait_until("traffic after the outage", |answers| {
            answers[restored_at..]
                .iter()
                .filter(|a| a.status == 200)
                .count()
                >= 40
        })
        .await;
    let answers = traffic.finish().await;
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200, "ready again without a restart");

    for answer in &answers {
        match answer.status {
            200 => {}
            503 => {
                assert!(
                    answer.retry_after.is_some(),
                    "503 without Retry-After: {answer:?}"
                );
                assert_eq!(
                    answer.code.as_deref(),
                    Some("database_unavailable"),
                    "{answer:?}"
                );
            }
            _ => panic!("neither stored nor a retryable refusal: {answer:?}"),
        }
    }
    let stored = stored_counts(&direct_url).await;
    for answer in answers.iter().filter(|a| a.status == 200) {
        assert_eq!(
            stored.get(&answer.id),
            Some(&1),
            "acknowledged once: {answer:?}"
        );
    }

    // The provider redelivers what was refused: each is stored now, once, even those whose
    // commit went through just before the connection dropped (answered 503 in doubt).
    let client = reqwest::Client::new();
    let url = app.url("/hooks/shop");
    let refused: Vec<&Answer> = answers.iter().filter(|a| a.status == 503).collect();
    for answer in &refused {
        assert_eq!(
            post(&client, &url, &answer.id).await.status,
            200,
            "{answer:?}"
        );
    }
    let stored = stored_counts(&direct_url).await;
    assert!(
        stored.values().all(|&count| count == 1),
        "nothing stored twice"
    );
    for answer in &answers {
        assert_eq!(stored.get(&answer.id), Some(&1), "{answer:?}");
    }
    app.stop().await;
}
