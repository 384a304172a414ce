//! Outbound event webhooks end to end: subscribe through the API, ingest a message, drive the
//! worker, and check what a local receiver got: signed deliveries, retries after a 500 with
//! both attempts in the log, replay, event filters, the SSRF guard and deletion.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use switchboard::domain::{EventSelection, Millis};
use switchboard::store::{Backend, NewWebhook, PageRequest};

use crate::helpers::{SECRET, TestApp, TestDb, app_backend, backends, hook_body};

/// Loopback targets are refused by default; these tests receive on 127.0.0.1.
const ALLOW_LOOPBACK: &str = "[webhooks]\nallow_private_targets = true\nbackoff_base_ms = 0\n";

/// A local integrator: records every delivery and answers with queued statuses (200 after).
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    answers: Arc<Mutex<VecDeque<StatusCode>>>,
    arrived: Arc<tokio::sync::Notify>,
}

impl Receiver {
    async fn spawn() -> (Self, String) {
        async fn receive(
            axum::extract::State(receiver): axum::extract::State<Receiver>,
            headers: HeaderMap,
            body: Bytes,
        ) -> (StatusCode, &'static str) {
            receiver
                .received
                .lock()
                .expect("lock")
                .push((headers, body));
            receiver.arrived.notify_waiters();
            let answer = receiver.answers.lock().expect("lock").pop_front();
            match answer {
                Some(status) => (status, "receiver is down"),
                None => (StatusCode::OK, "ok"),
            }
        }
        let receiver = Receiver::default();
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        (receiver, url)
    }

    fn answer_next(&self, status: StatusCode) {
        self.answers.lock().expect("lock").push_back(status);
    }

    /// The bodies received so far, as JSON.
    fn bodies(&self) -> Vec<Value> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, body)| serde_json::from_slice(body).expect("JSON body"))
            .collect()
    }

    /// Waits (bounded) until a delivery of `kind` has arrived.
    async fn wait_for(&self, kind: &str) {
        let arrived = tokio::time::timeout(std::time::Duration::from_secs(15), async {
            loop {
                let next = self.arrived.notified();
                if self.kinds().iter().any(|seen| seen == kind) {
                    return;
                }
                next.await;
            }
        })
        .await;
        assert!(arrived.is_ok(), "no {kind} delivery within 15 s");
    }

    fn kinds(&self) -> Vec<String> {
        self.bodies()
            .iter()
            .map(|body| body["kind"].as_str().expect("kind").to_owned())
            .collect()
    }
}

/// Runs the worker until it has nothing left to fan out or send.
async fn drain(app: &TestApp) {
    loop {
        let outcome = app.event_webhooks.run_once().await.expect("webhook pass");
        if outcome.events == 0 && outcome.claimed == 0 {
            break;
        }
    }
}

/// Subscribes `url` to `events` and returns the created subscription (with its secret).
async fn subscribe(app: &TestApp, url: &str, events: Value) -> Value {
    let created = app
        .post_json("/api/v1/webhooks", json!({"url": url, "events": events}))
        .await;
    assert_eq!(created.status(), 201);
    created.json().await.expect("json")
}

/// Checks a delivery's signature the way README "Event webhooks" tells integrators to.
fn assert_signed(secret: &str, headers: &HeaderMap, body: &[u8]) {
    let timestamp = headers["x-switchboard-timestamp"].to_str().expect("ascii");
    let signature = headers["x-switchboard-signature"].to_str().expect("ascii");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(signature, expected, "signature over <timestamp>.<body>");
    let now = chrono::Utc::now().timestamp();
    switchboard::event_webhooks::verify(secret.as_bytes(), timestamp, body, signature, now, 300)
        .expect("the published verifier agrees");
}

async fn delivery_log(app: &TestApp, webhook: &Value) -> Vec<Value> {
    let log = app
        .get_json(&format!("/api/v1/webhooks/{}/deliveries", webhook["id"]))
        .await;
    log["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn events_are_delivered_once_signed_and_logged() {
    let app = TestApp::spawn_with(ALLOW_LOOPBACK).await;
    let (receiver, url) = Receiver::spawn().await;
    let webhook = subscribe(&app, &url, json!(["*"])).await;
    let secret = webhook["secret"].as_str().expect("secret shown once");
    assert!(secret.len() >= 32);
    let listed = app.get_json("/api/v1/webhooks").await;
    assert_eq!(listed[0]["url"], url);
    assert_eq!(listed[0]["events"], json!(["*"]));
    assert!(
        listed[0].get("secret").is_none(),
        "secrets are never listed"
    );

    let receipt: Value = app
        .post_hook(&hook_body("m1", "u1", "Where is my order?"))
        .await
        .json()
        .await
        .expect("json");
    let message_id = &receipt["messages"][0]["message_id"];
    drain(&app).await;

    let kinds = receiver.kinds();
    assert!(
        kinds.contains(&"conversation.created".to_owned()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"message.created".to_owned()), "{kinds:?}");
    for (headers, body) in receiver.received.lock().expect("lock").iter() {
        assert_eq!(headers["content-type"], "application/json");
        assert_signed(secret, headers, body);
        let payload: Value = serde_json::from_slice(body).expect("json");
        assert_eq!(
            headers["x-switchboard-event"],
            payload["kind"].as_str().expect("kind")
        );
        assert_eq!(
            headers["x-switchboard-delivery"],
            payload["delivery_id"].to_string().as_str()
        );
    }
    let message = receiver
        .bodies()
        .into_iter()
        .find(|body| body["kind"] == "message.created")
        .expect("message.created");
    assert_eq!(&message["message_id"], message_id);
    assert!(message["id"].is_i64() && message["conversation_id"].is_i64());
    assert!(message["created_at"].is_string());

    // Nothing is sent twice: a later pass finds no new events and nothing due.
    let sent = receiver.received.lock().expect("lock").len();
    drain(&app).await;
    assert_eq!(receiver.received.lock().expect("lock").len(), sent);

    let log = delivery_log(&app, &webhook).await;
    assert_eq!(log.len(), sent);
    for delivery in &log {
        assert_eq!(delivery["state"], "delivered");
        assert_eq!(delivery["last_status"], 200);
        assert_eq!(delivery["history"].as_array().expect("history").len(), 1);
        assert!(delivery["delivered_at"].is_string());
    }
    app.stop().await;
}

#[tokio::test]
async fn a_500_is_retried_and_both_attempts_are_in_the_log() {
    let app = TestApp::spawn_with(ALLOW_LOOPBACK).await;
    let (receiver, url) = Receiver::spawn().await;
    let webhook = subscribe(&app, &url, json!(["message.created"])).await;
    receiver.answer_next(StatusCode::INTERNAL_SERVER_ERROR);
    app.post_hook(&hook_body("m1", "u1", "hello")).await;

    // First pass: the receiver answers 500 and the delivery waits for its retry.
    let first = app.event_webhooks.run_once().await.expect("pass");
    assert_eq!((first.claimed, first.retried), (1, 1));
    let log = delivery_log(&app, &webhook).await;
    assert_eq!(log[0]["state"], "pending");
    assert_eq!(log[0]["last_status"], 500);
    assert!(
        log[0]["last_error"]
            .as_str()
            .expect("error")
            .starts_with("HTTP 500")
    );
    drain(&app).await;

    let received = receiver.received.lock().expect("lock").clone();
    assert_eq!(received.len(), 2, "one failed attempt, one retry");
    let secret = webhook["secret"].as_str().expect("secret");
    for (headers, body) in &received {
        assert_signed(secret, headers, body);
    }
    assert_eq!(
        received[0].0["x-switchboard-delivery"], received[1].0["x-switchboard-delivery"],
        "a retry is the same delivery"
    );
    let log = delivery_log(&app, &webhook).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "delivered");
    assert_eq!(log[0]["attempts"], 2);
    assert_eq!(log[0]["last_status"], 200);
    let statuses: Vec<&Value> = log[0]["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|attempt| &attempt["status"])
        .collect();
    assert_eq!(statuses, [&json!(500), &json!(200)]);
    app.stop().await;
}

#[tokio::test]
async fn a_replayed_delivery_is_sent_again() {
    let app = TestApp::spawn_with(ALLOW_LOOPBACK).await;
    let (receiver, url) = Receiver::spawn().await;
    let webhook = subscribe(&app, &url, json!(["message.created"])).await;
    app.post_hook(&hook_body("m1", "u1", "hello")).await;
    drain(&app).await;
    assert_eq!(receiver.kinds(), ["message.created"]);
    let delivery = delivery_log(&app, &webhook).await.remove(0);
    assert_eq!(delivery["state"], "delivered");

    let replayed = app
        .post_json(
            &format!("/api/v1/webhooks/deliveries/{}/replay", delivery["id"]),
            json!({}),
        )
        .await;
    assert_eq!(replayed.status(), 202);
    let replayed: Value = replayed.json().await.expect("json");
    assert_eq!(replayed["state"], "pending");
    assert_eq!(replayed["attempts"], 0);
    drain(&app).await;

    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1], "the same event, the same delivery id");
    let delivery = delivery_log(&app, &webhook).await.remove(0);
    assert_eq!(delivery["state"], "delivered");
    assert_eq!(delivery["history"].as_array().expect("history").len(), 2);

    let missing = app
        .post_json("/api/v1/webhooks/deliveries/999999/replay", json!({}))
        .await;
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn only_selected_events_are_delivered() {
    let app = TestApp::spawn_with(ALLOW_LOOPBACK).await;
    let (receiver, url) = Receiver::spawn().await;
    subscribe(&app, &url, json!(["conversation.created"])).await;
    app.post_hook(&hook_body("m1", "u1", "first")).await;
    app.post_hook(&hook_body("m2", "u1", "second, same conversation"))
        .await;
    drain(&app).await;
    assert_eq!(receiver.kinds(), ["conversation.created"]);

    // A subscription gets only what happens after it, and a paused one nothing.
    let (late, late_url) = Receiver::spawn().await;
    let paused = subscribe(&app, &late_url, json!(["message.created"])).await;
    let paused_response = app
        .send(
            Method::PATCH,
            &format!("/api/v1/webhooks/{}", paused["id"]),
            &app.admin_token,
            json!({"active": false}),
        )
        .await;
    assert_eq!(paused_response.status(), 200);
    app.post_hook(&hook_body("m3", "u1", "while paused")).await;
    drain(&app).await;
    app.send(
        Method::PATCH,
        &format!("/api/v1/webhooks/{}", paused["id"]),
        &app.admin_token,
        json!({"active": true}),
    )
    .await;
    app.post_hook(&hook_body("m4", "u1", "after resuming"))
        .await;
    drain(&app).await;
    let texts: Vec<Value> = late
        .bodies()
        .into_iter()
        .map(|body| body["message_id"].clone())
        .collect();
    assert_eq!(texts.len(), 1, "only the message after resuming: {texts:?}");
    app.stop().await;
}

#[tokio::test]
async fn private_targets_and_bad_subscriptions_are_refused_with_nothing_stored() {
    let app = TestApp::spawn().await; // the default config: the SSRF guard is on
    let (_receiver, url) = Receiver::spawn().await;
    let refused = app
        .post_json("/api/v1/webhooks", json!({"url": url, "events": ["*"]}))
        .await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.expect("json");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("loopback"), "{message}");
    assert!(message.contains("allow_private_targets"), "{message}");

    for (request, status) in [
        (
            json!({"url": "http://169.254.169.254/latest", "events": ["*"]}),
            422,
        ),
        (json!({"url": "http://10.0.0.8/hook", "events": ["*"]}), 422),
        (
            json!({"url": "ftp://example.com/hook", "events": ["*"]}),
            422,
        ),
        (
            json!({"url": "https://example.com/hook", "events": ["message.sent"]}),
            422,
        ),
        (
            json!({"url": "https://example.com/hook", "events": []}),
            422,
        ),
        (
            json!({"url": "https://example.com/hook", "events": ["*"], "secret": "short"}),
            422,
        ),
        (json!({"events": ["*"]}), 400),
    ] {
        let response = app.post_json("/api/v1/webhooks", request.clone()).await;
        assert_eq!(response.status(), status, "{request}");
        let body: Value = response.json().await.expect("json");
        assert!(body["error"]["message"].is_string(), "{body}");
    }
    assert_eq!(app.get_json("/api/v1/webhooks").await, json!([]));
    app.stop().await;
}

#[tokio::test]
async fn deleting_a_subscription_stops_its_deliveries() {
    let app = TestApp::spawn_with(ALLOW_LOOPBACK).await;
    let (receiver, url) = Receiver::spawn().await;
    let webhook = subscribe(&app, &url, json!(["message.created"])).await;
    receiver.answer_next(StatusCode::SERVICE_UNAVAILABLE);
    app.post_hook(&hook_body("m1", "u1", "hello")).await;
    let first = app.event_webhooks.run_once().await.expect("pass");
    assert_eq!(first.retried, 1, "a retry is pending");

    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/webhooks/{}", webhook["id"]),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    app.post_hook(&hook_body("m2", "u1", "after deletion"))
        .await;
    drain(&app).await;
    assert_eq!(receiver.received.lock().expect("lock").len(), 1);
    let gone = app
        .get(
            &format!("/api/v1/webhooks/{}/deliveries", webhook["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(gone.status(), 404);
    app.stop().await;
}

/// Appends an event with a chosen id, as a writer whose transaction commits late would.
async fn insert_event(backend: Backend, url: &str, id: i64) {
    let sql =
        "INSERT INTO events (id, kind, data, created_at) VALUES ($1, 'contact.created', '{}', $2)";
    let now = Millis::now().0;
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
            sqlx::query(sql)
                .bind(id)
                .bind(now)
                .execute(&pool)
                .await
                .expect("insert");
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.expect("postgres");
            sqlx::query(sql)
                .bind(id)
                .bind(now)
                .execute(&pool)
                .await
                .expect("insert");
            pool.close().await;
        }
    }
}

#[tokio::test]
async fn fan_out_is_exactly_once_across_restarts_and_finds_late_commits() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let webhook = store
            .create_webhook(&NewWebhook {
                url: "https://example.com/hook".into(),
                secret: "0123456789abcdef".into(),
                events: EventSelection::All,
            })
            .await
            .expect("subscribe");
        insert_event(backend, &db.url, 1).await;
        insert_event(backend, &db.url, 3).await; // id 2 is still "in flight"
        let first = store.fan_out_events(100).await.expect("fan out");
        assert_eq!((first.events, first.deliveries), (2, 2), "{backend:?}");

        insert_event(backend, &db.url, 2).await; // ... and commits late
        let second = store.fan_out_events(100).await.expect("fan out");
        assert_eq!(second.deliveries, 1, "{backend:?}: the late event is found");

        // A restart continues from the committed cursor: nothing is queued twice.
        store.close().await;
        let store = db.store().await;
        assert_eq!(
            store.fan_out_events(100).await.expect("fan out").deliveries,
            0
        );
        insert_event(backend, &db.url, 4).await;
        assert_eq!(
            store.fan_out_events(100).await.expect("fan out").deliveries,
            1
        );

        let log = store
            .list_webhook_deliveries(webhook.id, None, PageRequest::first(50))
            .await
            .expect("log");
        let mut events: Vec<i64> = log.items.iter().map(|d| d.event_id.get()).collect();
        events.sort_unstable();
        assert_eq!(events, [1, 2, 3, 4], "{backend:?}");

        // Concurrent claims never share a delivery, and a claim is a lease.
        let lease = std::time::Duration::from_secs(60);
        let (a, b) = tokio::join!(
            store.claim_webhook_deliveries("a", lease, 2),
            store.claim_webhook_deliveries("b", lease, 10)
        );
        let mut claimed: Vec<i64> = a
            .expect("claim")
            .iter()
            .chain(b.expect("claim").iter())
            .map(|job| job.delivery_id.get())
            .collect();
        claimed.sort_unstable();
        claimed.dedup();
        assert_eq!(claimed.len(), 4, "{backend:?}");
        let again = store
            .claim_webhook_deliveries("c", lease, 10)
            .await
            .expect("claim");
        assert!(
            again.is_empty(),
            "{backend:?}: leased deliveries are not claimed twice"
        );
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_running_worker_delivers_new_events_and_stops_with_the_service() {
    let db = TestDb::new(app_backend()).await;
    let (receiver, url) = Receiver::spawn().await;
    let text = format!(
        "[database]\nurl = {:?}\n\n{ALLOW_LOOPBACK}\n\
         [[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = {SECRET:?}\n",
        db.url
    );
    let config =
        switchboard::config::Config::from_parts(Some(("test".into(), &text)), Vec::new(), |_| None)
            .expect("config");
    let app = switchboard::app::App::build(config, Vec::new())
        .await
        .expect("build");
    app.state
        .store
        .create_webhook(&NewWebhook {
            url,
            secret: "0123456789abcdef".into(),
            events: EventSelection::All,
        })
        .await
        .expect("subscribe");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let workers = switchboard::app::Workers {
        dispatcher: false,
        event_webhooks: true,
        router: false,
        automation: false,
        campaigns: false,
        retention: false,
    };
    let server = tokio::spawn(app.serve(
        listener,
        async {
            let _ = stopped.await;
        },
        workers,
    ));

    let body = hook_body("m1", "u1", "hello");
    let response = reqwest::Client::new()
        .post(format!("{base}/hooks/shop"))
        .header("content-type", "application/json")
        .headers(crate::helpers::signed_headers(
            SECRET.as_bytes(),
            body.as_bytes(),
        ))
        .body(body)
        .send()
        .await
        .expect("hook");
    assert_eq!(response.status(), 200);
    receiver.wait_for("message.created").await;

    let _ = stop.send(());
    server
        .await
        .expect("server task")
        .expect("clean shutdown with the worker running");
    db.cleanup().await;
}

#[tokio::test]
async fn signing_secrets_are_sealed_at_rest_and_still_sign_deliveries() {
    for backend in backends() {
        let dir = tempfile::tempdir().expect("dir");
        let key = dir.path().join("master.key");
        std::fs::write(&key, "5a".repeat(32)).expect("key");
        let db = TestDb::new(backend).await;
        // A subscription from before sealing: stored plain, sealed by the next start.
        let old_store = db.store().await;
        old_store
            .create_webhook(&NewWebhook {
                url: "https://hooks.example.test/old".into(),
                secret: "an-old-plain-secret-0123456789".into(),
                // Nothing this test does: the host does not exist.
                events: EventSelection::Only(vec![
                    switchboard::domain::EventKind::CampaignFinished,
                ]),
            })
            .await
            .expect("old subscription");
        old_store.close().await;
        let config = format!("{ALLOW_LOOPBACK}\n[secrets]\nkey_file = {key:?}\n");
        let app = TestApp::spawn_on(db, &config).await;
        let stored = app.store.stored_secrets().await.expect("stored");
        assert_eq!(stored.webhooks.len(), 1);
        assert!(
            stored.webhooks[0].1.starts_with("sealed:v1:"),
            "{backend:?}: the plain secret was sealed at start"
        );

        let (receiver, url) = Receiver::spawn().await;
        let webhook = subscribe(&app, &url, json!(["message.created"])).await;
        let secret = webhook["secret"].as_str().expect("secret shown once");
        let stored = app.store.stored_secrets().await.expect("stored");
        assert_eq!(stored.webhooks.len(), 2);
        for (_, text) in &stored.webhooks {
            assert!(text.starts_with("sealed:v1:"), "{backend:?}: {text}");
            assert!(!text.contains(secret));
        }
        // A caller's secret that looks sealed is refused: it would be taken for a sealed one.
        let refused = app
            .post_json(
                "/api/v1/webhooks",
                json!({"url": url, "events": ["*"], "secret": "sealed:v1:AAAAAAAAAAAAAAAAAAAAAAAA"}),
            )
            .await;
        assert_eq!(refused.status(), 422);

        app.post_hook(&hook_body("m1", "u1", "Sealed but signed"))
            .await;
        drain(&app).await;
        receiver.wait_for("message.created").await;
        for (headers, body) in receiver.received.lock().expect("lock").iter() {
            assert_signed(secret, headers, body);
        }
        app.stop().await;
    }
}
