//! Satisfaction surveys (CSAT) end to end: sent once per conversation when it is resolved
//! (by a channel's `csat = true` or a rule's `send_csat`), answered with Telegram's inline
//! buttons against the fake Bot API, by a webhook integrator's JSON and on the survey page;
//! forged, altered, expired, out-of-range and someone else's answers change nothing.

use serde_json::{Value, json};
use switchboard::csat::Surveys;
use switchboard::domain::{ConversationId, Millis};

use crate::fake_telegram::FakeBotApi;
use crate::helpers::{TestApp, hook_body};
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
