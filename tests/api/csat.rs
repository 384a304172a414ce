//! Satisfaction surveys (CSAT) end to end: sent once per conversation when it is resolved
//! (by a channel's `csat = true` or a rule's `send_csat`), answered with Telegram's inline
//! buttons against the fake Bot API, Discord's buttons against the fake Discord, a WhatsApp
//! list and Messenger/Instagram quick replies against signed Meta webhooks, by a webhook
//! integrator's JSON and on the survey page; forged, altered, expired, out-of-range and
//! someone else's answers change nothing.

use serde_json::{Value, json};
use switchboard::csat::Surveys;
use switchboard::domain::{ConversationId, Millis};

use crate::fake_discord::FakeDiscord;
use crate::fake_graph::FakeGraph;
use crate::fake_telegram::FakeBotApi;
use crate::helpers::{TestApp, hook_body};
use crate::meta::{now, post_signed, wa_message, wa_text_conversation};
use crate::telegram::{TOKEN, conversation_of, private_text};

/// Resolves (or reopens) conversation `id` through the API and lets the rules run.
async fn set_status(app: &TestApp, id: i64, status: &str) {
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{id}/status"),
            json!({"status": status}),
        )
        .await;
    assert_eq!(response.status(), 200, "{status}");
    app.automation.run_once().await.expect("rules");
}

async fn conversation(app: &TestApp, id: i64) -> Value {
    app.get_json(&format!("/api/v1/conversations/{id}")).await
}

async fn messages(app: &TestApp, id: i64) -> Vec<Value> {
    app.get_json(&format!("/api/v1/conversations/{id}/messages"))
        .await["items"]
        .as_array()
        .expect("items")
        .clone()
}

fn callback(update_id_hint: &str, user: i64, data: &str) -> Value {
    json!({"callback_query": {
        "id": format!("cb-{update_id_hint}"),
        "from": {"id": user, "is_bot": false, "first_name": "Jana"},
        "chat_instance": "1",
        "data": data,
        "message": {"message_id": 1000, "date": 1_790_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Jana"}, "text": "survey"}
    }})
}

/// Waits for the next survey answer's `conversation.updated` event and returns its rating.
async fn next_answer(app: &TestApp) -> i64 {
    loop {
        let event = app.wait_for_event("conversation.updated").await;
        if let Some(rating) = event.data["csat"]["rating"].as_i64() {
            return rating;
        }
    }
}

#[tokio::test]
async fn a_telegram_button_press_records_the_rating_once_per_conversation() {
    let fake = FakeBotApi::start(TOKEN).await;
    let config = format!(
        "[[channels]]\nname = \"tg\"\nkind = \"telegram\"\ntoken = {TOKEN:?}\napi_url = {:?}\n\
         poll_timeout_secs = 1\nprivate_chat_per_second = 1000\nbot_per_second = 1000\ncsat = true\n",
        fake.url()
    );
    let app = TestApp::spawn_with(&config).await;
    fake.push_update(private_text(1, 42, "Kde je objednávka?"));
    app.wait_for_event("message.created").await;
    let id = conversation_of(&app, "42").await["id"]
        .as_i64()
        .expect("id");
    assert!(conversation(&app, id).await["csat"].is_null());

    set_status(&app, id, "resolved").await;
    app.drain_outbox().await;
    let sent = fake.sent();
    assert_eq!(sent.len(), 1, "the survey went out");
    let buttons = sent[0].params["reply_markup"]["inline_keyboard"][0]
        .as_array()
        .expect("one row of buttons")
        .clone();
    assert_eq!(buttons.len(), 5);
    assert_eq!(buttons[4]["text"], "5");
    let five = buttons[4]["callback_data"]
        .as_str()
        .expect("data")
        .to_owned();
    for button in &buttons {
        let data = button["callback_data"].as_str().expect("data");
        assert!(
            data.len() <= 64,
            "callback_data fits Telegram's 64 bytes: {data}"
        );
    }
    assert_eq!(conversation(&app, id).await["csat"]["state"], "sent");

    // Someone else pressing the customer's button, and an altered payload, count for nothing;
    // the customer's own press (after them in the stream) does.
    fake.push_update(callback("a", 77, &five.replace("csat:5", "csat:1")));
    fake.push_update(callback("b", 77, &five));
    let forged = format!("{}x", &five[..five.len() - 1]);
    fake.push_update(callback("c", 42, &forged));
    fake.push_update(callback("d", 42, &five));
    assert_eq!(next_answer(&app).await, 5);
    let view = conversation(&app, id).await;
    assert_eq!(view["csat"]["rating"], 5);
    assert_eq!(view["csat"]["state"], "answered");
    assert_eq!(view["status"], "resolved", "an answer does not reopen");
    // The press is answered after the commit that the rating's event reports: wait for it
    // (bounded by the fake), one answered press at a time.
    let mut seen = 1;
    loop {
        let answered: Vec<Value> = fake
            .wait_for_calls("answerCallbackQuery", seen)
            .await
            .into_iter()
            .map(|call| call.params["callback_query_id"].clone())
            .collect();
        if answered.contains(&json!("cb-d")) {
            break;
        }
        seen = answered.len() + 1;
    }

    // A later answer replaces the earlier one.
    let two = five.replacen("csat:5", "csat:2", 1);
    fake.push_update(callback("e", 42, &two));
    assert_eq!(next_answer(&app).await, 2);
    assert_eq!(conversation(&app, id).await["csat"]["rating"], 2);

    // Resolve, reopen, resolve: still one survey.
    set_status(&app, id, "open").await;
    set_status(&app, id, "resolved").await;
    app.drain_outbox().await;
    assert_eq!(fake.sent().len(), 1, "no second survey");
    app.stop().await;
}

const RULE: &str = "[[rules]]\nname = \"survey\"\non = \"conversation.resolved\"\n\
                    actions = [{ send_csat = true }]\n";

/// A webhook conversation resolved under the `send_csat` rule: its survey as the callback
/// received it.
async fn surveyed_webhook_conversation(app: &TestApp) -> (i64, Value) {
    let response = app.post_hook(&hook_body("m1", "cust-1", "hello")).await;
    assert!(response.status().is_success());
    let list = app.get_json("/api/v1/conversations?channel=shop").await;
    let id = list["items"][0]["id"].as_i64().expect("id");
    set_status(app, id, "resolved").await;
    app.drain_outbox().await;
    let received = app.callback.received.lock().expect("lock").clone();
    let (_, body) = received.last().expect("the survey was posted");
    let body: Value = serde_json::from_slice(body).expect("json");
    (id, body["csat_request"].clone())
}

#[tokio::test]
async fn a_webhook_integrator_posts_the_answer_and_bad_answers_change_nothing() {
    let app = TestApp::spawn_with(RULE).await;
    let (id, survey) = surveyed_webhook_conversation(&app).await;
    assert_eq!(survey["choices"].as_array().expect("choices").len(), 5);
    let token = survey["token"].as_str().expect("token").to_owned();
    let answer_url = survey["answer_url"]
        .as_str()
        .expect("answer_url")
        .to_owned();
    assert!(
        answer_url.ends_with(&format!("/csat/{token}/answer")),
        "{answer_url}"
    );
    let answer = app.url(&format!("/csat/{token}/answer"));
    let post = |url: String, body: Value| {
        let client = app.client.clone();
        async move { client.post(url).json(&body).send().await.expect("request") }
    };

    let stored = messages(&app, id).await.len();
    for rating in [0, 6, -1] {
        let response = post(answer.clone(), json!({"rating": rating})).await;
        assert_eq!(response.status(), 422, "rating {rating}");
    }
    let response = post(answer.clone(), json!({"stars": 5})).await;
    assert_eq!(response.status(), 400);
    let altered = token.replacen(&format!("{id}."), &format!("{}.", id + 1), 1);
    let response = post(
        app.url(&format!("/csat/{altered}/answer")),
        json!({"rating": 5}),
    )
    .await;
    assert_eq!(response.status(), 404);
    let response = post(app.url("/csat/not-a-token/answer"), json!({"rating": 5})).await;
    assert_eq!(response.status(), 404);
    // A genuine but expired token (signed with the server's own survey key).
    let key = app
        .campaigns
        .signer()
        .await
        .expect("link key")
        .derive_key("csat");
    let surveys = Surveys::new(key, "http://unused", switchboard::csat::DEFAULT_VALIDITY);
    let expired = surveys.token(ConversationId::new(id), Millis(Millis::now().0 - 1000));
    let response = post(
        app.url(&format!("/csat/{expired}/answer")),
        json!({"rating": 5}),
    )
    .await;
    assert_eq!(response.status(), 410);
    // A genuine token of a conversation that was never surveyed.
    let other = surveys.token(ConversationId::new(id + 100), surveys.expiry(Millis::now()));
    let response = post(
        app.url(&format!("/csat/{other}/answer")),
        json!({"rating": 5}),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(conversation(&app, id).await["csat"]["state"], "sent");
    assert_eq!(messages(&app, id).await.len(), stored, "nothing was stored");

    let response = post(
        answer.clone(),
        json!({"rating": 4, "comment": "Quick <b>help</b>, thanks"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({"conversation_id": id, "rating": 4, "previous": null})
    );
    let response = post(answer.clone(), json!({"rating": 2})).await;
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["previous"], 4);

    let view = conversation(&app, id).await;
    assert_eq!(view["csat"]["rating"], 2);
    assert_eq!(view["status"], "resolved", "the comment does not reopen");
    assert!(view["waiting_since"].is_null(), "nor make it wait");
    let thread = messages(&app, id).await;
    let comment = thread.last().expect("comment");
    assert_eq!(comment["direction"], "in");
    assert_eq!(comment["text"], "Quick <b>help</b>, thanks");
    app.automation.run_once().await.expect("rules");
    assert_eq!(conversation(&app, id).await["status"], "resolved");
    // The report counts one survey and one answer: the 2 that replaced the 4.
    let report = app.get_json("/api/v1/reports/csat").await;
    let total = &report["groups"][0]["total"];
    assert_eq!(total["sent"], 1, "{report}");
    assert_eq!(total["count"], 1, "{report}");
    assert_eq!(total["satisfied"], 0, "{report}");
    assert_eq!(total["value"], 0.0, "{report}");
    assert_eq!(total["response_rate"], 100.0, "{report}");
    app.stop().await;
}

#[tokio::test]
async fn the_survey_page_records_only_what_its_form_posts() {
    let app = TestApp::spawn_with(RULE).await;
    let (id, survey) = surveyed_webhook_conversation(&app).await;
    let link = survey["choices"][4]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    let path = link
        .split_once("/csat/")
        .expect("a survey link")
        .1
        .to_owned();
    let page_url = app.url(&format!("/csat/{path}"));

    // What a mail scanner does: fetch the link. Nothing is recorded.
    let page = app.client.get(&page_url).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.expect("html");
    assert!(
        html.contains("value=\"5\" required checked"),
        "the linked rating is chosen"
    );
    assert!(!html.contains("<script"), "no script");
    assert_eq!(conversation(&app, id).await["csat"]["state"], "sent");

    let form_url = page_url.split_once('?').expect("query").0.to_owned();
    let bad = app
        .client
        .post(&form_url)
        .form(&[("rating", "6"), ("comment", "")])
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status(), 422);
    assert_eq!(conversation(&app, id).await["csat"]["state"], "sent");
    let good = app
        .client
        .post(&form_url)
        .form(&[("rating", "5"), ("comment", "<script>alert(1)</script>")])
        .send()
        .await
        .expect("post");
    assert_eq!(good.status(), 200);
    assert!(!good.text().await.expect("html").contains("<script>alert"));
    assert_eq!(conversation(&app, id).await["csat"]["rating"], 5);

    let missing = app
        .client
        .get(app.url("/csat/1.1.AAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .expect("page");
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

/// The pages customers open from a message answer a request they cannot read (a path that is
/// not UTF-8, a missing or repeated query field, a form that does not parse) with a short HTML page,
/// as they answer everything else, never with the framework's plain-text rejection.
#[tokio::test]
async fn the_customer_pages_answer_unreadable_requests_with_a_page() {
    let app = TestApp::spawn_with(RULE).await;
    let (_, survey) = surveyed_webhook_conversation(&app).await;
    let link = survey["choices"][4]["url"].as_str().expect("url");
    let form_url = app.url(&format!(
        "/csat/{}",
        link.split_once("/csat/")
            .expect("a survey link")
            .1
            .split_once('?')
            .expect("query")
            .0
    ));
    let client = &app.client;
    let responses = [
        (
            "survey path",
            client.get(app.url("/csat/%FF%FE")).send().await,
        ),
        (
            "survey query",
            client
                .get(app.url("/csat/x?rating=1&rating=2"))
                .send()
                .await,
        ),
        (
            "survey form",
            client
                .post(&form_url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("rating=1&rating=2")
                .send()
                .await,
        ),
        (
            "survey form type",
            client
                .post(&form_url)
                .header("content-type", "text/plain")
                .body("rating=5")
                .send()
                .await,
        ),
        (
            "unsubscribe path",
            client.get(app.url("/unsubscribe/%FF")).send().await,
        ),
        (
            "click without target",
            client.get(app.url("/c/click/x")).send().await,
        ),
        ("open path", client.get(app.url("/c/open/%FF")).send().await),
    ];
    for (what, response) in responses {
        let response = response.expect("response");
        let status = response.status();
        assert!(status.is_client_error(), "{what}: {status}");
        let kind = response.headers()["content-type"]
            .to_str()
            .expect("type")
            .to_owned();
        assert!(kind.starts_with("text/html"), "{what}: {kind}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{what}");
        let html = response.text().await.expect("html");
        assert!(html.starts_with("<!DOCTYPE html>"), "{what}: {html}");
        assert!(!html.contains("Failed to"), "{what}: {html}");
    }
    app.stop().await;
}

/// The survey page, its thank-you page and the pages for a link that is not valid or cannot
/// be read pass axe-core (WCAG 2.1 A and AA and its best practices) at laptop and phone widths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_survey_pages_pass_axe_at_laptop_and_phone_widths() {
    use crate::browser::{Driver, wait_for};
    use crate::web::{axe_source, axe_violations};

    let axe = axe_source();
    let app = TestApp::spawn_with(RULE).await;
    let (_, survey) = surveyed_webhook_conversation(&app).await;
    let path = survey["choices"][3]["url"]
        .as_str()
        .expect("url")
        .split_once("/csat/")
        .expect("a survey link")
        .1
        .to_owned();
    let link = app.url(&format!("/csat/{path}"));
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    let mut faults = Vec::new();
    for (width, height) in [(1280, 900), (390, 844)] {
        browser.set_window_size(width, height).await.expect("size");
        browser.goto(&link).await.expect("survey");
        wait_for(&browser, "form").await;
        for violation in axe_violations(&browser, &axe).await {
            faults.push(format!("{width}px survey: {violation}"));
        }
        wait_for(&browser, "button[type=submit], input[type=submit]")
            .await
            .click()
            .await
            .expect("send");
        wait_for(&browser, "h1").await;
        for violation in axe_violations(&browser, &axe).await {
            faults.push(format!("{width}px thanks: {violation}"));
        }
        for (what, path) in [
            ("not valid", "/csat/1.1.AAAAAAAAAAAAAAAAAAAAAA"),
            ("unreadable", "/csat/%FF%FE"),
        ] {
            browser.goto(&app.url(path)).await.expect("goto");
            wait_for(&browser, "h1").await;
            for violation in axe_violations(&browser, &axe).await {
                faults.push(format!("{width}px {what}: {violation}"));
            }
        }
    }
    assert!(faults.is_empty(), "axe-core: {faults:#?}");
    app.stop().await;
}

/// A survey payload forged (its token's last character changed, so it no longer checks out),
/// and the same payload with another rating (valid, but only for the surveyed contact).
fn tampered(payload: &str) -> (String, String) {
    let last = payload.chars().last().expect("a payload");
    let forged = format!(
        "{}{}",
        &payload[..payload.len() - last.len_utf8()],
        if last == 'A' { 'B' } else { 'A' }
    );
    let rating = payload.split(':').nth(1).expect("a rating");
    let other = if rating == "1" { "2" } else { "1" };
    (
        forged,
        payload.replacen(&format!("csat:{rating}:"), &format!("csat:{other}:"), 1),
    )
}

const DISCORD_SUPPORT: u64 = 3000;
const DISCORD_GUILD: u64 = 77;

#[tokio::test]
async fn a_discord_button_press_records_the_rating_and_is_acknowledged() {
    let fake = FakeDiscord::start().await;
    let config = format!(
        "[[channels]]\nname = \"dc\"\nkind = \"discord\"\ntoken = \"FAKE.TOKEN\"\napi_url = {:?}\n\
         watch_channels = [{DISCORD_SUPPORT}]\ncsat = true\n",
        fake.base_url()
    );
    let app = TestApp::spawn_with(&config).await;
    fake.wait_for_identify(1).await;
    // A customer asks in the support channel: the bot opens a thread, the conversation.
    let thread = fake.post_message(DISCORD_SUPPORT, Some(DISCORD_GUILD), 43, "bob", "Help?");
    app.wait_for_event("message.created").await;
    fake.wait_for_requests("POST", &format!("/messages/{thread}/threads"), 1)
        .await;
    let list = app.get_json("/api/v1/conversations?channel=dc").await;
    let id = list["items"][0]["id"].as_i64().expect("id");
    assert_eq!(list["items"][0]["thread_key"], thread.to_string());

    set_status(&app, id, "resolved").await;
    app.drain_outbox().await;
    let posted = fake
        .wait_for_requests("POST", &format!("/channels/{thread}/messages"), 1)
        .await;
    assert_eq!(posted.len(), 1, "the survey went out");
    let rows = posted[0].body["components"].as_array().expect("components");
    assert_eq!(rows.len(), 1, "one action row");
    assert_eq!(rows[0]["type"], 1);
    let buttons = rows[0]["components"].as_array().expect("buttons").clone();
    assert_eq!(buttons.len(), 5);
    for (index, button) in buttons.iter().enumerate() {
        assert_eq!(button["type"], 2);
        assert_eq!(button["style"], 2);
        assert_eq!(button["label"], (index + 1).to_string());
        let custom_id = button["custom_id"].as_str().expect("custom_id");
        assert!(custom_id.starts_with(&format!("csat:{}:", index + 1)));
        assert!(
            custom_id.len() <= 100,
            "Discord's custom_id limit: {custom_id}"
        );
    }
    let five = buttons[4]["custom_id"]
        .as_str()
        .expect("custom_id")
        .to_owned();
    let survey = fake
        .channel_messages(thread)
        .last()
        .and_then(|m| m["id"].as_str().and_then(|id| id.parse::<u64>().ok()))
        .expect("the survey message");
    assert_eq!(conversation(&app, id).await["csat"]["state"], "sent");

    // Another member of the guild presses the customer's buttons, the customer presses a
    // forged one, and a component of something else is pressed: none of them counts.
    let (forged, other_rating) = tampered(&five);
    let not_ours = fake.press_button(thread, survey, 44, "order:cancel");
    fake.press_button(thread, survey, 44, &five);
    fake.press_button(thread, survey, 43, &forged);
    fake.press_button(thread, survey, 44, &other_rating);
    let pressed = fake.press_button(thread, survey, 43, &five);
    assert_eq!(next_answer(&app).await, 5);
    let view = conversation(&app, id).await;
    assert_eq!(view["csat"]["rating"], 5);
    assert_eq!(view["csat"]["state"], "answered");
    assert_eq!(view["status"], "resolved", "an answer does not reopen");
    // Every survey press is answered (after it is stored), the customer's among them, with a
    // "Thank you!" only the presser sees; the other component is left alone.
    let mut seen = 1;
    let callback = loop {
        fake.wait_for_requests("POST", "/interactions/", seen).await;
        let callbacks = fake.interaction_callbacks();
        if let Some(callback) = callbacks.iter().find(|c| c.interaction_id == pressed) {
            break callback.clone();
        }
        seen = fake
            .requests()
            .iter()
            .filter(|r| r.path.contains("/interactions/"))
            .count()
            + 1;
    };
    assert_eq!(callback.body["type"], 4, "{}", callback.body);
    assert_eq!(callback.body["data"]["content"], "Thank you!");
    assert_eq!(callback.body["data"]["flags"], 64, "ephemeral");
    assert!(
        fake.interaction_callbacks()
            .iter()
            .all(|c| c.interaction_id != not_ours)
    );
    let thread_messages = messages(&app, id).await;
    assert!(
        thread_messages
            .iter()
            .all(|m| m["direction"] == "out" || m["text"] == "Help?"),
        "presses are no messages: {thread_messages:?}"
    );
    app.stop().await;
}

const META_SECRET: &str = "app-secret";

/// WhatsApp, Messenger and Instagram channels with surveys on, against `graph`.
async fn meta_app(graph: &FakeGraph) -> TestApp {
    let common = format!(
        "app_secret = {META_SECRET:?}\nverify_token = \"verify-me\"\naccess_token = \"EAAG-token\"\n\
         graph_url = {:?}\ngraph_version = \"v21.0\"\ncsat = true\n",
        graph.url
    );
    TestApp::spawn_with(&format!(
        "[[channels]]\nname = \"wa\"\nkind = \"whatsapp\"\nphone_number_id = \"PNID\"\n{common}\n\
         [[channels]]\nname = \"fb\"\nkind = \"messenger\"\npage_id = \"PAGE\"\n{common}\n\
         [[channels]]\nname = \"ig\"\nkind = \"instagram\"\npage_id = \"IGACC\"\n{common}\n"
    ))
    .await
}

/// A WhatsApp pick of list row `row_id` by `from`.
fn wa_pick(from: &str, id: &str, row_id: &str) -> String {
    let mut body: Value = serde_json::from_str(&wa_message(
        id,
        now(),
        json!({"type": "interactive", "context": {"from": "420111222333", "id": "wamid.OUT1"},
               "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": "5 ★★★★★"}}}),
    ))
    .expect("json");
    let value = &mut body["entry"][0]["changes"][0]["value"];
    value["messages"][0]["from"] = json!(from);
    value["contacts"][0]["wa_id"] = json!(from);
    body.to_string()
}

#[tokio::test]
async fn a_whatsapp_list_pick_records_the_rating() {
    let graph = FakeGraph::start().await;
    let app = meta_app(&graph).await;
    // The customer wrote just now: the survey is inside WhatsApp's 24-hour window.
    let id = wa_text_conversation(&app, "wamid.IN1", now(), "Kde je objednávka?").await;
    set_status(&app, id, "resolved").await;
    app.drain_outbox().await;
    let sent = graph.sent();
    assert_eq!(sent.len(), 1, "the survey went out");
    let body = &sent[0].body;
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["to"], "420777123456");
    assert_eq!(body["type"], "interactive", "{body}");
    let list = &body["interactive"];
    assert_eq!(list["type"], "list");
    assert!(!list["body"]["text"].as_str().expect("body").is_empty());
    let button = list["action"]["button"].as_str().expect("button");
    assert!(!button.is_empty() && button.chars().count() <= 20);
    let sections = list["action"]["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), 1);
    let rows = sections[0]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 5);
    for (index, row) in rows.iter().enumerate() {
        let row_id = row["id"].as_str().expect("id");
        assert!(row_id.starts_with(&format!("csat:{}:", index + 1)));
        assert!(row_id.len() <= 200);
        assert!(row["title"].as_str().expect("title").chars().count() <= 24);
    }
    let five = rows[4]["id"].as_str().expect("id").to_owned();
    let stored = messages(&app, id).await.len();

    // Another number with the customer's payloads, and the customer with a forged one (the
    // rating is the customer's to choose; the token is what must check out).
    let (forged, other_rating) = tampered(&five);
    for (n, (from, payload)) in [
        ("420600000001", five.as_str()),
        ("420600000001", other_rating.as_str()),
        ("420777123456", forged.as_str()),
    ]
    .into_iter()
    .enumerate()
    {
        let response = post_signed(
            &app,
            "wa",
            &wa_pick(from, &format!("wamid.BAD{n}"), payload),
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            conversation(&app, id).await["csat"]["state"],
            "sent",
            "{from} {payload}"
        );
    }
    let response = post_signed(&app, "wa", &wa_pick("420777123456", "wamid.PICK", &five)).await;
    assert_eq!(response.status(), 200);
    let view = conversation(&app, id).await;
    assert_eq!(view["csat"]["rating"], 5);
    assert_eq!(view["csat"]["state"], "answered");
    assert_eq!(view["status"], "resolved");
    assert_eq!(
        messages(&app, id).await.len(),
        stored,
        "a pick is no message"
    );
    app.stop().await;
}

/// A Messenger/Instagram message event from `sender`, with `message` as its `message`.
fn page_message(sender: &str, message: Value) -> String {
    json!({"object": "page", "entry": [{"id": "PAGE", "time": now() * 1000, "messaging": [
        {"sender": {"id": sender}, "recipient": {"id": "PAGE"}, "timestamp": now() * 1000, "message": message}
    ]}]})
    .to_string()
}

#[tokio::test]
async fn a_messenger_or_instagram_quick_reply_records_the_rating() {
    let graph = FakeGraph::start().await;
    let app = meta_app(&graph).await;
    for channel in ["fb", "ig"] {
        let customer = format!("{channel}-PSID1");
        let receipt: Value = post_signed(
            &app,
            channel,
            &page_message(
                &customer,
                json!({"mid": format!("m_{channel}_1"), "text": "Hello"}),
            ),
        )
        .await
        .json()
        .await
        .expect("json");
        let id = receipt["messages"][0]["conversation_id"]
            .as_i64()
            .expect("id");
        set_status(&app, id, "resolved").await;
        app.drain_outbox().await;
        let sent = graph.sent();
        let body = &sent.last().expect("the survey went out").body;
        assert_eq!(body["recipient"]["id"], customer.as_str());
        assert!(!body["message"]["text"].as_str().expect("text").is_empty());
        let replies = body["message"]["quick_replies"]
            .as_array()
            .expect("quick replies");
        assert_eq!(replies.len(), 5, "{channel}");
        for (index, reply) in replies.iter().enumerate() {
            assert_eq!(reply["content_type"], "text");
            assert_eq!(reply["title"], (index + 1).to_string());
            assert!(
                reply["payload"]
                    .as_str()
                    .expect("payload")
                    .starts_with(&format!("csat:{}:", index + 1))
            );
        }
        let five = replies[4]["payload"].as_str().expect("payload").to_owned();
        let stored = messages(&app, id).await.len();

        // A quick reply carries its title as text too; none of these is stored as "5".
        let tap = |sender: &str, mid: String, payload: &str| {
            page_message(
                sender,
                json!({"mid": mid, "text": "5", "quick_reply": {"payload": payload}}),
            )
        };
        let (forged, other_rating) = tampered(&five);
        for (n, (sender, payload)) in [
            (format!("{channel}-PSID2"), five.as_str()),
            (format!("{channel}-PSID2"), other_rating.as_str()),
            (customer.clone(), forged.as_str()),
        ]
        .iter()
        .enumerate()
        {
            let response = post_signed(
                &app,
                channel,
                &tap(sender, format!("m_{channel}_bad{n}"), payload),
            )
            .await;
            assert_eq!(response.status(), 200);
            assert_eq!(
                conversation(&app, id).await["csat"]["state"],
                "sent",
                "{channel} {sender}"
            );
        }
        let response = post_signed(
            &app,
            channel,
            &tap(&customer, format!("m_{channel}_rate"), &five),
        )
        .await;
        assert_eq!(response.status(), 200);
        let view = conversation(&app, id).await;
        assert_eq!(view["csat"]["rating"], 5, "{channel}");
        assert_eq!(view["status"], "resolved");
        assert_eq!(
            messages(&app, id).await.len(),
            stored,
            "{channel}: the tap is no message"
        );
    }
    app.stop().await;
}
