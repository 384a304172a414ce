//! Merging two contacts that are one person, and undoing it: the round trip restores both
//! exactly (compared as full exports), a consent withdrawal survives the merge, messages that
//! arrive while merges and undos run are neither lost nor doubled and land on the contact that
//! owns their sender, and the refusals say why and change nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SECRET, TestApp, hook_body, signed_headers};

async fn create(app: &TestApp, body: Value) -> i64 {
    let response = app.post_json("/api/v1/contacts", body).await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let contact: Value = response.json().await.expect("json");
    contact["id"].as_i64().expect("id")
}

/// The contact the webhook sender `from` became (its first message makes it).
async fn contact_of_sender(app: &TestApp, from: &str) -> i64 {
    let page = app.get_json(&format!("/api/v1/contacts?q={from}")).await;
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{page}");
    items[0]["id"].as_i64().expect("id")
}

async fn hook(app: &TestApp, id: &str, from: &str, text: &str) {
    let response = app.post_hook(&hook_body(id, from, text)).await;
    assert!(response.status().is_success(), "{}", response.status());
}

async fn merge(app: &TestApp, into: i64, from: i64) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/contacts/{into}/merge"),
        json!({"from": from}),
    )
    .await
}

async fn merged(app: &TestApp, into: i64, from: i64) -> Value {
    let response = merge(app, into, from).await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    response.json().await.expect("json")
}

async fn undo(app: &TestApp, merge_id: i64) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/contacts/merges/{merge_id}/undo"),
        json!({}),
    )
    .await
}

async fn undone(app: &TestApp, merge_id: i64) -> Value {
    let response = undo(app, merge_id).await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    response.json().await.expect("json")
}

/// A contact's export without what a merge and its undo leave as history on purpose: the
/// export time, the merge records, the audit entries and events, and the activity lines.
async fn export_without_history(app: &TestApp, contact: i64) -> Value {
    let mut export = app
        .get_json(&format!("/api/v1/contacts/{contact}/export"))
        .await;
    let document = export.as_object_mut().expect("object");
    for key in [
        "exported_at",
        "merges",
        "audit",
        "events",
        "webhook_deliveries",
    ] {
        assert!(document.remove(key).is_some(), "export has {key}");
    }
    for conversation in document["conversations"].as_array_mut().expect("list") {
        let messages = conversation["messages"].as_array_mut().expect("messages");
        messages.retain(|message| message["kind"] != "activity");
    }
    export
}

/// The conversations of `contact`, lowest id first.
async fn conversations_of(app: &TestApp, contact: i64) -> Vec<i64> {
    let page = app
        .get_json(&format!(
            "/api/v1/conversations?contact={contact}&limit=100"
        ))
        .await;
    let mut ids: Vec<i64> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect();
    ids.sort_unstable();
    ids
}

/// The inbound messages of `conversation` as (external id, author id).
async fn inbound(app: &TestApp, conversation: i64) -> Vec<(String, i64)> {
    let page = app
        .get_json(&format!(
            "/api/v1/conversations/{conversation}/messages?limit=200"
        ))
        .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|message| message["direction"] == "in")
        .map(|message| {
            (
                message["external_id"].as_str().expect("id").to_owned(),
                message["author_id"].as_i64().expect("author"),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_merge_moves_everything_to_the_survivor_and_its_undo_restores_both_exactly() {
    let app = TestApp::spawn().await;
    let jana = create(
        &app,
        json!({"name": "Jana Nováková", "email": "jana@example.com",
               "attributes": {"plan": "gold", "city": "Brno"}, "tags": ["vip"]}),
    )
    .await;
    hook(&app, "m-1", "u-merge-1", "Dobrý den, píšu z chatu").await;
    hook(&app, "m-2", "u-merge-1", "a ještě jednou").await;
    let chat = contact_of_sender(&app, "u-merge-1").await;
    let response = app
        .send(
            Method::PATCH,
            &format!("/api/v1/contacts/{chat}"),
            &app.token("admin").await,
            json!({"phone": "+420 777 123 456", "attributes": {"plan": "silver", "lang": "cs"},
                   "tags": ["newsletter"]}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let chat_conversations = conversations_of(&app, chat).await;
    assert_eq!(chat_conversations.len(), 1);
    let before = (
        export_without_history(&app, jana).await,
        export_without_history(&app, chat).await,
    );

    let result = merged(&app, jana, chat).await;
    let merge_id = result["merge"]["id"].as_i64().expect("merge id");
    let survivor = &result["into"];
    assert_eq!(result["from"]["merged_into"], json!(jana));
    assert_eq!(survivor["name"], "Jana Nováková");
    assert_eq!(survivor["phone"], "+420777123456");
    assert_eq!(
        survivor["attributes"],
        json!({"plan": "gold", "city": "Brno", "lang": "cs"})
    );
    assert_eq!(survivor["tags"], json!(["newsletter", "vip"]));
    let scopes: Vec<&str> = survivor["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .map(|identity| identity["scope"].as_str().expect("scope"))
        .collect();
    assert!(
        scopes.contains(&"webhook:shop") && scopes.contains(&"email"),
        "{scopes:?}"
    );
    // The other's value of an attribute both had is kept in the merge.
    assert_eq!(
        result["merge"]["overridden_attributes"],
        json!({"plan": "silver"})
    );
    assert_eq!(result["merge"]["moved"]["conversations"], 1);
    // The survivor holds both contacts' conversations; the other is found only as it.
    assert_eq!(conversations_of(&app, jana).await, chat_conversations);
    assert!(conversations_of(&app, chat).await.is_empty());
    let search = app.get_json("/api/v1/contacts?q=u-merge-1").await;
    assert_eq!(search["items"][0]["id"], json!(jana), "{search}");
    assert_eq!(search["items"].as_array().map(Vec::len), Some(1));
    // Each moved conversation says who merged what.
    let lines = app
        .get_json(&format!(
            "/api/v1/conversations/{}/messages",
            chat_conversations[0]
        ))
        .await;
    let activity: Vec<&str> = lines["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|message| message["kind"] == "activity")
        .map(|message| message["text"].as_str().expect("text"))
        .collect();
    assert_eq!(activity.len(), 1, "{activity:?}");
    assert!(
        activity[0].contains(&format!("contact #{chat}"))
            && activity[0].contains(&format!("into contact #{jana}")),
        "{}",
        activity[0]
    );
    // A redelivery of a message from before the merge is still recognised.
    hook(&app, "m-1", "u-merge-1", "Dobrý den, píšu z chatu").await;
    assert_eq!(
        inbound(&app, chat_conversations[0]).await,
        vec![("m-1".to_owned(), jana), ("m-2".to_owned(), jana)]
    );
    // The contact merged away cannot be changed or merged again; it says where it went.
    let admin = app.token("admin").await;
    let refused = app
        .send(
            Method::PATCH,
            &format!("/api/v1/contacts/{chat}"),
            &admin,
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(refused.status(), 409);
    let refused = merge(&app, chat, jana).await;
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|text| text.contains(&format!("merged into contact {jana}"))),
        "{body}"
    );
    let event = app.wait_for_event("contact.merged").await;
    assert_eq!(event.contact_id.map(|id| id.get()), Some(jana));
    assert_eq!(event.data["from"], json!(chat));

    // The merge is listed on both contacts.
    for contact in [jana, chat] {
        let merges = app
            .get_json(&format!("/api/v1/contacts/{contact}/merges"))
            .await;
        assert_eq!(merges["items"][0]["id"], json!(merge_id), "{merges}");
    }

    let result = undone(&app, merge_id).await;
    assert!(result["merge"]["undone_at"].is_string());
    assert_eq!(result["from"]["merged_into"], Value::Null);
    let after = (
        export_without_history(&app, jana).await,
        export_without_history(&app, chat).await,
    );
    assert_eq!(after.0, before.0, "the survivor is as it was");
    assert_eq!(after.1, before.1, "the contact merged away is as it was");
    assert_eq!(conversations_of(&app, chat).await, chat_conversations);
    let again = undo(&app, merge_id).await;
    assert_eq!(again.status(), 409);
    app.wait_for_event("contact.merge_undone").await;
    app.stop().await;
}

async fn error_text(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("json");
    body["error"]["message"]
        .as_str()
        .expect("message")
        .to_owned()
}

async fn set_consents(app: &TestApp, contact: i64, body: Value) {
    let response = app
        .send(
            Method::PUT,
            &format!("/api/v1/contacts/{contact}/consents"),
            &app.admin_token,
            body,
        )
        .await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}

#[tokio::test]
async fn a_withdrawn_consent_survives_a_merge_and_a_newer_decision_wins_otherwise() {
    let app = TestApp::spawn().await;
    let older = create(&app, json!({"name": "Older", "email": "older@example.com"})).await;
    let newer = create(&app, json!({"name": "Newer", "email": "newer@example.com"})).await;
    let consents = |granted_email: bool, granted_telegram: bool| {
        json!({"items": [
            {"channel": "email", "granted": granted_email},
            {"channel": "telegram", "granted": granted_telegram},
        ]})
    };
    // The survivor withdrew email first; the other granted it later: the withdrawal stands.
    for (contact, body) in [
        (older, consents(false, true)),
        (newer, consents(true, true)),
    ] {
        set_consents(&app, contact, body).await;
    }
    merged(&app, older, newer).await;
    let held = app
        .get_json(&format!("/api/v1/contacts/{older}/consents"))
        .await;
    let email = held["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["channel"] == "email")
        .expect("email consent");
    assert_eq!(email["granted"], false, "{held}");

    // The other way round: the contact merged in had withdrawn; its withdrawal wins.
    let keen = create(&app, json!({"name": "Keen"})).await;
    let shy = create(&app, json!({"name": "Shy"})).await;
    for (contact, body) in [(shy, consents(false, false)), (keen, consents(true, true))] {
        set_consents(&app, contact, body).await;
    }
    let merge = merged(&app, keen, shy).await;
    let held = app
        .get_json(&format!("/api/v1/contacts/{keen}/consents"))
        .await;
    assert!(
        held["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|item| item["granted"] == false),
        "{held}"
    );
    // Undone, the survivor has its own grants back.
    undone(&app, merge["merge"]["id"].as_i64().expect("id")).await;
    let held = app
        .get_json(&format!("/api/v1/contacts/{keen}/consents"))
        .await;
    assert!(
        held["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|item| item["granted"] == true),
        "{held}"
    );
    app.stop().await;
}

#[tokio::test]
async fn messages_arriving_while_merges_and_undos_run_are_stored_once_on_the_senders_contact() {
    let app = TestApp::spawn().await;
    let jana = create(
        &app,
        json!({"name": "Jana", "email": "jana.race@example.com"}),
    )
    .await;
    hook(&app, "race-0", "u-race", "first").await;
    let chat = contact_of_sender(&app, "u-race").await;
    const MESSAGES: usize = 40;

    let sender = {
        let (client, url) = (app.client.clone(), app.url("/hooks/shop"));
        tokio::spawn(async move {
            for n in 1..MESSAGES {
                let body = hook_body(&format!("race-{n}"), "u-race", &format!("message {n}"));
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .headers(signed_headers(SECRET.as_bytes(), body.as_bytes()))
                    .body(body)
                    .send()
                    .await
                    .expect("request");
                assert!(response.status().is_success(), "{}", response.status());
            }
        })
    };
    // Merge and undo over and over while the messages come in (a bounded number of times,
    // so the activity lines stay on one page); end undone.
    let mut rounds = 0;
    while (!sender.is_finished() && rounds < 12) || rounds < 2 {
        let merge = merged(&app, jana, chat).await;
        undone(&app, merge["merge"]["id"].as_i64().expect("id")).await;
        rounds += 1;
    }
    sender.await.expect("sender");

    // Undone: every message is the chat contact's, once, in its conversations.
    let check = |owner: i64| {
        let app = &app;
        async move {
            let mut seen: Vec<String> = Vec::new();
            for conversation in conversations_of(app, owner).await {
                for (id, author) in inbound(app, conversation).await {
                    assert_eq!(author, owner, "{id} is written by its sender's contact");
                    seen.push(id);
                }
            }
            seen.sort();
            let mut expected: Vec<String> = (0..MESSAGES).map(|n| format!("race-{n}")).collect();
            expected.sort();
            assert_eq!(seen, expected);
        }
    };
    check(chat).await;
    assert!(conversations_of(&app, jana).await.is_empty());
    // Redeliveries of all of them are recognised, merged or not.
    for n in 0..MESSAGES {
        hook(
            &app,
            &format!("race-{n}"),
            "u-race",
            &format!("message {n}"),
        )
        .await;
    }
    check(chat).await;
    merged(&app, jana, chat).await;
    for n in 0..MESSAGES {
        hook(
            &app,
            &format!("race-{n}"),
            "u-race",
            &format!("message {n}"),
        )
        .await;
    }
    check(jana).await;
    app.stop().await;
}

#[tokio::test]
async fn merges_are_refused_with_a_reason_for_the_same_contact_a_missing_one_and_marketers() {
    let app = TestApp::spawn().await;
    let one = create(&app, json!({"name": "One"})).await;
    let other = create(&app, json!({"name": "Other", "tags": ["keep"]})).await;
    let response = merge(&app, one, one).await;
    assert_eq!(response.status(), 422);
    // A missing contact in the path is a 404; in the body, a 422 naming `from`.
    let response = merge(&app, 999_999, one).await;
    assert_eq!(response.status(), 404);
    let response = merge(&app, one, 999_999).await;
    assert_eq!(response.status(), 422);
    assert!(error_text(response).await.contains("from:"));
    let response = app
        .post_json(
            &format!("/api/v1/contacts/{one}/merge"),
            json!({"from": "x"}),
        )
        .await;
    assert_eq!(response.status(), 400);
    let marketer = app.token("marketer").await;
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/contacts/{one}/merge"),
            &marketer,
            json!({"from": other}),
        )
        .await;
    assert_eq!(response.status(), 403);
    let response = undo(&app, 999_999).await;
    assert_eq!(response.status(), 404);
    // Nothing changed.
    let contact = app.get_json(&format!("/api/v1/contacts/{one}")).await;
    assert_eq!(contact["tags"], json!([]));
    assert_eq!(contact["merged_into"], Value::Null);

    // A chain is undone from its end: the survivor merged on must come back first.
    let third = create(&app, json!({"name": "Third"})).await;
    let first = merged(&app, one, other).await["merge"]["id"]
        .as_i64()
        .expect("id");
    let second = merged(&app, third, one).await["merge"]["id"]
        .as_i64()
        .expect("id");
    let response = undo(&app, first).await;
    assert_eq!(response.status(), 409);
    undone(&app, second).await;
    undone(&app, first).await;
    let contact = app.get_json(&format!("/api/v1/contacts/{other}")).await;
    assert_eq!(contact["tags"], json!(["keep"]));
    assert_eq!(contact["merged_into"], Value::Null);
    app.stop().await;
}
