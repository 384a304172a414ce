//! The Discord channel against a fake Discord (REST + gateway WebSocket): DMs, a support
//! channel with a thread per conversation, edits, a gateway drop with backfill, 429, 50007,
//! and splitting.

use serde_json::{Value, json};

use crate::fake_discord::FakeDiscord;
use crate::helpers::TestApp;

const SUPPORT: u64 = 3000;
const GUILD: u64 = 77;
const DM: u64 = 9001;

async fn start() -> (FakeDiscord, TestApp) {
    let fake = FakeDiscord::start().await;
    let config = format!(
        "[[channels]]\nname = \"dc\"\nkind = \"discord\"\ntoken = \"FAKE.TOKEN\"\napi_url = {:?}\nwatch_channels = [{SUPPORT}]\n",
        fake.base_url()
    );
    let app = TestApp::spawn_with(&config).await;
    fake.wait_for_identify(1).await;
    (fake, app)
}

/// Waits for the next customer message to be stored (replies make `message.created` too).
async fn inbound_stored(app: &TestApp) {
    loop {
        let event = app.wait_for_event("message.created").await;
        if event.data["direction"] == "in" {
            return;
        }
    }
}

async fn conversation_for(app: &TestApp, thread: u64) -> i64 {
    let list = app.get_json("/api/v1/conversations?channel=dc").await;
    let key = thread.to_string();
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["thread_key"] == key.as_str())
        .and_then(|c| c["id"].as_i64())
        .unwrap_or_else(|| panic!("no conversation for {thread}: {list}"))
}

#[tokio::test]
async fn a_dm_round_trip_with_escaping_and_splitting() {
    let (fake, app) = start().await;
    fake.post_message(DM, None, 42, "alice", "my *order* is late");
    inbound_stored(&app).await;
    let conversation = conversation_for(&app, DM).await;
    let thread = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    assert_eq!(thread["items"][0]["text"], "my *order* is late");

    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "Sorry, *really*: @everyone"}),
    )
    .await;
    app.drain_outbox().await;
    let posted = fake
        .wait_for_requests("POST", &format!("/channels/{DM}/messages"), 1)
        .await;
    assert_eq!(posted[0].body["content"], "Sorry, \\*really\\*: @everyone");
    assert_eq!(
        posted[0].body["allowed_mentions"]["parse"],
        json!([]),
        "replies never ping"
    );

    let long = vec!["x".repeat(99); 45].join("\n"); // 4,499 characters
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": long}),
    )
    .await;
    app.drain_outbox().await;
    let posted = fake
        .wait_for_requests("POST", &format!("/channels/{DM}/messages"), 4)
        .await;
    assert_eq!(posted.len(), 4, "one short reply, then three parts");
    assert!(
        posted
            .iter()
            .all(|p| p.body["content"].as_str().expect("content").chars().count() <= 2000)
    );
    app.stop().await;
}

#[tokio::test]
async fn a_support_channel_message_opens_a_thread_that_is_the_conversation() {
    let (fake, app) = start().await;
    let first = fake.post_message(
        SUPPORT,
        Some(GUILD),
        43,
        "bob",
        "I need help with my invoice",
    );
    inbound_stored(&app).await;
    fake.wait_for_requests(
        "POST",
        &format!("/channels/{SUPPORT}/messages/{first}/threads"),
        1,
    )
    .await;
    let conversation = conversation_for(&app, first).await;

    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "Looking into it"}),
    )
    .await;
    app.drain_outbox().await;
    let posted = fake
        .wait_for_requests("POST", &format!("/channels/{first}/messages"), 1)
        .await;
    assert_eq!(
        posted[0].body["content"], "Looking into it",
        "the reply lands in the thread"
    );

    fake.post_message(first, Some(GUILD), 43, "bob", "thanks, invoice 2026-17");
    inbound_stored(&app).await;
    let messages = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    assert_eq!(
        messages["items"].as_array().map(Vec::len),
        Some(3),
        "the thread's messages join it"
    );

    // Edits are reflected, with history.
    fake.edit_message(SUPPORT, first, "I need help with invoice 2026-17");
    let edited = app.wait_for_event("message.updated").await;
    let id = edited.message_id.expect("message").get();
    let revisions = app
        .get_json(&format!("/api/v1/messages/{id}/revisions"))
        .await;
    assert_eq!(revisions[0]["text"], "I need help with my invoice");
    // Deletions too: the text is replaced, the original kept.
    let follow_up = fake.post_message(first, Some(GUILD), 43, "bob", "oops, wrong chat");
    inbound_stored(&app).await;
    fake.delete_message(first, follow_up);
    let deleted = app.wait_for_event("message.updated").await;
    let deleted_id = deleted.message_id.expect("message").get();
    let thread = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    let shown = thread["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|m| m["id"] == deleted_id)
        .cloned()
        .expect("message");
    assert_eq!(shown["text"], "[deleted by its author]");
    assert_eq!(
        app.get_json(&format!("/api/v1/messages/{deleted_id}/revisions"))
            .await[0]["text"],
        "oops, wrong chat"
    );
    // Chatter in unwatched channels is not ours.
    fake.add_guild_channel(5555, GUILD);
    fake.post_message(5555, Some(GUILD), 44, "carol", "off topic");
    fake.post_message(DM, None, 42, "alice", "marker");
    inbound_stored(&app).await;
    let list = app.get_json("/api/v1/conversations?channel=dc").await;
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|c| c["thread_key"] != "5555")
    );
    app.stop().await;
}

#[tokio::test]
async fn messages_posted_during_a_gateway_drop_are_backfilled_once() {
    let (fake, app) = start().await;
    fake.post_message(DM, None, 42, "alice", "before the drop");
    inbound_stored(&app).await;
    fake.drop_gateway();
    fake.post_message(DM, None, 42, "alice", "while down 1");
    fake.post_message(DM, None, 42, "alice", "while down 2");
    fake.wait_for_identify(2).await;
    inbound_stored(&app).await;
    inbound_stored(&app).await;
    let conversation = conversation_for(&app, DM).await;
    let messages = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    let texts: Vec<&str> = messages["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["text"].as_str().expect("text"))
        .collect();
    assert_eq!(texts, ["before the drop", "while down 1", "while down 2"]);
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        3,
        "each once"
    );
    app.stop().await;
}

#[tokio::test]
async fn rate_limits_retry_and_unreachable_users_fail() {
    let (fake, app) = start().await;
    fake.post_message(DM, None, 42, "alice", "hi");
    inbound_stored(&app).await;
    let conversation = conversation_for(&app, DM).await;

    fake.fail_next(
        &format!("/channels/{DM}/messages"),
        429,
        json!({"message": "You are being rate limited.", "retry_after": 1.5, "global": false}),
    );
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "one"}),
    )
    .await;
    let outcome = app.dispatcher.run_once().await.expect("pass");
    assert_eq!(outcome.retried, 1, "a 429 is retried, not failed");

    fake.fail_next(
        &format!("/channels/{DM}/messages"),
        403,
        json!({"message": "Cannot send messages to this user", "code": 50007}),
    );
    let outcome = app.dispatcher.run_once().await.expect("pass");
    assert_eq!(outcome.failed, 1);
    let failed = app.get_json("/api/v1/deliveries?state=failed").await;
    assert!(
        failed["items"][0]["last_error"]
            .as_str()
            .expect("error")
            .contains("50007")
    );
    let contact = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await["contact_id"]
        .clone();
    let contact: Value = app.get_json(&format!("/api/v1/contacts/{contact}")).await;
    assert!(
        contact["identities"][0]["unreachable_reason"]
            .as_str()
            .is_some(),
        "{contact}"
    );
    app.stop().await;
}
