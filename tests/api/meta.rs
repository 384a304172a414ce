//! WhatsApp, Messenger and Instagram against a fake Graph API: verification, signatures,
//! messages, statuses, the 24-hour window, templates, throttling and invalid recipients.

use serde_json::{Value, json};

use crate::fake_graph::FakeGraph;
use crate::helpers::TestApp;

const SECRET: &str = "app-secret";

fn config(graph: &FakeGraph) -> String {
    let common = format!(
        "app_secret = {SECRET:?}\nverify_token = \"verify-me\"\naccess_token = \"EAAG-token\"\ngraph_url = {:?}\ngraph_version = \"v21.0\"\n",
        graph.url
    );
    format!(
        "[[channels]]\nname = \"wa\"\nkind = \"whatsapp\"\nphone_number_id = \"PNID\"\n{common}\n\
         [[channels]]\nname = \"fb\"\nkind = \"messenger\"\npage_id = \"PAGE\"\n{common}\n\
         [[channels]]\nname = \"ig\"\nkind = \"instagram\"\npage_id = \"IGACC\"\n{common}\n"
    )
}

pub(crate) async fn start() -> (FakeGraph, TestApp) {
    let graph = FakeGraph::start().await;
    let app = TestApp::spawn_with(&config(&graph)).await;
    (graph, app)
}

pub(crate) async fn post_signed(app: &TestApp, channel: &str, body: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/hooks/{channel}")))
        .header("content-type", "application/json")
        .header(
            connector_meta::SIGNATURE_HEADER,
            connector_meta::sign(SECRET.as_bytes(), body.as_bytes()),
        )
        .body(body.to_owned())
        .send()
        .await
        .expect("send")
}

pub(crate) fn wa_message(id: &str, timestamp: i64, content: Value) -> String {
    let mut message = json!({"from": "420777123456", "id": id, "timestamp": timestamp.to_string()});
    if let (Value::Object(message), Value::Object(content)) = (&mut message, content) {
        message.extend(content);
    }
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "PNID"},
        "contacts": [{"profile": {"name": "Jana"}, "wa_id": "420777123456"}],
        "messages": [message]}}]}]})
    .to_string()
}

fn wa_status(id: &str, status: &str, errors: Value) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "PNID"},
        "statuses": [{"id": id, "status": status, "timestamp": "1700000000", "recipient_id": "420777123456", "errors": errors}]}}]}]})
    .to_string()
}

/// Posts a signed WhatsApp text from the test customer and returns its conversation id.
pub(crate) async fn wa_text_conversation(
    app: &TestApp,
    id: &str,
    timestamp: i64,
    body: &str,
) -> i64 {
    let receipt: Value = post_signed(
        app,
        "wa",
        &wa_message(
            id,
            timestamp,
            json!({"type": "text", "text": {"body": body}}),
        ),
    )
    .await
    .json()
    .await
    .expect("json");
    receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("id")
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn verification_handshake_and_signatures() {
    let (_graph, app) = start().await;
    let ok = app
        .client
        .get(app.url(
            "/hooks/wa?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444",
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.expect("text"), "1158201444");
    let wrong = app
        .client
        .get(app.url("/hooks/wa?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"))
        .send()
        .await
        .expect("get");
    assert_eq!(wrong.status(), 403);

    let body = wa_message(
        "wamid.S1",
        now(),
        json!({"type": "text", "text": {"body": "hi"}}),
    );
    let missing = app
        .client
        .post(app.url("/hooks/wa"))
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(missing.status(), 401);
    let forged = app
        .client
        .post(app.url("/hooks/wa"))
        .header(
            connector_meta::SIGNATURE_HEADER,
            connector_meta::sign(b"not the secret", body.as_bytes()),
        )
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 401);
    // Signed over the original bytes, sent re-serialised: a different body, refused.
    let reserialised =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&body).expect("json"))
            .expect("json");
    let moved = app
        .client
        .post(app.url("/hooks/wa"))
        .header(
            connector_meta::SIGNATURE_HEADER,
            connector_meta::sign(SECRET.as_bytes(), body.as_bytes()),
        )
        .body(reserialised)
        .send()
        .await
        .expect("post");
    assert_eq!(moved.status(), 401);
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        0,
        "nothing stored"
    );

    let accepted = post_signed(&app, "wa", &body).await;
    assert_eq!(accepted.status(), 200);
    let again = post_signed(&app, "wa", &body).await;
    assert_eq!(
        again.json::<Value>().await.expect("json")["duplicates"],
        1,
        "redelivery stored once"
    );
    app.stop().await;
}

#[tokio::test]
async fn whatsapp_messenger_and_instagram_reach_the_inbox() {
    let (graph, app) = start().await;
    graph.add_media("MEDIA-1", b"jpeg".to_vec());
    let text = post_signed(
        &app,
        "wa",
        &wa_message(
            "wamid.T1",
            now(),
            json!({"type": "text", "text": {"body": "Dobrý den"}}),
        ),
    )
    .await;
    assert_eq!(text.status(), 200);
    let image = post_signed(&app, "wa", &wa_message("wamid.I1", now(), json!({"type": "image", "image": {"id": "MEDIA-1", "mime_type": "image/jpeg", "caption": "photo"}}))).await;
    let image_id = image.json::<Value>().await.expect("json")["messages"][0]["message_id"]
        .as_i64()
        .expect("id");
    post_signed(&app, "wa", &wa_message("wamid.B1", now(), json!({"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Ano"}}}))).await;
    let list = app.get_json("/api/v1/conversations?channel=wa").await;
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(1),
        "one conversation per WhatsApp user"
    );
    let messages = app
        .get_json(&format!(
            "/api/v1/conversations/{}/messages",
            list["items"][0]["id"]
        ))
        .await;
    let texts: Vec<&str> = messages["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["text"].as_str().expect("text"))
        .collect();
    assert_eq!(texts, ["Dobrý den", "photo", "Ano [choice yes]"]);
    let download = app
        .get(
            &format!("/api/v1/messages/{image_id}/attachments/0"),
            &app.admin_token,
        )
        .await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), b"jpeg");

    for (channel, object, mid) in [("fb", "page", "m_fb1"), ("ig", "instagram", "m_ig1")] {
        let body = json!({"object": object, "entry": [{"id": "X", "time": 1, "messaging": [
            {"sender": {"id": "USER1"}, "recipient": {"id": "X"}, "timestamp": 1_700_000_000_000_i64, "message": {"mid": mid, "text": format!("hi from {channel}")}}]}]})
        .to_string();
        assert_eq!(post_signed(&app, channel, &body).await.status(), 200);
        let list = app
            .get_json(&format!("/api/v1/conversations?channel={channel}"))
            .await;
        assert_eq!(
            list["items"][0]["last_message"],
            format!("hi from {channel}")
        );
        let id = list["items"][0]["id"].as_i64().expect("id");
        app.post_json(
            &format!("/api/v1/conversations/{id}/reply"),
            json!({"text": "Hello!"}),
        )
        .await;
    }
    app.drain_outbox().await;
    let sent = graph.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].account, "PAGE");
    assert_eq!(sent[0].body["recipient"]["id"], "USER1");
    assert_eq!(sent[0].body["message"]["text"], "Hello!");
    assert_eq!(sent[0].authorization, "Bearer EAAG-token");
    assert_eq!(sent[1].account, "IGACC");
    app.stop().await;
}

#[tokio::test]
async fn delivery_statuses_follow_our_messages() {
    let (graph, app) = start().await;
    let conversation = wa_text_conversation(&app, "wamid.T1", now(), "hi").await;
    for text in ["first", "second"] {
        app.post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": text}),
        )
        .await;
    }
    app.drain_outbox().await;
    assert_eq!(graph.sent()[0].body["text"]["body"], "first");
    assert_eq!(graph.sent()[0].body["to"], "420777123456");

    for status in ["sent", "delivered", "read", "delivered"] {
        assert_eq!(
            post_signed(&app, "wa", &wa_status("wamid.OUT1", status, json!([])))
                .await
                .status(),
            200
        );
    }
    post_signed(
        &app,
        "wa",
        &wa_status(
            "wamid.OUT2",
            "failed",
            json!([{"code": 131026, "title": "Message undeliverable"}]),
        ),
    )
    .await;
    let messages = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    assert_eq!(messages["items"][1]["external_id"], "wamid.OUT1");
    assert_eq!(
        messages["items"][1]["delivery_status"], "read",
        "a late 'delivered' does not undo 'read'"
    );
    assert_eq!(messages["items"][2]["delivery_status"], "failed");
    assert_eq!(
        messages["items"][2]["delivery_error"],
        "Message undeliverable (131026)"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_24_hour_window_refuses_free_text_and_accepts_templates() {
    let (graph, app) = start().await;
    let two_days_ago = now() - 48 * 3600;
    let conversation = wa_text_conversation(&app, "wamid.OLD", two_days_ago, "old").await;
    let refused = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": "Are you still there?"}),
        )
        .await;
    assert_eq!(refused.status(), 422);
    let message = refused.json::<Value>().await.expect("json")["error"]["message"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(
        message.contains("24-hour customer service window") && message.contains("template"),
        "{message}"
    );
    assert_eq!(
        app.get_json("/api/v1/deliveries").await["items"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "nothing queued"
    );

    let template = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"template": {"name": "order_update", "language": "cs", "parameters": ["1234"]}}),
        )
        .await;
    assert_eq!(template.status(), 202);
    assert_eq!(
        template.json::<Value>().await.expect("json")["text"],
        "[template order_update: 1234]"
    );
    app.drain_outbox().await;
    let sent = graph.sent();
    assert_eq!(sent[0].body["type"], "template");
    assert_eq!(
        sent[0].body["template"]["components"][0]["parameters"][0]["text"],
        "1234"
    );

    // Inside the window free text goes out; templates are refused on channels without them.
    post_signed(
        &app,
        "wa",
        &wa_message(
            "wamid.NEW",
            now(),
            json!({"type": "text", "text": {"body": "back"}}),
        ),
    )
    .await;
    let inside = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": "Welcome back"}),
        )
        .await;
    assert_eq!(inside.status(), 202);
    app.stop().await;
}

/// The `closes_at` of a conversation's reply window, in epoch seconds.
fn closes_at(window: &Value) -> i64 {
    window["closes_at"]
        .as_str()
        .expect("closes_at")
        .parse::<chrono::DateTime<chrono::Utc>>()
        .expect("time")
        .timestamp()
}

#[tokio::test]
async fn a_conversation_says_whether_a_free_form_reply_is_allowed_and_until_when() {
    let (_graph, app) = start().await;
    let two_days_ago = now() - 48 * 3600;
    let conversation = wa_text_conversation(&app, "wamid.W1", two_days_ago, "old").await;
    let path = format!("/api/v1/conversations/{conversation}");
    let closed = app.get_json(&path).await["reply_window"].clone();
    assert_eq!(closed["free_form_allowed"], false, "{closed}");
    assert_eq!(closed["window_secs"], 24 * 3600);
    assert_eq!(closes_at(&closed), two_days_ago + 24 * 3600);

    // The customer writes again: the window is open for 24 hours from their message.
    let written = now();
    post_signed(
        &app,
        "wa",
        &wa_message(
            "wamid.W2",
            written,
            json!({"type": "text", "text": {"body": "back"}}),
        ),
    )
    .await;
    let open = app.get_json(&path).await["reply_window"].clone();
    assert_eq!(open["free_form_allowed"], true, "{open}");
    assert_eq!(closes_at(&open), written + 24 * 3600);

    // A channel without a window: free-form replies are always allowed, nothing closes.
    let hook = crate::helpers::hook_body("w-1", "cust-w", "hello");
    assert!(app.post_hook(&hook).await.status().is_success());
    let list = app.get_json("/api/v1/conversations?channel=shop").await;
    let webhook = list["items"][0]["id"].as_i64().expect("conversation");
    let window = app
        .get_json(&format!("/api/v1/conversations/{webhook}"))
        .await["reply_window"]
        .clone();
    assert_eq!(
        window,
        json!({"free_form_allowed": true, "closes_at": null, "window_secs": null})
    );

    // The OpenAPI document describes the field.
    let spec = app.get_json("/api/v1/openapi.json").await;
    let answer = &spec["paths"]["/api/v1/conversations/{id}"]["get"]["responses"]["200"];
    assert_eq!(
        answer["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ConversationDetailView"
    );
    let fields = &spec["components"]["schemas"]["ReplyWindowView"]["properties"];
    for field in ["free_form_allowed", "closes_at", "window_secs"] {
        assert!(fields[field].is_object(), "{field} documented: {fields}");
    }
    app.stop().await;
}

#[tokio::test]
async fn throttling_retries_and_invalid_recipients_fail() {
    let (graph, app) = start().await;
    let conversation = wa_text_conversation(&app, "wamid.T1", now(), "hi").await;
    graph.fail_next(
        400,
        json!({"message": "Rate limit hit", "type": "OAuthException", "code": 130429}),
    );
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "one"}),
    )
    .await;
    let before = chrono::Utc::now();
    assert_eq!(app.dispatcher.run_once().await.expect("pass").retried, 1);
    let pending = app.get_json("/api/v1/deliveries?state=pending").await;
    let next: chrono::DateTime<chrono::Utc> = pending["items"][0]["next_attempt_at"]
        .as_str()
        .expect("time")
        .parse()
        .expect("time");
    assert!(
        next >= before + chrono::Duration::seconds(59),
        "throttled sends wait: {next}"
    );
    assert!(
        pending["items"][0]["last_error"]
            .as_str()
            .expect("error")
            .contains("130429")
    );

    graph.fail_next(
        400,
        json!({"message": "Recipient phone number not in allowed list", "code": 131030}),
    );
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "two"}),
    )
    .await;
    let outcome = app.dispatcher.run_once().await.expect("pass");
    assert_eq!(outcome.failed, 1);
    let contact = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await["contact_id"]
        .clone();
    let contact = app.get_json(&format!("/api/v1/contacts/{contact}")).await;
    let whatsapp = contact["identities"]
        .as_array()
        .expect("ids")
        .iter()
        .find(|i| i["scope"] == "whatsapp")
        .cloned()
        .expect("identity");
    assert!(
        whatsapp["unreachable_reason"]
            .as_str()
            .expect("reason")
            .contains("131030")
    );
    assert!(
        contact["identities"]
            .as_array()
            .expect("ids")
            .iter()
            .any(|i| i["scope"] == "phone" && i["external_id"] == "+420777123456")
    );
    app.stop().await;
}
