//! Kill -9 in the middle of a campaign, against the real binary and a local HTTP sink:
//! after a restart every recipient has the message (none skipped), the ledger says each was
//! sent once, and the only repeats are of the batches in flight at the kill, carrying the
//! same message id so the peer can drop them.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard::store::{ConnectOptions, Store};

use crate::helpers::{SECRET, TestDb, app_backend};

const RECIPIENTS: usize = 600;
const BATCH: usize = 10;
const PARALLEL: usize = 2;

fn start(dir: &std::path::Path, database_url: &str) -> (Child, String, Option<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir)
        .env("SWITCHBOARD_DATABASE_URL", database_url)
        .env("SWITCHBOARD_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start switchboard");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut token = None;
    let base = loop {
        let line = lines
            .next()
            .expect("exited before listening")
            .expect("read");
        if let Some(address) = line.strip_prefix("listening on ") {
            break address.trim().to_owned();
        }
        if line.trim().starts_with("sb_") && token.is_none() {
            token = Some(line.trim().to_owned());
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, base, token)
}

/// A local peer for the webhook channel that records every message id it is given.
async fn sink() -> (String, Arc<Mutex<Vec<String>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let seen = received.clone();
    let router = axum::Router::new().route(
        "/cb",
        axum::routing::post(move |body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                let payload: Value = serde_json::from_slice(&body).unwrap_or_default();
                let id = payload["id"].as_str().unwrap_or_default().to_owned();
                seen.lock().expect("lock").push(id.clone());
                axum::Json(json!({"id": format!("peer-{id}")}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/cb", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, received)
}

async fn campaign_state(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: i64,
) -> Option<Value> {
    let response = client
        .get(format!("{base}/api/v1/campaigns/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .ok()?;
    response.json().await.ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_campaign_skips_nobody_and_repeats_only_the_batch_in_flight() {
    let (callback, received) = sink().await;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        format!(
            "[campaigns]\nbatch_size = {BATCH}\nparallel_batches = {PARALLEL}\npoll_interval_ms = 50\nlease_secs = 2\n\n\
             [[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = {SECRET:?}\ncallback_url = {callback:?}\n"
        ),
    )
    .expect("config");
    let db = TestDb::new(app_backend()).await;
    let (mut child, base, token) = start(dir.path(), &db.url);
    let token = token.expect("first run prints a token");
    let store = Store::connect(&ConnectOptions::new(db.url.clone()))
        .await
        .expect("store");
    store
        .seed_campaign_contacts(RECIPIENTS as i64, "webhook:shop", "webhook")
        .await
        .expect("seed");
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{base}/api/v1/campaigns"))
        .bearer_auth(&token)
        .json(&json!({"name": "Crash", "filter": {"op": "everyone"},
                      "channels": [{"channel": "shop", "body": "hello {{ contact.name }}", "rate_per_sec": 400.0}]}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = created["id"].as_i64().expect("id");
    let started = client
        .post(format!("{base}/api/v1/campaigns/{id}/start"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("start");
    assert_eq!(started.status(), 200);

    // Kill once a third has gone out.
    let deadline = Instant::now() + Duration::from_secs(60);
    while received.lock().expect("lock").len() < RECIPIENTS / 3 {
        assert!(Instant::now() < deadline, "the campaign never got going");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let at_kill = received.lock().expect("lock").len();
    assert!(at_kill < RECIPIENTS, "killed too late to test anything");

    // Restart on the same database and let it finish (leases of the dead worker run out).
    let (mut child, base, _) = start(dir.path(), &db.url);
    let token = {
        let token = switchboard::tokens::generate();
        store
            .create_token(&switchboard::store::NewToken {
                name: "after crash".into(),
                role: switchboard::domain::Role::Admin,
                agent: None,
                hash: switchboard::tokens::hash(&token),
            })
            .await
            .expect("token");
        token
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let view = loop {
        if let Some(view) = campaign_state(&client, &base, &token, id).await
            && view["state"] == "finished"
        {
            break view;
        }
        assert!(
            Instant::now() < deadline,
            "the campaign did not finish after the restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    child.kill().expect("stop");
    child.wait().expect("reap");

    let received = received.lock().expect("lock").clone();
    let mut per_id: HashMap<&str, usize> = HashMap::new();
    for message in &received {
        *per_id.entry(message.as_str()).or_default() += 1;
    }
    assert_eq!(
        per_id.len(),
        RECIPIENTS,
        "every recipient got the message: none skipped"
    );
    let prefix = format!("campaign-{id}-");
    assert!(per_id.keys().all(|message| message.starts_with(&prefix)));
    let repeats = received.len() - per_id.len();
    eprintln!("kill -9 after {at_kill} sends; {repeats} repeated after the restart");
    assert!(
        repeats <= BATCH * PARALLEL,
        "{repeats} repeats: more than the batches in flight at the kill"
    );
    assert_eq!(
        view["funnel"]["total"]["sent"], RECIPIENTS as i64,
        "the ledger counts each once"
    );
    assert_eq!(view["funnel"]["total"]["failed"], 0);
    assert_eq!(view["funnel"]["total"]["pending"], 0);
    store.close().await;
    db.cleanup().await;
}
