//! A contact's erasure (right to be forgotten) end to end: the search index, attachment files
//! on disk (a shared one stays), identities, the tombstone, scrubbed events, `contact.erased`
//! to an event webhook, idempotence, batches, bad input, and a kill -9 in the middle.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use reqwest::Method;
use serde_json::{Value, json};
use switchboard::domain::ContactId;
use switchboard::store::Backend;

use crate::contact_export::{
    BOB_WORD, INVOICE, JAN_WORD, LOGO, blob_path, execute, mail, mail_app, post_mail, seed,
};
use crate::helpers::{SECRET, ServedBinary, TestApp, TestDb, app_backend, hook_body};

/// Loopback event webhook targets are refused by default; this test receives on 127.0.0.1.
const ALLOW_LOOPBACK: &str = "[webhooks]\nallow_private_targets = true\nbackoff_base_ms = 0\n";

/// A local integrator that records the bodies it receives.
async fn receiver() -> (Arc<Mutex<Vec<Value>>>, String) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                sink.lock().expect("lock").push(value);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (received, url)
}

pub(crate) async fn erase(app: &TestApp, id: i64, reason: &str) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/contacts/{id}/erase"),
        json!({"reason": reason}),
    )
    .await
}

/// Polls the job until it is done (bounded).
pub(crate) async fn wait_done(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    job: i64,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let job: Value = client
            .get(format!("{base}/api/v1/erasures/{job}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        if job["state"] != "running" {
            assert_eq!(job["state"], "done", "{job}");
            return job;
        }
        assert!(Instant::now() < deadline, "erasure did not finish: {job}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn search(app: &TestApp, word: &str) -> usize {
    let found = app
        .get_json(&format!("/api/v1/conversations?q={word}"))
        .await;
    found["items"].as_array().expect("items").len()
}

#[tokio::test]
async fn erasure_removes_the_contacts_data_everywhere_and_leaves_a_tombstone() {
    let blobs = tempfile::tempdir().expect("dir");
    let db = TestDb::new(app_backend()).await;
    let url = db.url.clone();
    let app = mail_app(db, blobs.path(), ALLOW_LOOPBACK).await;
    let (received, hook) = receiver().await;
    let subscribed = app
        .post_json("/api/v1/webhooks", json!({"url": hook, "events": ["*"]}))
        .await;
    assert_eq!(subscribed.status(), 201);
    let seeded = seed(&app, &url).await;
    let (jan, bob) = (seeded.jan, seeded.bob);

    // A campaign still to send to Jan.
    execute(
        &url,
        app_backend(),
        &format!(
            "INSERT INTO campaigns (name, filter, spec, state, created_at, updated_at) \
             VALUES ('autumn', '{{\"op\": \"everyone\"}}', '{{\"channels\": []}}', 'running', 0, 0); \
             INSERT INTO campaign_sends (campaign_id, contact_id, channel, address, state) \
             SELECT id, {jan}, 'mail', 'jan@customer.test', 'pending' FROM campaigns WHERE name = 'autumn';"
        ),
    )
    .await;
    // A delivery failure whose error names Jan's address, as mail servers write it.
    let data = "'{\"delivery_status\": \"failed\", \"error\": \"550 jan@customer.test: mailbox unavailable\"}'";
    let data = match app_backend() {
        Backend::Postgres => format!("{data}::jsonb"),
        Backend::Sqlite => data.to_owned(),
    };
    execute(
        &url,
        app_backend(),
        &format!(
            "INSERT INTO events (kind, conversation_id, message_id, data, created_at) \
             SELECT 'message.updated', m.conversation_id, m.id, {data}, 0 FROM messages m \
             JOIN conversations c ON c.id = m.conversation_id WHERE c.contact_id = {jan} \
             ORDER BY m.id LIMIT 1"
        ),
    )
    .await;
    let before = app
        .get(&format!("/api/v1/contacts/{jan}/export"), &app.admin_token)
        .await
        .text()
        .await
        .expect("text");
    assert!(
        before.contains("550 jan@customer.test"),
        "the export has the event"
    );

    // Before: the word is found and both files are on disk.
    assert_eq!(search(&app, JAN_WORD).await, 2);
    assert!(blob_path(blobs.path(), INVOICE).exists());
    assert!(blob_path(blobs.path(), LOGO).exists());

    let response = erase(&app, jan, "GDPR art. 17 request, ticket 4711").await;
    assert_eq!(response.status(), 202);
    let job: Value = response.json().await.expect("json");
    assert_eq!(job["contact_id"], jan);
    let job_id = job["id"].as_i64().expect("id");
    let done = wait_done(&app.client, &app.base, &app.admin_token, job_id).await;
    assert_eq!(done["files_deleted"], 1, "{done}");
    assert_eq!(done["files_kept"], 1, "the logo Bob sent too stays: {done}");

    // Search finds nothing of Jan's, still Bob's.
    assert_eq!(search(&app, JAN_WORD).await, 0);
    assert_eq!(search(&app, BOB_WORD).await, 1);
    // Jan's own file is gone from disk; the one shared with Bob's message stays.
    assert!(!blob_path(blobs.path(), INVOICE).exists());
    assert!(blob_path(blobs.path(), LOGO).exists());

    // The tombstone.
    let contact = app.get_json(&format!("/api/v1/contacts/{jan}")).await;
    assert_eq!(contact["name"], format!("Erased contact #{jan}"));
    assert_eq!(contact["email"], Value::Null);
    assert_eq!(contact["phone"], Value::Null);
    assert_eq!(contact["tags"], json!([]));
    assert_eq!(contact["identities"], json!([]));
    assert_eq!(contact["attributes"], json!({}));

    // The conversations stay as empty shells (reports keep their counts).
    let export: Value = app
        .get(&format!("/api/v1/contacts/{jan}/export"), &app.admin_token)
        .await
        .json()
        .await
        .expect("json");
    let text = export.to_string();
    for personal in [
        JAN_WORD,
        "jan@customer.test",
        "Novák",
        "invoice.pdf",
        "VIP",
        "203.0.113.7",
        "Invoice 42",
        "+420 777",
        "jan-shop-7",
    ] {
        assert!(
            !text.contains(personal),
            "{personal} survived erasure: {text}"
        );
    }
    assert_eq!(export["conversations"].as_array().expect("list").len(), 2);
    assert_eq!(
        export["erasure"]["reason"],
        "GDPR art. 17 request, ticket 4711"
    );
    assert_eq!(export["consents"][0]["proof"], Value::Null);
    assert_eq!(export["consents"][0]["status"], "granted");
    assert_eq!(export["campaign_sends"][0]["address"], Value::Null);
    assert_eq!(export["campaign_sends"][0]["state"], "delivered");
    assert_eq!(
        export["campaign_sends"][1]["state"], "suppressed",
        "nothing more is sent to an erased contact"
    );
    // Suppressions stay: an erased person must stay unsubscribed.
    assert!(
        app.store
            .is_suppressed("email", "jan@customer.test")
            .await
            .expect("suppressed")
    );
    let events = app
        .store
        .contact_events_after(ContactId::new(jan), 0, 1000)
        .await
        .expect("events");
    let (erased, earlier): (Vec<_>, Vec<_>) = events
        .iter()
        .partition(|e| e.kind.as_str() == "contact.erased");
    assert_eq!(erased.len(), 1);
    assert!(!earlier.is_empty());
    let failed = earlier
        .iter()
        .find(|e| e.kind.as_str() == "message.updated")
        .expect("the delivery failure event");
    assert_eq!(
        failed.data,
        json!({"delivery_status": "failed"}),
        "kind, ids and times stay"
    );

    // Bob is untouched.
    let bob_export = app
        .get(&format!("/api/v1/contacts/{bob}/export"), &app.admin_token)
        .await
        .text()
        .await
        .expect("text");
    assert!(bob_export.contains(BOB_WORD) && bob_export.contains("bob@other.test"));

    // The integrator hears `contact.erased`, and no delivery, even of earlier events sent
    // only now, carries Jan's data.
    loop {
        let outcome = app.event_webhooks.run_once().await.expect("webhook pass");
        if outcome.events == 0 && outcome.claimed == 0 {
            break;
        }
    }
    let received = received.lock().expect("lock").clone();
    let erased_event = received
        .iter()
        .find(|body| body["kind"] == "contact.erased")
        .expect("contact.erased delivered");
    assert_eq!(erased_event["contact_id"], jan);
    assert_eq!(erased_event["data"]["erasure_id"], job_id);
    let all = serde_json::to_string(&received).expect("json");
    for personal in [JAN_WORD, "jan@customer.test", "Novák", "Invoice 42"] {
        assert!(
            !all.contains(personal),
            "{personal} delivered after erasure"
        );
    }

    // A new message from the same address starts a new contact.
    post_mail(
        &app,
        &mail(
            "Jan <jan@customer.test>",
            "jan-2@customer.test",
            "Hello again",
            "me again",
            &[],
        ),
    )
    .await;
    let found = app.get_json("/api/v1/contacts?q=jan%40customer.test").await;
    let new = found["items"][0]["id"].as_i64().expect("new contact");
    assert_ne!(new, jan);

    // Asking again returns the same job.
    let again = erase(&app, jan, "again").await;
    assert_eq!(again.status(), 202);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["id"], job_id);
    assert_eq!(again["state"], "done");
    app.stop().await;
}

#[tokio::test]
async fn many_contacts_are_erased_in_one_request_all_or_none() {
    let app = TestApp::spawn().await;
    for n in 0..3 {
        app.post_hook(&hook_body(
            &format!("m{n}"),
            &format!("u{n}"),
            &format!("word{n}x"),
        ))
        .await;
    }
    let mut ids = Vec::new();
    for n in 0..3 {
        let found = app
            .get_json(&format!("/api/v1/contacts?q=Customer%20u{n}"))
            .await;
        ids.push(found["items"][0]["id"].as_i64().expect("id"));
    }
    // One unknown id: nothing is started.
    let refused = app
        .post_json(
            "/api/v1/contacts/erase",
            json!({"ids": [ids[0], 999_999], "reason": "batch"}),
        )
        .await;
    assert_eq!(refused.status(), 404);
    let job = app
        .get(&format!("/api/v1/erasures/{}", 1), &app.admin_token)
        .await;
    assert_eq!(job.status(), 404, "no job was written");

    let response = app
        .post_json(
            "/api/v1/contacts/erase",
            json!({"ids": [ids[0], ids[1]], "reason": "batch"}),
        )
        .await;
    assert_eq!(response.status(), 202);
    let jobs: Value = response.json().await.expect("json");
    let jobs = jobs["items"].as_array().expect("items").clone();
    assert_eq!(jobs.len(), 2);
    for job in &jobs {
        wait_done(
            &app.client,
            &app.base,
            &app.admin_token,
            job["id"].as_i64().expect("id"),
        )
        .await;
    }
    assert_eq!(search(&app, "word0x").await, 0);
    assert_eq!(search(&app, "word1x").await, 0);
    assert_eq!(
        search(&app, "word2x").await,
        1,
        "the third contact was not asked for"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_erasure_requests_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    app.post_hook(&hook_body("m1", "u1", "keepme")).await;
    let contacts = app.get_json("/api/v1/contacts").await;
    let id = contacts["items"][0]["id"].as_i64().expect("id");
    let path = format!("/api/v1/contacts/{id}/erase");
    let cases = [
        (json!({}), 400),
        (json!({"reason": ""}), 422),
        (json!({"reason": "   "}), 422),
        (json!({"reason": "x".repeat(501)}), 422),
        (json!({"reason": "a\nb"}), 422),
        (json!({"reason": "ok", "extra": 1}), 400),
    ];
    for (body, status) in cases {
        let response = app.post_json(&path, body.clone()).await;
        assert_eq!(response.status(), status, "{body}");
        let error: Value = response.json().await.expect("json");
        assert!(error["error"]["message"].is_string(), "{error}");
    }
    let batch = [
        (json!({"ids": [], "reason": "r"}), 422),
        (
            json!({"ids": (0..101).collect::<Vec<_>>(), "reason": "r"}),
            422,
        ),
        (json!({"ids": [id]}), 400),
    ];
    for (body, status) in batch {
        let response = app.post_json("/api/v1/contacts/erase", body.clone()).await;
        assert_eq!(response.status(), status, "{body}");
    }
    for role in ["agent", "marketer"] {
        let token = app.token(role).await;
        let response = app
            .send(Method::POST, &path, &token, json!({"reason": "mine"}))
            .await;
        assert_eq!(response.status(), 403, "{role}");
        let response = app
            .send(
                Method::POST,
                "/api/v1/contacts/erase",
                &token,
                json!({"ids": [id], "reason": "mine"}),
            )
            .await;
        assert_eq!(response.status(), 403, "{role}");
    }
    let unknown = app
        .post_json("/api/v1/contacts/999999/erase", json!({"reason": "r"}))
        .await;
    assert_eq!(unknown.status(), 404);
    // Nothing was erased.
    assert_eq!(search(&app, "keepme").await, 1);
    assert!(
        app.store
            .find_erasure_of(ContactId::new(id))
            .await
            .expect("job")
            .is_none()
    );
    app.stop().await;
}

/// kill -9 while the erasure is half done: the restarted service resumes and finishes it,
/// counting each message once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_killed_midway_resumes_after_restart() {
    const MESSAGES: usize = 12;
    let dir = tempfile::tempdir().expect("dir");
    let config = |pause_ms: u64| {
        format!(
            "[privacy]\nerasure_batch = 1\nerasure_pause_ms = {pause_ms}\nerasure_claim_ms = 1000\n\n\
             [[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = {SECRET:?}\n"
        )
    };
    // Slow enough to be caught in the messages step: one message per batch, 150 ms apart.
    std::fs::write(dir.path().join("switchboard.toml"), config(150)).expect("config");
    let db = TestDb::new(app_backend()).await;
    let served = ServedBinary::start(dir.path(), &db.url);
    let token = served.token().expect("first run prints a token");
    let ServedBinary {
        mut child, base, ..
    } = served;
    let client = reqwest::Client::new();
    for n in 0..MESSAGES {
        let body = hook_body(&format!("k{n}"), "killme", "crashword");
        let response = client
            .post(format!("{base}/hooks/shop"))
            .headers(crate::helpers::signed_headers(
                SECRET.as_bytes(),
                body.as_bytes(),
            ))
            .body(body)
            .send()
            .await
            .expect("post");
        assert!(response.status().is_success());
    }
    let contacts: Value = client
        .get(format!("{base}/api/v1/contacts"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("contacts")
        .json()
        .await
        .expect("json");
    let id = contacts["items"][0]["id"].as_i64().expect("id");
    let job: Value = client
        .post(format!("{base}/api/v1/contacts/{id}/erase"))
        .bearer_auth(&token)
        .json(&json!({"reason": "crash test"}))
        .send()
        .await
        .expect("erase")
        .json()
        .await
        .expect("json");
    let job_id = job["id"].as_i64().expect("job");
    // Wait until a few messages are erased, then kill.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let job: Value = client
            .get(format!("{base}/api/v1/erasures/{job_id}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("job")
            .json()
            .await
            .expect("json");
        if job["step"] == "messages" && job["messages_erased"].as_i64() >= Some(2) {
            break;
        }
        assert_eq!(job["state"], "running", "finished before the kill: {job}");
        assert!(
            Instant::now() < deadline,
            "erasure never reached its messages: {job}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");

    std::fs::write(dir.path().join("switchboard.toml"), config(0)).expect("config");
    let served = ServedBinary::start(dir.path(), &db.url);
    let ServedBinary {
        mut child, base, ..
    } = served;
    let done = wait_done(&client, &base, &token, job_id).await;
    assert_eq!(
        done["messages_erased"], MESSAGES as i64,
        "each message once: {done}"
    );
    let found: Value = client
        .get(format!("{base}/api/v1/conversations?q=crashword"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    assert_eq!(found["items"], json!([]));
    child.kill().expect("stop");
    child.wait().expect("reap");
}
