//! What chat customers do besides writing, through the real doors (signed Meta webhooks, the
//! Telegram webhook and fake Bot API): quoting our message, reacting to it, reading it,
//! blocking the bot; and what ads and stories bring along.

use serde_json::{Value, json};

use crate::fake_telegram::FakeBotApi;
use crate::helpers::TestApp;
use crate::meta::{now, post_signed, start, wa_message, wa_text_conversation};
use crate::telegram::{TOKEN, channel_config};

async fn messages_of(app: &TestApp, conversation: i64) -> Vec<Value> {
    app.get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await["items"]
        .as_array()
        .expect("items")
        .clone()
}

async fn conversation(app: &TestApp, id: i64) -> Value {
    app.get_json(&format!("/api/v1/conversations/{id}")).await
}

async fn reply(app: &TestApp, conversation: i64, text: &str) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": text}),
    )
    .await
}

fn wa_reaction(id: &str, timestamp: i64, to: &str, emoji: &str) -> String {
    wa_message(
        id,
        timestamp,
        json!({"type": "reaction", "reaction": {"message_id": to, "emoji": emoji}}),
    )
}

#[tokio::test]
async fn whatsapp_reactions_stay_on_the_message_and_replies_point_at_ours() {
    let (_graph, app) = start().await;
    let t = now();
    let id = wa_text_conversation(&app, "wamid.Q1", t, "Dobrý den, kde je zásilka?").await;
    assert_eq!(
        reply(&app, id, "Jaké je číslo objednávky?\nDěkujeme")
            .await
            .status(),
        202
    );
    app.drain_outbox().await;
    app.post_json(
        &format!("/api/v1/conversations/{id}/status"),
        json!({"status": "resolved"}),
    )
    .await;
    let before = conversation(&app, id).await;
    assert_eq!(before["status"], "resolved");

    // 👍, its redelivery, a change to ❤️, a late redelivery of the 👍, and a reaction to a
    // message we never stored: every one acknowledged.
    for body in [
        wa_reaction("wamid.RE1", t + 10, "wamid.OUT1", "👍"),
        wa_reaction("wamid.RE1", t + 10, "wamid.OUT1", "👍"),
        wa_reaction("wamid.RE2", t + 20, "wamid.OUT1", "❤️"),
        wa_reaction("wamid.RE1", t + 10, "wamid.OUT1", "👍"),
        wa_reaction("wamid.RE3", t + 30, "wamid.UNKNOWN", "😮"),
    ] {
        assert_eq!(post_signed(&app, "wa", &body).await.status(), 200);
    }
    let messages = messages_of(&app, id).await;
    assert_eq!(messages.len(), 2, "a reaction is no message: {messages:?}");
    let ours = &messages[1];
    assert_eq!(ours["external_id"], "wamid.OUT1");
    let reactions = ours["reactions"].as_array().expect("reactions");
    assert_eq!(reactions.len(), 1, "one reaction per person: {reactions:?}");
    assert_eq!(reactions[0]["emoji"], "❤️");
    assert_eq!(reactions[0]["scope"], "whatsapp");
    assert_eq!(reactions[0]["sender"], "420777123456");
    let after = conversation(&app, id).await;
    assert_eq!(after["status"], "resolved", "a reaction reopens nothing");
    assert_eq!(after["waiting_since"], Value::Null);
    assert_eq!(after["last_message"], before["last_message"]);
    assert_eq!(after["last_activity_at"], before["last_activity_at"]);

    // Taking it back (an empty emoji) removes it.
    post_signed(
        &app,
        "wa",
        &wa_reaction("wamid.RE4", t + 40, "wamid.OUT1", ""),
    )
    .await;
    assert_eq!(messages_of(&app, id).await[1]["reactions"], json!([]));

    // The customer answers our question by quoting it.
    let answer = wa_message(
        "wamid.A1",
        t + 50,
        json!({"type": "text", "text": {"body": "12345"},
               "context": {"from": "420111222333", "id": "wamid.OUT1"}}),
    );
    assert_eq!(post_signed(&app, "wa", &answer).await.status(), 200);
    let messages = messages_of(&app, id).await;
    assert_eq!(messages[2]["text"], "12345");
    assert_eq!(messages[2]["in_reply_to"], messages[1]["id"]);
    assert_eq!(messages[0]["in_reply_to"], Value::Null);

    // A quote of a message that is not in this conversation links nothing.
    let stray = wa_message(
        "wamid.A2",
        t + 60,
        json!({"type": "text", "text": {"body": "?"}, "context": {"id": "wamid.ELSEWHERE"}}),
    );
    post_signed(&app, "wa", &stray).await;
    assert_eq!(messages_of(&app, id).await[3]["in_reply_to"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn whatsapp_locations_keep_the_address_and_ads_keep_their_id() {
    let (_graph, app) = start().await;
    let body = wa_message(
        "wamid.AD1",
        now(),
        json!({"type": "text", "text": {"body": "Mám zájem o nabídku"},
               "referral": {"source_url": "https://fb.me/3cr4Wqqkd", "source_id": "120210000000001",
                            "source_type": "ad", "headline": "Zimní výprodej", "body": "-30 %",
                            "media_type": "image", "image_url": "https://scontent.example/ad.jpg"}}),
    );
    let receipt: Value = post_signed(&app, "wa", &body)
        .await
        .json()
        .await
        .expect("json");
    let id = receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("id");
    let location = wa_message(
        "wamid.LOC1",
        now(),
        json!({"type": "location", "location": {"latitude": 50.0875, "longitude": 14.4213,
               "name": "Výdejní místo", "address": "Celetná 12, 110 00 Praha 1"}}),
    );
    post_signed(&app, "wa", &location).await;
    let messages = messages_of(&app, id).await;
    assert!(
        messages[0]["text"]
            .as_str()
            .expect("text")
            .contains("source_id=120210000000001")
    );
    assert_eq!(
        messages[1]["text"],
        "[location Výdejní místo: 50.087500, 14.421300]\nCeletná 12, 110 00 Praha 1"
    );
    let contact_id = conversation(&app, id).await["contact_id"].clone();
    let contact = app
        .get_json(&format!("/api/v1/contacts/{contact_id}"))
        .await;
    assert_eq!(
        contact["attributes"]["referral"]["source_id"], "120210000000001",
        "{contact}"
    );
    assert_eq!(contact["attributes"]["referral"]["source_type"], "ad");
    app.stop().await;
}

fn page_event(object: &str, item: Value) -> String {
    json!({"object": object, "entry": [{"id": "X", "time": 1, "messaging": [item]}]}).to_string()
}

/// A customer message on Messenger (`fb`) or Instagram (`ig`); returns its conversation.
async fn page_message(app: &TestApp, channel: &str, object: &str, mid: &str, extra: Value) -> i64 {
    let mut message = json!({"mid": mid, "text": "hello"});
    if let (Value::Object(message), Value::Object(extra)) = (&mut message, extra) {
        message.extend(extra);
    }
    let body = page_event(
        object,
        json!({"sender": {"id": "USER1"}, "recipient": {"id": "X"},
               "timestamp": now() * 1000, "message": message}),
    );
    let receipt: Value = post_signed(app, channel, &body)
        .await
        .json()
        .await
        .expect("json");
    receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("conversation")
}

fn millis_of(value: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("time"))
        .expect("rfc3339")
        .timestamp_millis()
}

#[tokio::test]
async fn a_messenger_read_watermark_marks_our_earlier_messages_read() {
    let (graph, app) = start().await;
    let id = page_message(&app, "fb", "page", "m_in1", json!({})).await;
    reply(&app, id, "first").await;
    reply(&app, id, "second").await;
    app.drain_outbox().await;
    graph.fail_next(
        400,
        json!({"message": "(#100) No matching user found", "type": "OAuthException", "code": 100}),
    );
    reply(&app, id, "third, refused").await;
    app.drain_outbox().await;
    reply(&app, id, "fourth, still queued").await;
    let messages = messages_of(&app, id).await;
    let second_sent = millis_of(&messages[2]["sent_at"]);
    let read = |watermark: i64| {
        page_event(
            "page",
            json!({"sender": {"id": "USER1"}, "recipient": {"id": "X"},
                   "timestamp": watermark, "read": {"watermark": watermark}}),
        )
    };
    // Just before the second message: only what was sent before it.
    assert_eq!(
        post_signed(&app, "fb", &read(second_sent - 1))
            .await
            .status(),
        200
    );
    let first_sent = millis_of(&messages[1]["sent_at"]);
    let states = |messages: &[Value]| -> Vec<String> {
        messages
            .iter()
            .map(|m| m["delivery_status"].as_str().unwrap_or("-").to_owned())
            .collect()
    };
    let now_states = states(&messages_of(&app, id).await);
    assert_eq!(
        now_states[2], "sent",
        "sent after the watermark: {now_states:?}"
    );
    post_signed(&app, "fb", &read(second_sent)).await;
    let messages = messages_of(&app, id).await;
    assert_eq!(
        states(&messages),
        ["-", "read", "read", "failed", "queued"],
        "failed and queued messages are not read"
    );
    // A watermark older than what is read moves nothing back.
    post_signed(&app, "fb", &read(first_sent - 1)).await;
    assert_eq!(states(&messages_of(&app, id).await)[2], "read");
    let deliveries = app.get_json("/api/v1/deliveries").await;
    let read_message = deliveries["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["message_id"] == messages[1]["id"])
        .cloned()
        .expect("delivery");
    assert_eq!(read_message["delivery_status"], "read", "{read_message}");
    app.stop().await;
}

#[tokio::test]
async fn instagram_reads_by_message_story_replies_and_reactions() {
    let (_graph, app) = start().await;
    let id = page_message(
        &app,
        "ig",
        "instagram",
        "aWdf_story_reply",
        json!({"text": "where can I buy this?", "reply_to": {"story": {
            "url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900", "id": "17900"}}}),
    )
    .await;
    let messages = messages_of(&app, id).await;
    assert_eq!(
        messages[0]["text"],
        "[reply to story] where can I buy this?"
    );
    assert_eq!(
        messages[0]["attachments"][0]["url"],
        "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900"
    );
    reply(&app, id, "one").await;
    reply(&app, id, "two").await;
    app.drain_outbox().await;
    let messages = messages_of(&app, id).await;
    let first = messages[1]["external_id"].as_str().expect("mid").to_owned();
    let item = |extra: Value| {
        let mut item = json!({"sender": {"id": "USER1"}, "recipient": {"id": "X"},
                              "timestamp": now() * 1000});
        if let (Value::Object(item), Value::Object(extra)) = (&mut item, extra) {
            item.extend(extra);
        }
        page_event("instagram", item)
    };
    post_signed(&app, "ig", &item(json!({"read": {"mid": first}}))).await;
    post_signed(
        &app,
        "ig",
        &item(json!({"reaction": {"mid": first, "action": "react", "reaction": "love", "emoji": "❤"}})),
    )
    .await;
    let messages = messages_of(&app, id).await;
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[1]["delivery_status"], "read");
    assert_eq!(messages[2]["delivery_status"], "sent");
    assert_eq!(messages[1]["reactions"][0]["emoji"], "❤");
    post_signed(
        &app,
        "ig",
        &item(json!({"reaction": {"mid": first, "action": "unreact"}})),
    )
    .await;
    assert_eq!(messages_of(&app, id).await[1]["reactions"], json!([]));
    assert_eq!(
        conversation(&app, id).await["last_message"],
        "two",
        "reactions and reads are no messages"
    );
    app.stop().await;
}

async fn telegram_hook(app: &TestApp, update: Value) -> reqwest::Response {
    app.client
        .post(app.url("/hooks/tgw"))
        .header("x-telegram-bot-api-secret-token", "hook-secret_1")
        .json(&update)
        .send()
        .await
        .expect("send")
}

fn private_message(update_id: i64, message_id: i64, text: &str, extra: Value) -> Value {
    let mut message = json!({
        "message_id": message_id, "date": 1_790_000_000,
        "chat": {"id": 42, "type": "private", "first_name": "Jana"},
        "from": {"id": 42, "is_bot": false, "first_name": "Jana"},
        "text": text
    });
    if let (Value::Object(message), Value::Object(extra)) = (&mut message, extra) {
        message.extend(extra);
    }
    json!({"update_id": update_id, "message": message})
}

fn my_chat_member(update_id: i64, status: &str) -> Value {
    json!({"update_id": update_id, "my_chat_member": {
        "chat": {"id": 42, "type": "private", "first_name": "Jana"},
        "from": {"id": 42, "is_bot": false, "first_name": "Jana"}, "date": 1_790_000_100,
        "old_chat_member": {"user": {"id": 123, "is_bot": true, "first_name": "Shop"}, "status": "member"},
        "new_chat_member": {"user": {"id": 123, "is_bot": true, "first_name": "Shop"}, "status": status,
                            "until_date": 0}}})
}

async fn start_telegram() -> (FakeBotApi, TestApp) {
    let fake = FakeBotApi::start(TOKEN).await;
    let app = TestApp::spawn_with(&channel_config(&fake)).await;
    (fake, app)
}

async fn tgw_conversation(app: &TestApp) -> i64 {
    app.get_json("/api/v1/conversations?channel=tgw").await["items"][0]["id"]
        .as_i64()
        .expect("conversation")
}

#[tokio::test]
async fn a_telegram_block_refuses_replies_until_the_user_unblocks() {
    let (fake, app) = start_telegram().await;
    telegram_hook(&app, private_message(1, 1, "Dobrý den", json!({}))).await;
    let id = tgw_conversation(&app).await;

    assert_eq!(
        telegram_hook(&app, my_chat_member(2, "kicked"))
            .await
            .status(),
        200
    );
    let refused = reply(&app, id, "Are you there?").await;
    assert!(
        refused.status() == 409 || refused.status() == 422,
        "{}",
        refused.status()
    );
    let error = refused.json::<Value>().await.expect("json").to_string();
    assert!(error.contains("the user blocked the bot"), "{error}");
    let contact_id = conversation(&app, id).await["contact_id"].clone();
    let contact = app
        .get_json(&format!("/api/v1/contacts/{contact_id}"))
        .await;
    let identity = contact["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["scope"] == "telegram")
        .cloned()
        .expect("telegram identity");
    assert_eq!(identity["unreachable_reason"], "the user blocked the bot");

    assert_eq!(
        telegram_hook(&app, my_chat_member(3, "member"))
            .await
            .status(),
        200
    );
    assert_eq!(reply(&app, id, "Welcome back").await.status(), 202);
    app.drain_outbox().await;
    assert!(
        fake.sent()
            .iter()
            .any(|call| call.params["text"] == "Welcome back")
    );
    app.stop().await;
}

fn group_membership(update_id: i64, status: &str) -> Value {
    json!({"update_id": update_id, "my_chat_member": {
        "chat": {"id": -1005555, "type": "supergroup", "title": "Wholesale customers"},
        "from": {"id": 42, "is_bot": false, "first_name": "Jana"}, "date": 1_790_000_100,
        "old_chat_member": {"user": {"id": 123, "is_bot": true, "first_name": "Shop"}, "status": "member"},
        "new_chat_member": {"user": {"id": 123, "is_bot": true, "first_name": "Shop"}, "status": status,
                            "until_date": 0}}})
}

#[tokio::test]
async fn the_bot_removed_from_a_group_refuses_replies_there_until_it_is_back() {
    let (fake, app) = start_telegram().await;
    let in_group = json!({"update_id": 1, "message": {
        "message_id": 5, "date": 1_790_000_000,
        "chat": {"id": -1005555, "type": "supergroup", "title": "Wholesale customers"},
        "from": {"id": 42, "is_bot": false, "first_name": "Jana"},
        "text": "Is the price list out?"}});
    assert_eq!(telegram_hook(&app, in_group).await.status(), 200);
    let id = tgw_conversation(&app).await;
    assert_eq!(
        conversation(&app, id).await["unanswerable_reason"],
        Value::Null
    );

    assert_eq!(
        telegram_hook(&app, group_membership(2, "kicked"))
            .await
            .status(),
        200
    );
    let shown = conversation(&app, id).await;
    assert_eq!(
        shown["unanswerable_reason"], "the bot was removed from the group",
        "{shown}"
    );
    let refused = reply(&app, id, "Yes, attached").await;
    assert_eq!(refused.status(), 422);
    let error = refused.json::<Value>().await.expect("json").to_string();
    assert!(
        error.contains("the bot was removed from the group"),
        "{error}"
    );
    assert!(
        messages_of(&app, id)
            .await
            .iter()
            .all(|m| m["direction"] != "out"),
        "a refused reply stores nothing"
    );
    // The person who wrote in the group is not blocked: only the group is closed.
    let contact = app
        .get_json(&format!("/api/v1/contacts/{}", shown["contact_id"]))
        .await;
    assert!(
        contact["identities"]
            .as_array()
            .expect("identities")
            .iter()
            .all(|i| i["unreachable_reason"].is_null()),
        "{contact}"
    );
    let activity = app
        .get_json(&format!("/api/v1/conversations/{id}/activity"))
        .await
        .to_string();
    assert!(activity.contains("\"answerable\":false"), "{activity}");

    assert_eq!(
        telegram_hook(&app, group_membership(3, "member"))
            .await
            .status(),
        200
    );
    assert_eq!(
        conversation(&app, id).await["unanswerable_reason"],
        Value::Null
    );
    assert_eq!(reply(&app, id, "Yes, attached").await.status(), 202);
    app.drain_outbox().await;
    assert!(
        fake.sent()
            .iter()
            .any(|call| call.params["text"] == "Yes, attached"
                && call.params["chat_id"].to_string().contains("-1005555")),
        "{:?}",
        fake.sent()
    );
    app.stop().await;
}

#[tokio::test]
async fn telegram_replies_link_and_other_bots_stay_out_of_contacts() {
    let (_fake, app) = start_telegram().await;
    telegram_hook(&app, private_message(1, 1, "Kde je zásilka?", json!({}))).await;
    let id = tgw_conversation(&app).await;
    reply(&app, id, "Jaké je číslo objednávky?").await;
    app.drain_outbox().await;
    let ours = messages_of(&app, id).await[1].clone();
    let (_, our_message) = ours["external_id"]
        .as_str()
        .and_then(|id| id.split_once(':'))
        .expect("chat:message");
    let quoted: i64 = our_message.parse().expect("message id");
    telegram_hook(
        &app,
        private_message(
            2,
            quoted + 1,
            "12345",
            json!({"reply_to_message": {"message_id": quoted, "date": 1_790_000_000,
                "chat": {"id": 42, "type": "private", "first_name": "Jana"},
                "from": {"id": 123, "is_bot": true, "first_name": "Shop"},
                "text": "Jaké je číslo objednávky?"}}),
        ),
    )
    .await;
    let messages = messages_of(&app, id).await;
    assert_eq!(messages[2]["in_reply_to"], ours["id"]);

    let contacts_before = app.get_json("/api/v1/contacts").await["items"]
        .as_array()
        .map(Vec::len);
    let from_bot = json!({"update_id": 3, "message": {
        "message_id": 7, "date": 1_790_000_000,
        "chat": {"id": -1001234, "type": "supergroup", "title": "Customers"},
        "from": {"id": 777, "is_bot": true, "first_name": "OtherBot", "username": "other_bot"},
        "text": "Daily report: 3 orders"}});
    assert_eq!(telegram_hook(&app, from_bot).await.status(), 200);
    assert_eq!(
        app.get_json("/api/v1/contacts").await["items"]
            .as_array()
            .map(Vec::len),
        contacts_before,
        "another bot becomes no contact"
    );
    assert_eq!(
        app.get_json("/api/v1/conversations?channel=tgw").await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    app.stop().await;
}

#[tokio::test]
async fn polling_asks_telegram_for_membership_changes() {
    let (fake, app) = start_telegram().await;
    let calls = fake.wait_for_calls("getupdates", 1).await;
    let allowed = &calls[0].params["allowed_updates"];
    assert!(
        allowed
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "my_chat_member")),
        "{allowed}"
    );
    app.stop().await;
}
