//! The Telegram channel end to end against a fake Bot API: polling, webhook mode, groups,
//! edits, attachments, rate-limit and blocked-bot failures, long replies, restarts.

use serde_json::{Value, json};

use crate::fake_telegram::{Failure, FakeBotApi};
use crate::helpers::{TestApp, TestDb, app_backend};

pub(crate) const TOKEN: &str = "123:TEST";

pub(crate) fn channel_config(fake: &FakeBotApi) -> String {
    format!(
        "[[channels]]\nname = \"tg\"\nkind = \"telegram\"\ntoken = {TOKEN:?}\napi_url = {:?}\npoll_timeout_secs = 1\n\
         private_chat_per_second = 1000\ngroup_per_minute = 60000\nbot_per_second = 1000\n\n\
         [[channels]]\nname = \"tgw\"\nkind = \"telegram\"\nmode = \"webhook\"\nsecret_token = \"hook-secret_1\"\n\
         token = {TOKEN:?}\napi_url = {:?}\n",
        fake.url(),
        fake.url()
    )
}

pub(crate) fn private_text(message_id: i64, user: i64, text: &str) -> Value {
    json!({"message": {
        "message_id": message_id, "date": 1_790_000_000,
        "chat": {"id": user, "type": "private", "first_name": "Jana"},
        "from": {"id": user, "is_bot": false, "first_name": "Jana", "last_name": "Nová", "language_code": "cs"},
        "text": text
    }})
}

fn group_text(message_id: i64, group: i64, user: i64, name: &str, text: &str) -> Value {
    json!({"message": {
        "message_id": message_id, "date": 1_790_000_000,
        "chat": {"id": group, "type": "supergroup", "title": "Customers"},
        "from": {"id": user, "is_bot": false, "first_name": name},
        "text": text
    }})
}

pub(crate) async fn start() -> (FakeBotApi, TestApp) {
    let fake = FakeBotApi::start(TOKEN).await;
    let app = TestApp::spawn_with(&channel_config(&fake)).await;
    (fake, app)
}

pub(crate) async fn conversation_of(app: &TestApp, thread: &str) -> Value {
    let list = app.get_json("/api/v1/conversations?channel=tg").await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["thread_key"] == thread)
        .cloned()
        .unwrap_or_else(|| panic!("no conversation for {thread}: {list}"))
}

#[tokio::test]
async fn a_private_chat_round_trip_by_long_polling() {
    let (fake, app) = start().await;
    fake.push_update(private_text(1, 42, "Dobrý den, <b>kde</b> je objednávka?"));
    app.wait_for_event("message.created").await;
    let conversation = conversation_of(&app, "42").await;
    let id = conversation["id"].as_i64().expect("id");
    let messages = app
        .get_json(&format!("/api/v1/conversations/{id}/messages"))
        .await;
    assert_eq!(
        messages["items"][0]["text"],
        "Dobrý den, <b>kde</b> je objednávka?"
    );
    assert_eq!(messages["items"][0]["external_id"], "42:1");

    let reply = app
        .post_json(
            &format!("/api/v1/conversations/{id}/reply"),
            json!({"text": "Posíláme dnes <3 & děkujeme"}),
        )
        .await;
    assert_eq!(reply.status(), 202);
    app.drain_outbox().await;
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "sendmessage");
    assert_eq!(sent[0].params["chat_id"], 42);
    assert_eq!(sent[0].params["text"], "Posíláme dnes &lt;3 &amp; děkujeme");
    assert_eq!(sent[0].params["parse_mode"], "HTML");
    assert!(
        sent[0].params.get("reply_parameters").is_none(),
        "private chats are not quoted"
    );
    let thread = app
        .get_json(&format!("/api/v1/conversations/{id}/messages"))
        .await;
    assert_eq!(
        thread["items"][1]["external_id"], "42:1000",
        "Telegram's message id is recorded"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_group_is_one_conversation_with_each_sender_attributed() {
    let (fake, app) = start().await;
    fake.push_update(group_text(7, -1001, 1, "Petr", "Hi all"));
    fake.push_update(group_text(8, -1001, 2, "Eva", "Same problem here"));
    app.wait_for_event("message.created").await;
    app.wait_for_event("message.created").await;
    let conversation = conversation_of(&app, "-1001").await;
    let id = conversation["id"].as_i64().expect("id");
    let messages = app
        .get_json(&format!("/api/v1/conversations/{id}/messages"))
        .await;
    let authors: Vec<i64> = messages["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["author_id"].as_i64().expect("author"))
        .collect();
    assert_eq!(authors.len(), 2);
    assert_ne!(
        authors[0], authors[1],
        "each group member is their own contact"
    );

    app.post_json(
        &format!("/api/v1/conversations/{id}/reply"),
        json!({"text": "We are on it"}),
    )
    .await;
    app.drain_outbox().await;
    let sent = fake.sent();
    assert_eq!(sent[0].params["chat_id"], -1001);
    assert_eq!(
        sent[0].params["reply_parameters"]["message_id"], 8,
        "the reply quotes the latest customer message"
    );
    app.stop().await;
}

#[tokio::test]
async fn webhook_mode_checks_the_secret_token() {
    let (_fake, app) = start().await;
    let update = json!({"update_id": 500})
        .as_object()
        .cloned()
        .map(|mut u| {
            u.extend(
                private_text(3, 77, "via webhook")
                    .as_object()
                    .cloned()
                    .expect("object"),
            );
            Value::Object(u)
        })
        .expect("update");
    let wrong = app
        .client
        .post(app.url("/hooks/tgw"))
        .header("x-telegram-bot-api-secret-token", "nope")
        .json(&update)
        .send()
        .await
        .expect("send");
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        0,
        "nothing stored"
    );
    let right = app
        .client
        .post(app.url("/hooks/tgw"))
        .header("x-telegram-bot-api-secret-token", "hook-secret_1")
        .json(&update)
        .send()
        .await
        .expect("send");
    assert_eq!(right.status(), 200);
    let body: Value = right.json().await.expect("json");
    assert_eq!(body["accepted"], 1);
    let again = app
        .client
        .post(app.url("/hooks/tgw"))
        .header("x-telegram-bot-api-secret-token", "hook-secret_1")
        .json(&update)
        .send()
        .await
        .expect("send");
    assert_eq!(
        again.json::<Value>().await.expect("json")["duplicates"],
        1,
        "Telegram's redelivery is deduplicated"
    );
    app.stop().await;
}

#[tokio::test]
async fn edits_and_attachments_are_kept() {
    let (fake, app) = start().await;
    fake.add_file("PHOTO-1", "photos/file_1.jpg", b"jpeg bytes".to_vec());
    fake.push_update(json!({"message": {
        "message_id": 5, "date": 1_790_000_000,
        "chat": {"id": 42, "type": "private", "first_name": "Jana"},
        "from": {"id": 42, "is_bot": false, "first_name": "Jana"},
        "caption": "brokn box",
        "photo": [{"file_id": "PHOTO-small", "file_unique_id": "s", "width": 90, "height": 90},
                  {"file_id": "PHOTO-1", "file_unique_id": "b", "width": 1280, "height": 960, "file_size": 10}]
    }}));
    let created = app.wait_for_event("message.created").await;
    let message = created.message_id.expect("message id").get();
    fake.push_update(json!({"edited_message": {
        "message_id": 5, "date": 1_790_000_000, "edit_date": 1_790_000_100,
        "chat": {"id": 42, "type": "private", "first_name": "Jana"},
        "from": {"id": 42, "is_bot": false, "first_name": "Jana"},
        "caption": "broken box"
    }}));
    app.wait_for_event("message.updated").await;
    let revisions = app
        .get_json(&format!("/api/v1/messages/{message}/revisions"))
        .await;
    assert_eq!(revisions[0]["text"], "brokn box");
    let conversation = conversation_of(&app, "42").await;
    let thread = app
        .get_json(&format!(
            "/api/v1/conversations/{}/messages",
            conversation["id"]
        ))
        .await;
    assert_eq!(thread["items"][0]["text"], "broken box");
    assert_eq!(
        thread["items"][0]["attachments"][0]["file_id"], "PHOTO-1",
        "the largest size is kept"
    );

    let download = app
        .get(
            &format!("/api/v1/messages/{message}/attachments/0"),
            &app.admin_token,
        )
        .await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "image/jpeg");
    assert_eq!(
        download.bytes().await.expect("bytes").as_ref(),
        b"jpeg bytes"
    );
    app.stop().await;
}

#[tokio::test]
async fn rate_limits_blocked_bots_and_long_replies() {
    let (fake, app) = start().await;
    fake.push_update(private_text(1, 42, "hello"));
    fake.push_update(private_text(2, 43, "hello too"));
    fake.push_update(private_text(3, 44, "and me"));
    for _ in 0..3 {
        app.wait_for_event("message.created").await;
    }
    let first = conversation_of(&app, "42").await["id"]
        .as_i64()
        .expect("id");
    let second = conversation_of(&app, "43").await["id"]
        .as_i64()
        .expect("id");
    let third = conversation_of(&app, "44").await["id"]
        .as_i64()
        .expect("id");

    // 429: retried no sooner than retry_after.
    fake.fail_next("sendMessage", Failure::TooManyRequests { retry_after: 7 });
    app.post_json(
        &format!("/api/v1/conversations/{first}/reply"),
        json!({"text": "one"}),
    )
    .await;
    let before = chrono::Utc::now();
    let outcome = app.dispatcher.run_once().await.expect("pass");
    assert_eq!(outcome.retried, 1);
    let deliveries = app.get_json("/api/v1/deliveries?state=pending").await;
    let next: chrono::DateTime<chrono::Utc> = deliveries["items"][0]["next_attempt_at"]
        .as_str()
        .expect("time")
        .parse()
        .expect("time");
    assert!(
        next >= before + chrono::Duration::seconds(6),
        "retry_after honoured: {next}"
    );

    // 403 blocked: failed for good, identity marked unreachable.
    fake.fail_next(
        "sendMessage",
        Failure::Forbidden("Forbidden: bot was blocked by the user".into()),
    );
    app.post_json(
        &format!("/api/v1/conversations/{second}/reply"),
        json!({"text": "two"}),
    )
    .await;
    let outcome = app.dispatcher.run_once().await.expect("pass");
    assert_eq!(outcome.failed, 1);
    let failed = app.get_json("/api/v1/deliveries?state=failed").await;
    assert!(
        failed["items"][0]["last_error"]
            .as_str()
            .expect("error")
            .contains("blocked")
    );
    let contact = app
        .get_json(&format!("/api/v1/conversations/{second}"))
        .await["contact_id"]
        .clone();
    let contact = app.get_json(&format!("/api/v1/contacts/{contact}")).await;
    let telegram = contact["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["scope"] == "telegram")
        .cloned()
        .expect("identity");
    assert!(
        telegram["unreachable_reason"].as_str().is_some(),
        "{contact}"
    );

    // A 10,000-character reply goes out in three parts.
    let long: String = (0..10_000)
        .map(|i| if i % 50 == 49 { '\n' } else { 'a' })
        .collect();
    let chat_44 = app
        .post_json(
            &format!("/api/v1/conversations/{third}/reply"),
            json!({"text": long}),
        )
        .await;
    assert_eq!(chat_44.status(), 202);
    let sent_before = fake.sent().len();
    // The first reply is still waiting out its retry_after; only the long one is due.
    let outcome = app.dispatcher.run_once().await.expect("pass");
    assert_eq!(outcome.sent, 1);
    let parts: Vec<_> = fake.sent().into_iter().skip(sent_before).collect();
    assert_eq!(parts.len(), 3, "10,000 characters need three messages");
    assert!(
        parts
            .iter()
            .all(|p| p.params["text"].as_str().expect("text").chars().count() <= 4096)
    );
    let total: usize = parts
        .iter()
        .map(|p| {
            p.params["text"]
                .as_str()
                .expect("text")
                .chars()
                .filter(|c| *c == 'a')
                .count()
        })
        .sum();
    assert_eq!(
        total,
        long.chars().filter(|c| *c == 'a').count(),
        "nothing lost in splitting"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_restart_neither_loses_nor_repeats_updates() {
    let fake = FakeBotApi::start(TOKEN).await;
    let app = TestApp::spawn_on(TestDb::new(app_backend()).await, &channel_config(&fake)).await;
    for id in 1..=3 {
        fake.push_update(private_text(id, 42, &format!("before {id}")));
    }
    for _ in 0..3 {
        app.wait_for_event("message.created").await;
    }
    let db = app.stop_keeping_db().await;
    // Updates that arrive while Switchboard is down are picked up after the restart.
    for id in 4..=5 {
        fake.push_update(private_text(id, 42, &format!("while down {id}")));
    }
    let app = TestApp::spawn_on(db, &channel_config(&fake)).await;
    app.wait_for_event("message.created").await;
    app.wait_for_event("message.created").await;
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        5,
        "all five, each once"
    );
    let offsets = fake.offsets();
    assert!(
        offsets.contains(&4),
        "the restarted poller resumed at the committed offset: {offsets:?}"
    );
    assert!(
        !offsets.iter().skip_while(|o| **o < 4).any(|o| *o < 4),
        "never went back: {offsets:?}"
    );
    assert_eq!(
        (fake.max_concurrent_get_updates(), fake.conflicts()),
        (1, 0),
        "one poller at a time, across the restart too"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_group_that_removed_the_bot_does_not_mark_its_members_unreachable() {
    let (fake, app) = start().await;
    fake.push_update(group_text(1, -2002, 5, "Petr", "hello group"));
    app.wait_for_event("message.created").await;
    let conversation = conversation_of(&app, "-2002").await;
    let id = conversation["id"].as_i64().expect("id");
    fake.fail_next(
        "sendMessage",
        Failure::Forbidden("Forbidden: bot was kicked from the supergroup chat".into()),
    );
    app.post_json(
        &format!("/api/v1/conversations/{id}/reply"),
        json!({"text": "anyone?"}),
    )
    .await;
    assert_eq!(app.dispatcher.run_once().await.expect("pass").failed, 1);
    let contact = app
        .get_json(&format!("/api/v1/contacts/{}", conversation["contact_id"]))
        .await;
    assert!(
        contact["identities"][0]["unreachable_reason"].is_null(),
        "{contact}"
    );
    app.stop().await;
}

/// The stand-in answers a second poller as the real Bot API does: the older `getUpdates`,
/// still waiting, ends with 409 and the newer one is served.
#[tokio::test]
async fn a_second_long_poll_of_the_bot_terminates_the_first_with_409() {
    let fake = FakeBotApi::start(TOKEN).await;
    let client = reqwest::Client::new();
    let url = format!("{}bot{TOKEN}/getUpdates", fake.url());
    let poll = |client: &reqwest::Client| {
        let request = client.post(&url).json(&json!({"timeout": 30}));
        tokio::spawn(async move { request.send().await.expect("request") })
    };
    let first = poll(&client);
    fake.wait_for_calls("getUpdates", 1).await;
    assert_eq!(fake.max_concurrent_get_updates(), 1);
    let second = poll(&client);

    let first = first.await.expect("first poll");
    assert_eq!(first.status(), 409);
    let body: Value = first.json().await.expect("json");
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 409, "description": crate::fake_telegram::CONFLICT_DESCRIPTION})
    );
    assert_eq!(fake.conflicts(), 1);
    assert_eq!(fake.max_concurrent_get_updates(), 2);

    // The newer poll still waits, and gets the next update.
    fake.push_update(private_text(1, 42, "hello"));
    let second = second.await.expect("second poll");
    assert_eq!(second.status(), 200);
    let body: Value = second.json().await.expect("json");
    assert_eq!(body["result"][0]["update_id"], 1, "{body}");
    assert_eq!(fake.conflicts(), 1);
}
