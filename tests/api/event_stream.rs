//! `GET /api/v1/events`: live events as SSE, and replay after `Last-Event-ID`.

use std::time::Duration;

use crate::helpers::{TestApp, hook_body};

/// Reads the stream until `needle` appears; bounded so a broken stream fails the test.
async fn read_until(response: &mut reqwest::Response, needle: &str) -> String {
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = response.chunk().await.expect("stream") {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(needle) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        found,
        Ok(true),
        "stream ended or stalled before {needle:?}; got {seen:?}"
    );
    seen
}

#[tokio::test]
async fn new_messages_and_conversation_changes_are_streamed() {
    let app = TestApp::spawn().await;
    let mut stream = app.get("/api/v1/events", &app.admin_token).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    let receipt: serde_json::Value = app
        .post_hook(&hook_body("m1", "u1", "hi"))
        .await
        .json()
        .await
        .expect("json");
    let seen = read_until(&mut stream, "event: message.created").await;
    assert!(seen.contains("event: conversation.created"), "{seen}");
    let conversation = receipt["messages"][0]["conversation_id"].clone();
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/status"),
        serde_json::json!({"status": "resolved"}),
    )
    .await;
    let seen = read_until(&mut stream, "conversation.status_changed").await;
    assert!(seen.contains("\"to\":\"resolved\""), "{seen}");
    drop(stream);
    app.stop().await;
}

#[tokio::test]
async fn a_reconnecting_client_gets_what_it_missed() {
    let app = TestApp::spawn().await;
    app.post_hook(&hook_body("m1", "u1", "first")).await;
    app.post_hook(&hook_body("m2", "u1", "second")).await;
    let mut replay = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth(&app.admin_token)
        .header("last-event-id", "3")
        .send()
        .await
        .expect("stream");
    let seen = read_until(&mut replay, "id: 4").await;
    assert!(
        !seen.contains("id: 3\n"),
        "events up to Last-Event-ID are not repeated: {seen}"
    );
    assert!(seen.contains("event: message.created"), "{seen}");
    let bad = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth(&app.admin_token)
        .header("last-event-id", "yesterday")
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);
    drop(replay);
    app.stop().await;
}

#[tokio::test]
async fn marketers_stream_campaign_events_only() {
    let app = TestApp::spawn().await;
    let marketer = app.token("marketer").await;
    let mut stream = app.get("/api/v1/events", &marketer).await;
    assert_eq!(stream.status(), 200);
    app.post_hook(&hook_body("m1", "u1", "a customer's words"))
        .await;
    app.wait_for_event("message.created").await;
    let created = app
        .post_json(
            "/api/v1/campaigns",
            serde_json::json!({"name": "Live", "filter": {"op": "everyone"}, "channels": [{"channel": "shop", "body": "Hi"}]}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<serde_json::Value>().await.expect("json")["id"].clone();
    let started = app
        .post_json(
            &format!("/api/v1/campaigns/{id}/start"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(started.status(), 200);
    let seen = read_until(&mut stream, "event: campaign.progress").await;
    assert!(!seen.contains("message.created"), "{seen}");
    assert!(!seen.contains("conversation."), "{seen}");
    assert!(!seen.contains("a customer's words"), "{seen}");
    drop(stream);
    app.stop().await;
}
