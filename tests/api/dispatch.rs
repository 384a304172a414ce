//! The outbox dispatcher against the fake channel: retries with backoff, `retry_after`, dead
//! letters and their manual retry, permanent failures, unreachable recipients.

use std::time::Duration;

use connector_sdk::testing::FakeFailure;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A conversation on the fake channel and a queued reply in it; returns the reply's id.
pub async fn queued_reply(app: &TestApp, sender: &str) -> i64 {
    let receipts = app
        .fake
        .inject(vec![app.fake.message(
            &format!("in-{sender}"),
            sender,
            "hello",
        )])
        .await
        .expect("inject");
    let conversation = receipts[0].conversation_id;
    let reply = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": "hi back"}),
        )
        .await;
    assert_eq!(reply.status(), 202);
    reply.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

pub async fn delivery_status(app: &TestApp, message: i64) -> Value {
    let page = app.get_json("/api/v1/deliveries").await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["message_id"] == message)
        .cloned()
        .expect("delivery listed")
}

#[tokio::test]
async fn a_transient_failure_is_retried_and_then_sent_once() {
    let app = TestApp::spawn().await;
    let message = queued_reply(&app, "u1").await;
    app.fake.fail_next([FakeFailure::Unavailable(None)]);
    let first = app.dispatcher.run_once().await.expect("pass");
    assert_eq!((first.claimed, first.retried), (1, 1));
    let pending = delivery_status(&app, message).await;
    assert_eq!(pending["state"], "pending");
    assert_eq!(pending["attempts"], 1);
    assert!(
        pending["last_error"]
            .as_str()
            .expect("error")
            .contains("fake peer is down")
    );

    let second = app.dispatcher.run_once().await.expect("pass");
    assert_eq!(second.sent, 1);
    let sent = app.fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].id, message.to_string());
    assert_eq!(sent[0].to.external_id, "u1");
    assert_eq!(
        app.dispatcher.run_once().await.expect("pass").claimed,
        0,
        "nothing left"
    );
    app.stop().await;
}

#[tokio::test]
async fn retry_after_from_the_peer_is_honoured() {
    let app = TestApp::spawn().await;
    let message = queued_reply(&app, "u2").await;
    app.fake
        .fail_next([FakeFailure::Unavailable(Some(Duration::from_secs(120)))]);
    let before = chrono::Utc::now();
    app.dispatcher.run_once().await.expect("pass");
    assert_eq!(
        app.dispatcher.run_once().await.expect("pass").claimed,
        0,
        "not before retry_after"
    );
    let pending = delivery_status(&app, message).await;
    let next: chrono::DateTime<chrono::Utc> = pending["next_attempt_at"]
        .as_str()
        .expect("time")
        .parse()
        .expect("rfc3339");
    assert!(
        next >= before + chrono::Duration::seconds(119),
        "next attempt {next} too early"
    );
    assert!(app.fake.sent().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_message_out_of_attempts_is_dead_visible_and_retryable() {
    let app = TestApp::spawn().await; // max_attempts = 3 in the test config
    let message = queued_reply(&app, "u3").await;
    app.fake.fail_next([
        FakeFailure::Unavailable(None),
        FakeFailure::Unavailable(None),
        FakeFailure::Unavailable(None),
    ]);
    app.drain_outbox().await;
    let dead = app.get_json("/api/v1/deliveries?state=dead").await;
    assert_eq!(dead["items"][0]["message_id"], message);
    assert_eq!(dead["items"][0]["attempts"], 3);
    assert!(
        dead["items"][0]["last_error"]
            .as_str()
            .expect("error")
            .contains("gave up after 3 attempts")
    );
    let shown: Value = app
        .get_json(&format!(
            "/api/v1/conversations/{}/messages",
            dead["items"][0]["conversation_id"]
        ))
        .await;
    assert_eq!(shown["items"][1]["delivery_status"], "dead");

    let retried = app
        .post_json(&format!("/api/v1/messages/{message}/retry"), json!({}))
        .await;
    assert_eq!(retried.status(), 202);
    app.drain_outbox().await;
    assert_eq!(app.fake.sent().len(), 1);
    assert_eq!(delivery_status(&app, message).await["state"], "sent");
    let again = app
        .post_json(&format!("/api/v1/messages/{message}/retry"), json!({}))
        .await;
    assert_eq!(again.status(), 422, "a sent message cannot be retried");
    app.stop().await;
}

#[tokio::test]
async fn a_permanent_rejection_fails_at_once_and_an_unreachable_contact_is_marked() {
    let app = TestApp::spawn().await;
    let message = queued_reply(&app, "u4").await;
    app.fake
        .fail_next([FakeFailure::Rejected("message too long".into())]);
    let outcome = app.dispatcher.run_once().await.expect("pass");
    assert_eq!(outcome.failed, 1);
    let failed = delivery_status(&app, message).await;
    assert_eq!(failed["state"], "failed");
    assert_eq!(failed["attempts"], 1);

    let blocked = queued_reply(&app, "u5").await;
    app.fake.fail_next([FakeFailure::Unreachable(
        "bot was blocked by the user".into(),
    )]);
    app.dispatcher.run_once().await.expect("pass");
    assert_eq!(delivery_status(&app, blocked).await["state"], "failed");
    let contacts = app.get_json("/api/v1/contacts?q=u5").await;
    assert_eq!(
        contacts["items"][0]["identities"][0]["unreachable_reason"],
        "bot was blocked by the user"
    );
    let conversation = delivery_status(&app, blocked).await["conversation_id"].clone();
    let refused = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": "hello?"}),
        )
        .await;
    assert_eq!(
        refused.status(),
        422,
        "no reply is queued to an unreachable contact"
    );
    app.stop().await;
}
