//! Kill -9 under load: every message that got a 2xx survives, and none is doubled.
//! Runs the real binary, as an operator would.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::Value;
use switchboard::store::{ConnectOptions, Store};
use tokio::sync::{Mutex, Notify};

use crate::helpers::{SECRET, ServedBinary, TestDb, app_backend, hook_body};

async fn post(client: &reqwest::Client, base: &str, body: &str) -> Option<Value> {
    let response = client
        .post(format!("{base}/hooks/shop"))
        .headers(crate::helpers::signed_headers(
            SECRET.as_bytes(),
            body.as_bytes(),
        ))
        .body(body.to_owned())
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.json().await.ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_no_acknowledged_message() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        format!("[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = {SECRET:?}\n"),
    )
    .expect("config");
    let db = TestDb::new(app_backend()).await;
    let served = ServedBinary::start(dir.path(), &db.url);
    let first_run = served.token();
    let ServedBinary {
        mut child, base, ..
    } = served;
    // The first run prints an admin token, as the README promises, and it works.
    let token = first_run.expect("a first run prints the admin token");
    let listed = reqwest::Client::new()
        .get(format!("{base}/api/v1/conversations"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(listed.status(), 200);

    let client = reqwest::Client::new();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());
    let killed = Arc::new(AtomicBool::new(false));
    let mut posters = Vec::new();
    for worker in 0..8 {
        let (client, base, acked, count, enough, killed) = (
            client.clone(),
            base.clone(),
            acked.clone(),
            count.clone(),
            enough.clone(),
            killed.clone(),
        );
        posters.push(tokio::spawn(async move {
            for i in 0..10_000 {
                let id = format!("w{worker}-{i}");
                match post(
                    &client,
                    &base,
                    &hook_body(&id, &format!("c{}", i % 50), "crash me"),
                )
                .await
                {
                    Some(_) => {
                        acked.lock().await.push(id);
                        if count.fetch_add(1, Ordering::SeqCst) + 1 == 300 {
                            enough.notify_one();
                        }
                    }
                    None if killed.load(Ordering::SeqCst) => return,
                    None => panic!("request {id} refused before the kill"),
                }
            }
        }));
    }
    enough.notified().await;
    killed.store(true, Ordering::SeqCst);
    child.kill().expect("SIGKILL"); // std's kill() is SIGKILL on Unix
    child.wait().expect("reap");
    for poster in posters {
        poster.await.expect("poster");
    }
    let acked = acked.lock().await.clone();
    assert!(acked.len() >= 300);

    // Restart on the same database: every acknowledged message must be there already.
    let served = ServedBinary::start(dir.path(), &db.url);
    let second_run = served.token();
    let ServedBinary {
        mut child, base, ..
    } = served;
    assert_eq!(second_run, None, "a restart creates no second admin");
    let store = Store::connect(&ConnectOptions::new(db.url.clone()))
        .await
        .expect("store");
    let stored_before = store.count_messages().await.expect("count");
    assert!(
        stored_before >= acked.len() as i64,
        "{stored_before} stored < {} acknowledged",
        acked.len()
    );
    for (n, id) in acked.iter().enumerate() {
        let worker_i: Vec<&str> = id.trim_start_matches('w').split('-').collect();
        let i: usize = worker_i[1].parse().expect("index");
        let receipt = post(
            &client,
            &base,
            &hook_body(id, &format!("c{}", i % 50), "crash me"),
        )
        .await
        .expect("redelivery accepted");
        assert_eq!(
            receipt["duplicates"], 1,
            "acknowledged message #{n} ({id}) was lost by the kill"
        );
    }
    assert_eq!(
        store.count_messages().await.expect("count"),
        stored_before,
        "redelivery doubled nothing"
    );
    store.close().await;
    child.kill().expect("stop");
    child.wait().expect("reap");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_work_and_exits_cleanly() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        format!("[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = {SECRET:?}\n"),
    )
    .expect("config");
    let db = TestDb::new(app_backend()).await;
    let ServedBinary {
        mut child, base, ..
    } = ServedBinary::start(dir.path(), &db.url);
    let client = reqwest::Client::new();
    let acked = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(Notify::new());
    let mut posters = Vec::new();
    for worker in 0..4 {
        let (client, base, acked, started) =
            (client.clone(), base.clone(), acked.clone(), started.clone());
        posters.push(tokio::spawn(async move {
            for i in 0..10_000 {
                let body = hook_body(&format!("t{worker}-{i}"), "c1", "shutting down soon");
                if post(&client, &base, &body).await.is_none() {
                    return;
                }
                if acked.fetch_add(1, Ordering::SeqCst) + 1 == 100 {
                    started.notify_one();
                }
            }
        }));
    }
    started.notified().await;
    let pid = child.id().to_string();
    let term = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let status = child.wait().expect("wait");
    assert!(
        status.success(),
        "graceful shutdown must exit 0, got {status}"
    );
    for poster in posters {
        poster.await.expect("poster");
    }
    let store = Store::connect(&ConnectOptions::new(db.url.clone()))
        .await
        .expect("store");
    let stored = store.count_messages().await.expect("count");
    let acked = acked.load(Ordering::SeqCst) as i64;
    assert!(stored >= acked, "{stored} stored < {acked} acknowledged");
    store.close().await;
    db.cleanup().await;
}
