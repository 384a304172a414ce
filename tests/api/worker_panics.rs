//! One input never stops a worker: a send that panics fails that one message for good and the
//! dispatcher goes on (driven by hand and running in the background, with `/metrics`
//! counting the panic); names that would become mail headers are cleaned or refused where
//! they enter.

use std::time::Duration;

use connector_sdk::testing::FakeFailure;
use serde_json::{Value, json};
use switchboard::app::Workers;

use crate::dispatch::{delivery_status, queued_reply};
use crate::helpers::{TestApp, TestDb, app_backend};

const PANIC: &str = "fake connector tripped over a header";

/// The `/metrics` text.
async fn metrics(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    response.text().await.expect("text")
}

#[tokio::test]
async fn a_send_that_panics_fails_that_reply_alone_and_the_next_one_is_sent() {
    let app = TestApp::spawn().await;
    let doomed = queued_reply(&app, "p1").await;
    app.fake.fail_next([FakeFailure::Panic(PANIC.into())]);
    let pass = app.dispatcher.run_once().await.expect("the pass survives");
    assert_eq!((pass.claimed, pass.failed), (1, 1));
    let failed = delivery_status(&app, doomed).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(
        failed["last_error"],
        format!("panicked: {PANIC}"),
        "{failed}"
    );

    let next = queued_reply(&app, "p2").await;
    app.drain_outbox().await;
    let sent = app.fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].id, next.to_string());
    assert_eq!(
        app.dispatcher.run_once().await.expect("pass").claimed,
        0,
        "the panicked reply is never retried"
    );
    assert!(
        metrics(&app)
            .await
            .contains("switchboard_job_panics_total{worker=\"dispatcher\"} 1\n")
    );
    app.stop().await;
}

#[tokio::test]
async fn the_running_service_keeps_sending_after_a_panicking_send() {
    let app = TestApp::spawn_running(TestDb::new(app_backend()).await, "", Workers::all()).await;
    // Armed before the reply is queued: the background dispatcher wakes on the queued reply and
    // may send it before the next line of this test runs.
    app.fake.fail_next([FakeFailure::Panic(PANIC.into())]);
    let doomed = queued_reply(&app, "r1").await;
    // Bounded polling: the background dispatcher wakes on the queued reply.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = delivery_status(&app, doomed).await;
        if status["state"] == "failed" {
            assert_eq!(status["last_error"], format!("panicked: {PANIC}"));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the panicking reply never failed: {status}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let next = queued_reply(&app, "r2").await;
    loop {
        if app.fake.sent().iter().any(|m| m.id == next.to_string()) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the reply after the panic was never sent: {}",
            delivery_status(&app, next).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let text = metrics(&app).await;
    assert!(
        text.contains("switchboard_job_panics_total{worker=\"dispatcher\"} 1\n"),
        "{text}"
    );
    assert!(
        !text.contains("switchboard_worker_restarts_total{worker=\"dispatcher\"}"),
        "the job failed, not the worker: {text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_contact_name_with_a_line_break_is_refused_and_inbound_names_are_cleaned() {
    let app = TestApp::spawn().await;
    // Set on the public field, as a connector that bypasses `Sender::with_name` would.
    let mut inbound = app.fake.message("n-1", "n1", "hello");
    inbound.sender.name = Some("Mallory\r\nBcc: x@evil.test\u{202E}".into());
    let receipts = app.fake.inject(vec![inbound]).await.expect("inject");
    let conversation = receipts[0].conversation_id;
    let view = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    let contact = view["contact_id"].as_i64().expect("contact id");
    let stored = app.get_json(&format!("/api/v1/contacts/{contact}")).await;
    assert_eq!(stored["name"], "Mallory Bcc: x@evil.test");

    let path = format!("/api/v1/contacts/{contact}");
    let refused = app
        .send(
            reqwest::Method::PATCH,
            &path,
            &app.admin_token,
            json!({"name": "Mallory\r\nBcc: x@evil.test"}),
        )
        .await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "invalid");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .starts_with("name:"),
        "{body}"
    );
    let created = app
        .post_json("/api/v1/contacts", json!({"name": "Eve\u{202E}gnp.exe"}))
        .await;
    assert_eq!(created.status(), 422);
    let unchanged = app.get_json(&path).await;
    assert_eq!(unchanged["name"], "Mallory Bcc: x@evil.test");

    let renamed = app
        .send(
            reqwest::Method::PATCH,
            &path,
            &app.admin_token,
            json!({"name": "  Mallory   Smith "}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let renamed: Value = renamed.json().await.expect("json");
    assert_eq!(renamed["name"], "Mallory Smith");
    app.stop().await;
}
