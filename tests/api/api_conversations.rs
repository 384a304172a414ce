//! Conversation and contact routes: filters, notes, assignment, status, labels, validation.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, hook_body};

async fn conversation_of(app: &TestApp, id: &str, from: &str, text: &str) -> i64 {
    let receipt: Value = app
        .post_hook(&hook_body(id, from, text))
        .await
        .json()
        .await
        .expect("json");
    receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("id")
}

#[tokio::test]
async fn agents_work_a_conversation_through_the_api() {
    let app = TestApp::spawn().await;
    let id = conversation_of(&app, "m1", "u1", "My invoice is wrong").await;
    let other = conversation_of(&app, "m2", "u2", "Thanks, all good").await;
    let agents = app.get_json("/api/v1/agents").await;
    let admin_id = agents[0]["id"].as_i64().expect("admin");

    let note = app
        .post_json(
            &format!("/api/v1/conversations/{id}/notes"),
            json!({"text": "customer is VIP"}),
        )
        .await;
    assert_eq!(note.status(), 201);
    let note: Value = note.json().await.expect("json");
    assert_eq!(note["kind"], "note");
    assert!(note["delivery_status"].is_null(), "notes are never sent");

    let team: Value = app
        .post_json(
            "/api/v1/teams",
            json!({"name": "Billing", "members": [admin_id]}),
        )
        .await
        .json()
        .await
        .expect("json");
    let assigned = app
        .post_json(
            &format!("/api/v1/conversations/{id}/assign"),
            json!({"agent_id": admin_id, "team_id": team["id"]}),
        )
        .await;
    assert_eq!(assigned.status(), 200);
    let bad_agent = app
        .post_json(
            &format!("/api/v1/conversations/{id}/assign"),
            json!({"agent_id": 999}),
        )
        .await;
    assert_eq!(bad_agent.status(), 422);

    let patched = app
        .send(
            Method::PATCH,
            &format!("/api/v1/conversations/{id}"),
            &app.admin_token,
            json!({"labels": ["billing", "vip"], "priority": "high"}),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.expect("json");
    assert_eq!(patched["labels"], json!(["billing", "vip"]));
    assert_eq!(patched["priority"], "high");

    let mine = app.get_json("/api/v1/conversations?assignee=me").await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["items"][0]["id"], id);
    let unassigned = app.get_json("/api/v1/conversations?assignee=none").await;
    assert_eq!(unassigned["items"][0]["id"], other);
    let by_label = app.get_json("/api/v1/conversations?label=vip").await;
    assert_eq!(by_label["items"].as_array().map(Vec::len), Some(1));
    let by_team = app
        .get_json(&format!("/api/v1/conversations?team={}", team["id"]))
        .await;
    assert_eq!(by_team["items"][0]["id"], id);
    let searched = app.get_json("/api/v1/conversations?q=invoice").await;
    assert_eq!(searched["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(searched["items"][0]["id"], id);

    let snooze_without_time = app
        .post_json(
            &format!("/api/v1/conversations/{id}/status"),
            json!({"status": "snoozed"}),
        )
        .await;
    assert_eq!(snooze_without_time.status(), 422);
    let resolved = app
        .post_json(
            &format!("/api/v1/conversations/{id}/status"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(resolved.status(), 200);
    let open_only = app.get_json("/api/v1/conversations?status=open").await;
    assert_eq!(open_only["items"].as_array().map(Vec::len), Some(1));
    let bad_status = app
        .post_json(
            &format!("/api/v1/conversations/{id}/status"),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(bad_status.status(), 400);
    let body: Value = bad_status.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("status"),
        "{body}"
    );

    let missing = app
        .get("/api/v1/conversations/424242", &app.admin_token)
        .await;
    assert_eq!(missing.status(), 404);
    let empty_reply = app
        .post_json(
            &format!("/api/v1/conversations/{id}/reply"),
            json!({"text": "  "}),
        )
        .await;
    assert_eq!(empty_reply.status(), 422);
    let wrong_field = app
        .post_json(
            &format!("/api/v1/conversations/{id}/reply"),
            json!({"body": "hi"}),
        )
        .await;
    assert_eq!(wrong_field.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn contacts_are_managed_through_the_api() {
    let app = TestApp::spawn().await;
    let marketer = app.token("marketer").await;
    let created = app
        .send(Method::POST, "/api/v1/contacts", &marketer, json!({"name": "Petr", "email": "petr@example.com", "tags": ["newsletter"], "attributes": {"plan": "pro"}}))
        .await;
    assert_eq!(created.status(), 201);
    let contact: Value = created.json().await.expect("json");
    let id = contact["id"].as_i64().expect("id");
    let duplicate = app
        .post_json("/api/v1/contacts", json!({"email": "PETR@example.com"}))
        .await;
    assert_eq!(duplicate.status(), 409);
    let invalid = app
        .post_json("/api/v1/contacts", json!({"email": "not-an-email"}))
        .await;
    assert_eq!(invalid.status(), 422);

    let patched = app
        .send(
            Method::PATCH,
            &format!("/api/v1/contacts/{id}"),
            &marketer,
            json!({"name": null, "attributes": {"plan": null, "city": "Praha"}}),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.expect("json");
    assert!(patched["name"].is_null());
    assert_eq!(patched["attributes"], json!({"city": "Praha"}));
    assert_eq!(patched["email"], "petr@example.com", "absent fields stay");

    let found = app
        .get("/api/v1/contacts?q=petr", &marketer)
        .await
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(found["items"][0]["id"], id);
    assert_eq!(
        app.get("/api/v1/contacts/99999", &marketer).await.status(),
        404
    );
    // Marketers see contacts but not conversations.
    assert_eq!(
        app.get("/api/v1/conversations", &marketer).await.status(),
        403
    );
    app.stop().await;
}
