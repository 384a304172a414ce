//! Templates and canned responses through the API: listing, preview with sample and real
//! data, replies rendered for the channel (Telegram markup reaching the connector), canned
//! response CRUD and validation, and a broken template folder stopping start-up.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use switchboard::app::App;
use switchboard::config::Config;

use crate::helpers::TestApp;

/// A folder with extra templates, and the config lines that load it.
fn template_dir(files: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, source) in files {
        std::fs::write(dir.path().join(name), source).expect("write template");
    }
    let config = format!(
        "\n[templates]\ndir = {:?}\ndefault_locale = \"en\"\n",
        dir.path().display().to_string()
    );
    (dir, config)
}

/// A conversation on the fake Telegram channel from a customer called `name`.
async fn conversation_from(app: &TestApp, sender: &str, name: &str) -> (i64, i64) {
    let mut message = app.fake.message(&format!("in-{sender}"), sender, "hello");
    message.sender = message.sender.clone().with_name(name);
    let receipts = app.fake.inject(vec![message]).await.expect("inject");
    let conversation = receipts[0].conversation_id;
    let view = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    let contact = view["contact_id"].as_i64().expect("contact id");
    (conversation, contact)
}

async fn set_locale(app: &TestApp, contact: i64, locale: &str) {
    let response = app
        .send(
            Method::PATCH,
            &format!("/api/v1/contacts/{contact}"),
            &app.admin_token,
            json!({"attributes": {"locale": locale}}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(actual, status, "{body}");
    body
}

#[tokio::test]
async fn templates_are_listed_and_previewed_with_sample_data() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let list = json_of(app.get("/api/v1/templates", &agent).await, 200).await;
    let names: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ack",
            "csat_request",
            "greeting",
            "out_of_office",
            "resolved",
            "sms_help"
        ]
    );
    assert_eq!(list[0]["locales"], json!(["cs", "en"]));

    let preview = json_of(
        app.send(
            Method::POST,
            "/api/v1/templates/ack/preview",
            &agent,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(preview["variant"], "ack");
    assert_eq!(preview["locale"], "en");
    assert_eq!(preview["channel_kind"], "webhook");
    assert!(
        preview["text"].as_str().expect("text").starts_with(
            "Hi Jana,\n\nthank you for your message. We have received it as ticket #1042."
        ),
        "{preview}"
    );

    let email = json_of(
        app.send(
            Method::POST,
            "/api/v1/templates/ack/preview",
            &agent,
            json!({"channel_kind": "email", "locale": "cs_CZ"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(email["variant"], "ack.cs+ack.email.cs.html");
    assert_eq!(email["locale"], "cs-cz");
    assert!(
        email["html"]
            .as_str()
            .expect("html")
            .contains("požadavek <strong>č. 1042</strong>"),
        "{email}"
    );
    app.stop().await;
}

#[tokio::test]
async fn preview_answers_404_for_an_unknown_template_and_422_for_what_cannot_render() {
    let (_dir, config) = template_dir(&[(
        "refund.j2",
        "Your refund of {{ custom.amount }} for order {{ custom.order }} is on its way.",
    )]);
    let app = TestApp::spawn_with(&config).await;
    let missing = json_of(
        app.post_json("/api/v1/templates/nope/preview", json!({}))
            .await,
        404,
    )
    .await;
    assert_eq!(missing["error"]["code"], "not_found");

    let incomplete = json_of(
        app.post_json(
            "/api/v1/templates/refund/preview",
            json!({"values": {"amount": "€12"}}),
        )
        .await,
        422,
    )
    .await;
    let message = incomplete["error"]["message"].as_str().expect("message");
    assert!(message.contains("refund.j2:1"), "{message}");
    assert!(message.contains("custom.order"), "{message}");

    let complete = json_of(
        app.post_json(
            "/api/v1/templates/refund/preview",
            json!({"values": {"amount": "€12", "order": 5531}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        complete["text"],
        "Your refund of €12 for order 5531 is on its way."
    );

    let bad_locale = app
        .post_json("/api/v1/templates/ack/preview", json!({"locale": "??"}))
        .await;
    assert_eq!(bad_locale.status(), 422);
    let bad_kind = app
        .post_json(
            "/api/v1/templates/ack/preview",
            json!({"channel_kind": "fax"}),
        )
        .await;
    assert_eq!(bad_kind.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn preview_of_a_real_conversation_uses_its_contact_channel_and_locale() {
    let app = TestApp::spawn().await;
    let (conversation, contact) = conversation_from(&app, "u1", "<Jan> & syn").await;
    let preview = json_of(
        app.post_json(
            "/api/v1/templates/greeting/preview",
            json!({"conversation_id": conversation}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(preview["channel_kind"], "telegram");
    assert_eq!(preview["variant"], "greeting.telegram");
    assert_eq!(
        preview["markup"].as_str().expect("markup").lines().next(),
        Some("👋 <b>Hi &lt;Jan&gt;!</b>")
    );
    assert!(
        preview["text"]
            .as_str()
            .expect("text")
            .starts_with("👋 Hi <Jan>!"),
        "{preview}"
    );

    set_locale(&app, contact, "cs").await;
    let czech = json_of(
        app.post_json(
            "/api/v1/templates/ack/preview",
            json!({"conversation_id": conversation}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(czech["locale"], "cs");
    assert_eq!(czech["variant"], "ack.cs");
    assert!(
        czech["text"]
            .as_str()
            .expect("text")
            .contains(&format!("požadavek č. {conversation}")),
        "{czech}"
    );
    let missing = app
        .post_json(
            "/api/v1/templates/ack/preview",
            json!({"conversation_id": 999_999}),
        )
        .await;
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_reply_with_a_template_reaches_the_channel_in_its_markup() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let (conversation, _) = conversation_from(&app, "u2", "Eva <b>&\"x").await;
    let reply = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/conversations/{conversation}/reply"),
            &agent,
            json!({"template": "greeting"}),
        )
        .await,
        202,
    )
    .await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .starts_with("👋 Hi Eva!"),
        "the stored text is plain: {reply}"
    );
    app.drain_outbox().await;
    let sent = app.fake.sent();
    let last = sent.last().expect("sent");
    assert_eq!(last.conversation_id, conversation);
    assert!(last.text.starts_with("👋 Hi Eva!"), "{}", last.text);
    assert!(
        last.markup
            .as_deref()
            .is_some_and(|m| m.starts_with("👋 <b>Hi Eva!</b>")),
        "{:?}",
        last.markup
    );

    // A first name with markup in it is escaped inside the Telegram markup.
    let (conversation, _) = conversation_from(&app, "u3", "<i>Evil</i>&co").await;
    json_of(
        app.post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"template": "greeting"}),
        )
        .await,
        202,
    )
    .await;
    app.drain_outbox().await;
    let sent = app.fake.sent();
    let last = sent.last().expect("sent");
    assert!(
        last.markup
            .as_deref()
            .is_some_and(|m| m.starts_with("👋 <b>Hi &lt;i&gt;Evil&lt;/i&gt;&amp;co!</b>")),
        "{:?}",
        last.markup
    );
    assert!(
        last.text.starts_with("👋 Hi <i>Evil</i>&co!"),
        "{}",
        last.text
    );

    let both = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"template": "greeting", "text": "and text"}),
        )
        .await;
    assert_eq!(both.status(), 422);
    let unknown = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"template": "nope"}),
        )
        .await;
    assert_eq!(unknown.status(), 404);
    let plain = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": "plain <b>text</b>"}),
        )
        .await;
    assert_eq!(plain.status(), 202);
    app.drain_outbox().await;
    let sent = app.fake.sent();
    let last = sent.last().expect("sent");
    assert_eq!(
        (last.text.as_str(), last.markup.as_deref()),
        ("plain <b>text</b>", None)
    );
    app.stop().await;
}

#[tokio::test]
async fn a_reply_template_missing_a_custom_value_is_refused_and_nothing_is_queued() {
    let (_dir, config) = template_dir(&[("refund.j2", "Refund of {{ custom.amount }}.")]);
    let app = TestApp::spawn_with(&config).await;
    let (conversation, _) = conversation_from(&app, "u4", "Petr").await;
    let refused = json_of(
        app.post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"template": "refund"}),
        )
        .await,
        422,
    )
    .await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .expect("message")
            .contains("custom.amount"),
        "{refused}"
    );
    let sent = json_of(
        app.post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"template": "refund", "values": {"amount": "€5"}}),
        )
        .await,
        202,
    )
    .await;
    assert_eq!(sent["text"], "Refund of €5.");
    app.drain_outbox().await;
    assert_eq!(app.fake.sent().len(), 1, "only the complete reply went out");
    app.stop().await;
}

#[tokio::test]
async fn canned_responses_are_managed_by_admins_and_checked_when_saved() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let created = json_of(
        app.post_json(
            "/api/v1/canned-responses",
            json!({"shortcut": "/refund", "title": "Refund on its way",
                   "body": "Hello {{ contact.first_name or \"there\" }}, your refund of {{ custom.amount }} is on its way."}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(created["shortcut"], "refund");
    assert_eq!(created["template"], Value::Null);
    let id = created["id"].as_i64().expect("id");

    let duplicate = app
        .post_json(
            "/api/v1/canned-responses",
            json!({"shortcut": "refund", "title": "Again", "template": "ack"}),
        )
        .await;
    assert_eq!(duplicate.status(), 409);
    let by_agent = app
        .send(
            Method::POST,
            "/api/v1/canned-responses",
            &agent,
            json!({"shortcut": "mine", "title": "Mine", "template": "ack"}),
        )
        .await;
    assert_eq!(by_agent.status(), 403);

    let broken = json_of(
        app.post_json(
            "/api/v1/canned-responses",
            json!({"shortcut": "broken", "title": "Broken", "body": "fine\n{% if %}"}),
        )
        .await,
        422,
    )
    .await;
    let message = broken["error"]["message"].as_str().expect("message");
    assert!(message.contains("canned:broken:2"), "{message}");
    assert!(message.contains("syntax error"), "{message}");
    let typo = json_of(
        app.post_json(
            "/api/v1/canned-responses",
            json!({"shortcut": "typo", "title": "Typo", "body": "{{ contact.nmae }}"}),
        )
        .await,
        422,
    )
    .await;
    assert!(
        typo["error"]["message"]
            .as_str()
            .expect("message")
            .contains("contact.nmae"),
        "{typo}"
    );
    for bad in [
        json!({"shortcut": "x", "title": "T", "template": "nope"}),
        json!({"shortcut": "x", "title": "T", "template": "ack", "body": "b"}),
        json!({"shortcut": "x", "title": "T"}),
        json!({"shortcut": "Bad Shortcut", "title": "T", "template": "ack"}),
        json!({"shortcut": "x", "title": " ", "template": "ack"}),
    ] {
        let response = app.post_json("/api/v1/canned-responses", bad.clone()).await;
        assert_eq!(response.status(), 422, "{bad}");
    }

    let listed = json_of(app.get("/api/v1/canned-responses", &agent).await, 200).await;
    assert_eq!(listed.as_array().expect("array").len(), 1);
    let fetched = json_of(
        app.get(&format!("/api/v1/canned-responses/{id}"), &agent)
            .await,
        200,
    )
    .await;
    assert_eq!(fetched["title"], "Refund on its way");

    let (conversation, _) = conversation_from(&app, "u5", "Karel Novák").await;
    let preview = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/canned-responses/{id}/preview"),
            &agent,
            json!({"conversation_id": conversation, "values": {"amount": "€9"}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        preview["text"],
        "Hello Karel, your refund of €9 is on its way."
    );
    assert_eq!(preview["variant"], "canned:refund");

    let updated = json_of(
        app.send(
            Method::PUT,
            &format!("/api/v1/canned-responses/{id}"),
            &app.admin_token,
            json!({"shortcut": "thanks", "title": "Resolved", "template": "resolved"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (&updated["shortcut"], &updated["template"], &updated["body"]),
        (&json!("thanks"), &json!("resolved"), &Value::Null)
    );
    let preview = json_of(
        app.post_json(
            &format!("/api/v1/canned-responses/{id}/preview"),
            json!({"locale": "cs"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(preview["variant"], "resolved.cs");

    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/canned-responses/{id}"),
            &app.admin_token,
            json!(null),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let gone = app
        .get(&format!("/api/v1/canned-responses/{id}"), &agent)
        .await;
    assert_eq!(gone.status(), 404);
    let again = app
        .send(
            Method::DELETE,
            &format!("/api/v1/canned-responses/{id}"),
            &app.admin_token,
            json!(null),
        )
        .await;
    assert_eq!(again.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_broken_template_stops_start_up_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("ack.cs.j2"),
        "Dobrý den,\n{{ contact.name }\n",
    )
    .expect("write");
    let text = format!(
        "[database]\nurl = \"sqlite://{}\"\n\n[templates]\ndir = {:?}\n",
        dir.path().join("never-opened.db").display(),
        dir.path().display().to_string()
    );
    let config = Config::from_parts(Some(("test config".into(), &text)), Vec::new(), |_| None)
        .expect("config");
    let Err(err) = App::build(config, Vec::<Arc<dyn connector_sdk::Connector>>::new()).await else {
        panic!("a broken template must stop start-up");
    };
    let message = format!("{err:#}");
    let file = dir.path().join("ack.cs.j2").display().to_string();
    assert!(message.contains(&format!("{file}:2")), "{message}");
    assert!(message.contains("syntax error"), "{message}");
    assert!(
        !dir.path().join("never-opened.db").exists(),
        "templates are checked before the database is opened"
    );
}

/// The conversation of `channel` with `thread` as its key.
async fn conversation_on(app: &TestApp, channel: &str, thread: &str) -> i64 {
    let list = app
        .get_json(&format!("/api/v1/conversations?channel={channel}"))
        .await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["thread_key"] == thread)
        .and_then(|c| c["id"].as_i64())
        .unwrap_or_else(|| panic!("no conversation for {thread}: {list}"))
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

#[tokio::test]
async fn telegram_receives_the_template_markup_unescaped_with_values_escaped() {
    let bot = crate::fake_telegram::FakeBotApi::start("123:TEST").await;
    let config = format!(
        "[[channels]]\nname = \"tg\"\nkind = \"telegram\"\ntoken = \"123:TEST\"\napi_url = {:?}\n\
         poll_timeout_secs = 1\nprivate_chat_per_second = 1000\nbot_per_second = 1000\n",
        bot.url()
    );
    let app = TestApp::spawn_with(&config).await;
    // Telegram reports the customer's app language with `/start` (a deep link), and the
    // connector keeps it as the contact's `language`: Jana gets the Czech variant.
    for (message_id, user, first_name, language, text) in [
        (1, 42, "Jana", "cs", "/start web"),
        (2, 43, "<i>Eve</i>&co", "cs", "hello"),
    ] {
        bot.push_update(json!({"message": {
            "message_id": message_id, "date": 1_790_000_000,
            "chat": {"id": user, "type": "private", "first_name": first_name},
            "from": {"id": user, "is_bot": false, "first_name": first_name, "language_code": language},
            "text": text
        }}));
        inbound_stored(&app).await;
    }
    for user in ["42", "43"] {
        let conversation = conversation_on(&app, "tg", user).await;
        let reply = app
            .post_json(
                &format!("/api/v1/conversations/{conversation}/reply"),
                json!({"template": "greeting"}),
            )
            .await;
        assert_eq!(reply.status(), 202);
    }
    app.drain_outbox().await;
    let sent = bot.sent();
    assert_eq!(sent.len(), 2);
    let text_to = |chat: i64| {
        sent.iter()
            .find(|call| call.params["chat_id"] == chat)
            .map(|call| {
                assert_eq!(call.params["parse_mode"], "HTML");
                call.params["text"].as_str().expect("text").to_owned()
            })
            .expect("sent to chat")
    };
    assert_eq!(
        text_to(42),
        "👋 <b>Dobrý den!</b>\nDěkujeme, že jste se nám ozvali. Napište nám, s čím vám můžeme \
         pomoci, a odpovíme vám přímo v tomto chatu."
    );
    assert!(
        text_to(43).starts_with("👋 <b>Hi &lt;i&gt;Eve&lt;/i&gt;&amp;co!</b>\n"),
        "{}",
        text_to(43)
    );
    app.stop().await;
}

#[tokio::test]
async fn discord_receives_the_template_markdown_with_values_escaped() {
    let discord = crate::fake_discord::FakeDiscord::start().await;
    let config = format!(
        "[[channels]]\nname = \"dc\"\nkind = \"discord\"\ntoken = \"FAKE.TOKEN\"\napi_url = {:?}\n",
        discord.base_url()
    );
    let app = TestApp::spawn_with(&config).await;
    discord.wait_for_identify(1).await;
    const DM: u64 = 9001;
    discord.post_message(DM, None, 42, "*star*", "the parcel is late");
    inbound_stored(&app).await;
    let conversation = conversation_on(&app, "dc", &DM.to_string()).await;
    let reply = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"template": "csat_request"}),
        )
        .await;
    assert_eq!(reply.status(), 202);
    app.drain_outbox().await;
    let posted = discord
        .wait_for_requests("POST", &format!("/channels/{DM}/messages"), 1)
        .await;
    assert_eq!(
        posted[0].body["content"],
        format!(
            "Hi \\*star\\*! **How did we do** with ticket #{conversation}?\n\
             Choose a rating below, from **1** (poor) to **5** (excellent)."
        )
    );
    app.stop().await;
}

#[tokio::test]
async fn a_rendered_reply_keeps_its_html_and_markup_through_the_outbox() {
    crate::helpers::on_each_backend(|store| async move {
        let templates = switchboard::templates::Templates::load(&Default::default())
            .expect("shipped templates");
        let inbound = connector_sdk::InboundMessage::text(
            "shop",
            "t1",
            connector_sdk::Sender::new("webhook:shop", "u1").with_name("Ann"),
            "hi",
        );
        let (receipts, _) = store.record_inbound(&[inbound]).await.expect("store");
        let conversation = switchboard::domain::ConversationId::new(receipts[0].conversation_id);
        let context = switchboard::templates::TemplateContext::sample();
        let email = templates
            .render("ack", connector_sdk::ChannelKind::Email, "cs", &context)
            .expect("render");
        let telegram = templates
            .render(
                "greeting",
                connector_sdk::ChannelKind::Telegram,
                "en",
                &context,
            )
            .expect("render");
        for rendered in [&email, &telegram] {
            let reply = switchboard::store::NewReply::from_rendered(
                rendered.clone(),
                conversation,
                switchboard::store::ReplyAuthor::Bot,
                switchboard::store::Lane::Reply,
            );
            let (message, _) = store.add_reply(&reply).await.expect("reply");
            assert_eq!(message.text, rendered.text);
            assert_eq!(message.html, rendered.html);
        }
        let lease = std::time::Duration::from_secs(60);
        let jobs = store.claim_outbox("w1", lease, 10).await.expect("claim");
        assert_eq!(jobs.len(), 2);
        assert_eq!(
            (&jobs[0].text, &jobs[0].html, &jobs[0].markup),
            (&email.text, &email.html, &None)
        );
        assert!(jobs[0].html.as_deref().is_some_and(|h| h.contains("<p>")));
        assert_eq!(
            (&jobs[1].text, &jobs[1].html, &jobs[1].markup),
            (&telegram.text, &None, &telegram.markup)
        );
        assert!(jobs[1].markup.as_deref().is_some_and(|m| m.contains("<b>")));
    })
    .await;
}
