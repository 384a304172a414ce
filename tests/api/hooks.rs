//! The generic webhook channel end to end: signed JSON in, conversation in the API, reply out
//! to `callback_url`, signed; bad input refused with nothing stored.

use serde_json::{Value, json};

use crate::helpers::{SECRET, TestApp, hook_body};

#[tokio::test]
async fn a_signed_webhook_becomes_a_conversation_and_the_reply_reaches_the_callback_signed() {
    let app = TestApp::spawn().await;
    let response = app
        .post_hook(&hook_body("m1", "u1", "Where is my order?"))
        .await;
    assert_eq!(response.status(), 200);
    let receipt: Value = response.json().await.expect("json");
    assert_eq!(receipt["accepted"], 1);
    let conversation_id = receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("id");

    let list = app.get_json("/api/v1/conversations").await;
    assert_eq!(list["items"][0]["id"], conversation_id);
    assert_eq!(list["items"][0]["channel"], "shop");
    assert_eq!(list["items"][0]["last_message"], "Where is my order?");

    let reply = app
        .post_json(
            &format!("/api/v1/conversations/{conversation_id}/reply"),
            json!({"text": "It ships today."}),
        )
        .await;
    assert_eq!(reply.status(), 202);
    let reply: Value = reply.json().await.expect("json");
    assert_eq!(reply["delivery_status"], "queued");

    app.drain_outbox().await;
    let received = app.callback.received.lock().expect("lock").clone();
    assert_eq!(received.len(), 1, "exactly one delivery");
    let (headers, body) = &received[0];
    let header = |name: &str| headers.get(name).expect(name).to_str().expect("ascii");
    let (timestamp, signature) = (
        header(connector_webhook::TIMESTAMP_HEADER),
        header(connector_webhook::SIGNATURE_HEADER),
    );
    connector_sdk::signing::verify(
        SECRET.as_bytes(),
        timestamp,
        body,
        signature,
        chrono::Utc::now().timestamp(),
        connector_sdk::signing::REPLAY_TOLERANCE_SECS,
    )
    .expect("a valid timestamped signature");
    let payload: Value = serde_json::from_slice(body).expect("json");
    assert_eq!(payload["text"], "It ships today.");
    assert_eq!(payload["to"]["id"], "u1");
    assert_eq!(payload["in_reply_to"], "m1");
    assert_eq!(payload["id"], reply["id"].to_string());

    let messages = app
        .get_json(&format!("/api/v1/conversations/{conversation_id}/messages"))
        .await;
    let items = messages["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["delivery_status"], "sent");
    assert_eq!(items[1]["external_id"], "remote-id");
    let conversation = app
        .get_json(&format!("/api/v1/conversations/{conversation_id}"))
        .await;
    assert!(conversation["first_reply_at"].is_string());
    assert!(conversation["waiting_since"].is_null());
    app.stop().await;
}

#[tokio::test]
async fn concurrent_redeliveries_of_one_message_store_it_once() {
    let app = TestApp::spawn().await;
    let body = hook_body("dup-1", "u9", "hello once");
    let mut requests = Vec::new();
    for _ in 0..25 {
        requests.push(app.post_hook(&body));
    }
    let responses = futures_util::future::join_all(requests).await;
    let mut ids = std::collections::HashSet::new();
    let mut fresh = 0;
    for response in responses {
        assert_eq!(response.status(), 200);
        let receipt: Value = response.json().await.expect("json");
        ids.insert(receipt["messages"][0]["message_id"].as_i64().expect("id"));
        fresh += receipt["accepted"].as_i64().expect("count");
    }
    assert_eq!(
        ids.len(),
        1,
        "every redelivery names the same stored message"
    );
    assert_eq!(fresh, 1, "only one request stored it");
    assert_eq!(app.store.count_messages().await.expect("count"), 1);
    app.stop().await;
}

async fn assert_refused(app: &TestApp, response: reqwest::Response, status: u16, needle: &str) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("JSON error");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains(needle),
        "{message:?} should mention {needle:?}"
    );
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        0,
        "nothing stored"
    );
}

#[tokio::test]
async fn bad_webhooks_get_a_clear_error_and_store_nothing() {
    let app = TestApp::spawn_with("[server]\nmax_body_bytes = 2048\n").await;
    let body = hook_body("m1", "u1", "hi");

    let unsigned = app
        .client
        .post(app.url("/hooks/shop"))
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_refused(&app, unsigned, 401, "missing x-switchboard-signature").await;

    let forged = app
        .client
        .post(app.url("/hooks/shop"))
        .headers(crate::helpers::signed_headers(
            b"wrong secret",
            body.as_bytes(),
        ))
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_refused(&app, forged, 401, "does not match").await;

    let missing_field = app
        .post_hook(r#"{"id":"m1","from":{"name":"x"},"text":"hi"}"#)
        .await;
    assert_refused(&app, missing_field, 400, "from: missing field `id`").await;
    let wrong_type = app
        .post_hook(r#"{"id":"m1","from":{"id":"u"},"text":5}"#)
        .await;
    assert_refused(&app, wrong_type, 400, "text: invalid type").await;
    let not_json = app.post_hook("<xml/>").await;
    assert_refused(&app, not_json, 400, "invalid JSON").await;

    let huge = hook_body("m2", "u1", &"x".repeat(4096));
    let too_large = app.post_hook(&huge).await;
    assert_refused(&app, too_large, 413, "larger than 2048").await;

    let unknown = app
        .client
        .post(app.url("/hooks/nowhere"))
        .body(body)
        .send()
        .await
        .expect("send");
    assert_refused(&app, unknown, 404, "channel not found").await;

    let contacts = app.get_json("/api/v1/contacts").await;
    assert_eq!(
        contacts["items"].as_array().map(Vec::len),
        Some(0),
        "no contact either"
    );
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    app.post_hook(&hook_body("m1", "u1", "count me")).await;
    app.post_hook(&hook_body("m1", "u1", "count me")).await;
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("switchboard_inbound_messages_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("switchboard_inbound_duplicates_total 1\n"),
        "{metrics}"
    );
    app.stop().await;
}
