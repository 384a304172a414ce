//! Redaction: an agent replaces a message's text or parts of it by `[redacted]` (revisions
//! gone, search and preview follow, the activity says who); bad requests change nothing;
//! the `[redaction]` rules redact card numbers, IBANs, birth numbers and operator patterns
//! of inbound messages before they are stored, and mark them.

use serde_json::{Value, json};

use crate::helpers::{TestApp, hook_body};
use crate::retention::{count, sql};

/// A customer message on the test webhook channel; returns (conversation, message).
async fn inbound(app: &TestApp, text: &str) -> (i64, i64) {
    let id = format!("m-{}", crate::helpers::rand_suffix());
    let receipt: Value = app
        .post_hook(&hook_body(&id, &id, text))
        .await
        .json()
        .await
        .expect("json");
    let message = &receipt["messages"][0];
    (
        message["conversation_id"].as_i64().expect("conversation"),
        message["message_id"]
            .as_i64()
            .or_else(|| message["id"].as_i64())
            .expect("message"),
    )
}

async fn message(app: &TestApp, conversation: i64) -> Value {
    let page = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    page["items"][0].clone()
}

async fn search(app: &TestApp, word: &str) -> usize {
    app.get_json(&format!("/api/v1/conversations?q={word}"))
        .await["items"]
        .as_array()
        .expect("items")
        .len()
}

async fn redact(app: &TestApp, token: &str, message: i64, body: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/messages/{message}/redact")))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn an_agent_redacts_parts_and_the_trail_follows() {
    let app = TestApp::spawn().await;
    let (conversation, id) = inbound(
        &app,
        "my card is 4111 1111 1111 1111 and the zebrafish code 1234",
    )
    .await;
    sql(
        &app,
        &format!(
            "INSERT INTO message_revisions (message_id, text, replaced_at) \
             VALUES ({id}, 'my card is 4111 1111 1111 1111', 0)"
        ),
    )
    .await;
    assert_eq!(search(&app, "zebrafish").await, 1);
    let agent = app.token("agent").await;
    let response = redact(
        &app,
        &agent,
        id,
        r#"{"parts": ["4111 1111 1111 1111", "zebrafish"]}"#,
    )
    .await;
    let status = response.status();
    let redacted: Value = response.json().await.expect("json");
    assert_eq!(status, 200, "{redacted}");
    assert_eq!(
        redacted["text"],
        "my card is [redacted] and the [redacted] code 1234"
    );
    assert_eq!(redacted["redacted"], "agent");
    assert_eq!(message(&app, conversation).await["text"], redacted["text"]);
    assert_eq!(
        search(&app, "zebrafish").await,
        0,
        "the search index still has the old text"
    );
    let revisions = app
        .get_json(&format!("/api/v1/messages/{id}/revisions"))
        .await;
    assert_eq!(revisions, json!([]), "revisions hold the same data");
    let detail = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(
        detail["last_message"], redacted["text"],
        "the preview follows"
    );
    let activity = app
        .get_json(&format!("/api/v1/conversations/{conversation}/activity"))
        .await;
    let line = activity
        .as_array()
        .expect("list")
        .iter()
        .find(|event| event["kind"] == "message.redacted")
        .expect("an activity line");
    assert!(line["agent_id"].is_i64(), "{line}");
    assert_eq!(line["message_id"], id);
    assert_eq!(
        line["data"],
        json!({"whole": false, "parts": 2, "attachments": false})
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM events WHERE kind = 'message.updated' AND message_id = {id}"
            )
        )
        .await,
        1
    );

    // The whole text: `{}`.
    let whole = redact(&app, &app.admin_token, id, "{}").await;
    assert_eq!(whole.status(), 200);
    let whole: Value = whole.json().await.expect("json");
    assert_eq!(whole["text"], "[redacted]");
    assert!(whole["html"].is_null());
    app.stop().await;
}

#[tokio::test]
async fn bad_redactions_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (conversation, id) = inbound(&app, "call me at 777 123 456").await;
    let events = count(&app, "SELECT COUNT(*) FROM events").await;
    let agent = app.token("agent").await;
    for (body, status) in [
        (r#"{"parts": ["4111"]}"#, 409),
        (r#"{"parts": ["777", "nope"]}"#, 409),
        (r#"{"parts": "777"}"#, 400),
        (r#"{"parts": []}"#, 400),
        (r#"{"parts": [" "]}"#, 400),
        (r#"{"whole": true}"#, 400),
        ("not json", 400),
    ] {
        let response = redact(&app, &agent, id, body).await;
        assert_eq!(response.status(), status, "{body}");
        let error: Value = response.json().await.expect("json error");
        assert!(error["error"]["message"].is_string(), "{body}: {error}");
    }
    assert_eq!(redact(&app, &agent, id + 1000, "{}").await.status(), 404);
    let marketer = app.token("marketer").await;
    assert_eq!(redact(&app, &marketer, id, "{}").await.status(), 403);
    let stored = message(&app, conversation).await;
    assert_eq!(stored["text"], "call me at 777 123 456");
    assert!(stored["redacted"].is_null());
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM events").await,
        events,
        "no event written"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_rules_redact_inbound_text_before_it_is_stored() {
    let app = TestApp::spawn_with(
        "[redaction]\ncards = true\niban = true\nbirth_numbers = true\n\
         patterns = [\"(?i)password:\\\\s*\\\\S+\"]\n",
    )
    .await;
    let (conversation, _) = inbound(
        &app,
        "Card 4111-1111-1111-1111, IBAN CZ65 0800 0000 1920 0014 5399, RČ 736028/5163, \
         password: hunter2. Order 20261124000017, phone +420 777 123 456, on 24.11.2026.",
    )
    .await;
    let stored = message(&app, conversation).await;
    assert_eq!(
        stored["text"],
        "Card [redacted], IBAN [redacted], RČ [redacted], [redacted] Order 20261124000017, \
         phone +420 777 123 456, on 24.11.2026."
    );
    assert_eq!(stored["redacted"], "auto");
    assert_eq!(search(&app, "hunter2").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE text LIKE '%4111%' OR text LIKE '%hunter2%'"
        )
        .await,
        0
    );
    let (plain, _) = inbound(&app, "Where is order 4711?").await;
    let plain = message(&app, plain).await;
    assert_eq!(plain["text"], "Where is order 4711?");
    assert!(plain["redacted"].is_null());
    app.stop().await;
}
