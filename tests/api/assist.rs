//! Agent assist against the stand-in model server: summaries stored as notes naming the model,
//! redaction verified in what the server received, retries on 429 and 5xx, the budget and
//! concurrency caps, a model that is down, and the refusals (off, channel not opted in, erased
//! contact, a private address not allowed, marketers).

use reqwest::Method;
use serde_json::{Value, json};

use crate::fake_model::FakeModel;
use crate::helpers::{TestApp, hook_body};

/// A valid test card number, an IBAN and a birth number (all pass their checks).
const CARD: &str = "4111111111111111";
const IBAN: &str = "CZ6508000000192000145399";
const BIRTH_NUMBER: &str = "800101/0006";

fn assist_config(base_url: &str, extra: &str) -> String {
    format!(
        "[assist]\nbase_url = {base_url:?}\napi_key = \"sk-test-key\"\nmodel = \"standin-small\"\n\
         allow_hosts = [\"127.0.0.1\"]\nallow_private_targets = true\nchannels = [\"shop\"]\n\
         timeout_secs = 10\n{extra}"
    )
}

/// A conversation of the webhook channel with a customer message holding personal numbers,
/// an agent's reply and a private note; returns its id.
async fn conversation(app: &TestApp, sender: &str) -> i64 {
    let text = format!(
        "My card {CARD} was charged twice, refund to {IBAN} please. My birth number is {BIRTH_NUMBER}."
    );
    let response = app
        .post_hook(&hook_body(&format!("m-{sender}"), sender, &text))
        .await;
    assert!(response.status().is_success());
    let contact = app.get_json(&format!("/api/v1/contacts?q={sender}")).await["items"][0]["id"]
        .as_i64()
        .expect("the sender's contact");
    let id = app
        .get_json(&format!("/api/v1/conversations?contact={contact}"))
        .await["items"][0]["id"]
        .as_i64()
        .expect("the sender's conversation");
    let reply = app
        .post_json(
            &format!("/api/v1/conversations/{id}/reply"),
            json!({"text": "Sorry about that, we are looking into it."}),
        )
        .await;
    assert!(reply.status().is_success(), "{}", reply.status());
    let note = app
        .post_json(
            &format!("/api/v1/conversations/{id}/notes"),
            json!({"text": "internal: the customer is a reseller"}),
        )
        .await;
    assert_eq!(note.status(), 201);
    id
}

async fn summarise(app: &TestApp, conversation: i64) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/summary"),
        json!({}),
    )
    .await
}

async fn error_message(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("json");
    body["error"]["message"]
        .as_str()
        .expect("message")
        .to_owned()
}

async fn notes(app: &TestApp, conversation: i64) -> Vec<String> {
    let page = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|message| message["kind"] == "note")
        .map(|message| message["text"].as_str().expect("text").to_owned())
        .collect()
}

#[tokio::test]
async fn a_summary_is_a_note_naming_the_model_and_no_personal_number_leaves() {
    let model = FakeModel::start().await;
    model.answer(
        "charged twice",
        "Wants: a refund.\nDone: apology.\nOpen: refund.\nMood: annoyed.",
    );
    let app = TestApp::spawn_with(&assist_config(&model.base_url, "")).await;
    let shown = app.get_json("/api/v1/assist").await;
    assert_eq!(shown["enabled"], true);
    assert_eq!(shown["model"], "standin-small");
    assert_eq!(
        shown["features"],
        json!(["summary", "draft", "suggestions", "translation"])
    );
    assert!(!shown.to_string().contains("sk-test-key"));

    let id = conversation(&app, "assist-1").await;
    let response = summarise(&app, id).await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let summary: Value = response.json().await.expect("json");
    assert_eq!(summary["model"], "standin-small");
    assert!(summary["prompt_tokens"].as_u64().is_some_and(|n| n > 0));
    let text = summary["note"]["text"].as_str().expect("text");
    assert_eq!(
        text,
        "Summary by standin-small:\nWants: a refund.\nDone: apology.\nOpen: refund.\nMood: annoyed."
    );
    assert!(notes(&app, id).await.iter().any(|note| note == text));

    let received = model.received();
    assert_eq!(received.len(), 1);
    let prompt = received[0].prompt();
    assert_eq!(
        received[0].authorization.as_deref(),
        Some("Bearer sk-test-key")
    );
    assert_eq!(received[0].body["model"], "standin-small");
    assert!(
        prompt.contains("Customer: My card [redacted] was charged twice"),
        "{prompt}"
    );
    assert!(prompt.contains("Agent: Sorry about that"), "{prompt}");
    for secret in [CARD, IBAN, BIRTH_NUMBER, "reseller"] {
        assert!(!prompt.contains(secret), "{secret} left: {prompt}");
    }

    // Who asked, about which conversation, which model and the tokens are in the audit log.
    let audit = app.get_json("/api/v1/audit?action=assist.used").await;
    let entry = &audit["items"][0];
    assert_eq!(entry["subject_id"], json!(id.to_string()), "{audit}");
    assert_eq!(entry["detail"]["model"], "standin-small");
    assert_eq!(entry["detail"]["feature"], "summary");
    assert!(entry["detail"]["prompt_tokens"].as_u64().is_some());
    app.stop().await;
}

#[tokio::test]
async fn a_failing_model_is_retried_then_named_and_nothing_else_breaks() {
    let model = FakeModel::start().await;
    let app = TestApp::spawn_with(&assist_config(&model.base_url, "max_retries = 2\n")).await;
    let id = conversation(&app, "assist-2").await;

    // A 429 (asking for no pause) and a 500 are retried; the third attempt answers.
    model.fail_next(&[(429, Some(0)), (500, None)]);
    let response = summarise(&app, id).await;
    assert_eq!(response.status(), 201);
    assert_eq!(model.received().len(), 3);

    // Three 500s in a row: the agent is told what failed, and nothing is stored.
    model.fail_next(&[(500, None), (500, None), (500, None)]);
    let before = notes(&app, id).await.len();
    let response = summarise(&app, id).await;
    assert_eq!(response.status(), 502);
    let message = error_message(response).await;
    assert!(message.contains("answered 500"), "{message}");
    assert_eq!(notes(&app, id).await.len(), before);
    let audit = app.get_json("/api/v1/audit?action=assist.used").await;
    assert!(
        audit["items"][0]["detail"]["error"]
            .as_str()
            .is_some_and(|error| error.contains("500")),
        "{audit}"
    );
    // The conversation still works.
    let reply = app
        .post_json(
            &format!("/api/v1/conversations/{id}/reply"),
            json!({"text": "Still here."}),
        )
        .await;
    assert!(reply.status().is_success());
    app.stop().await;

    // A model that is not there at all.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let app = TestApp::spawn_with(&assist_config(
        &format!("http://{closed}/v1"),
        "max_retries = 0\n",
    ))
    .await;
    let id = conversation(&app, "assist-3").await;
    let response = summarise(&app, id).await;
    assert_eq!(response.status(), 502);
    let message = error_message(response).await;
    assert!(message.contains("cannot be reached"), "{message}");
    app.stop().await;
}

#[tokio::test]
async fn the_budget_and_the_concurrency_cap_hold() {
    let model = FakeModel::start().await;
    let app = TestApp::spawn_with(&assist_config(
        &model.base_url,
        "requests_per_minute = 4\nmax_concurrent = 1\n",
    ))
    .await;
    let id = conversation(&app, "assist-4").await;

    // Three at once with one turn: the model never sees two at a time.
    model.hold();
    let requests: Vec<_> = (0..3)
        .map(|_| {
            let (client, url, token) = (
                app.client.clone(),
                app.url(&format!("/api/v1/conversations/{id}/summary")),
                app.admin_token.clone(),
            );
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({}))
                    .send()
                    .await
                    .expect("request")
                    .status()
            })
        })
        .collect();
    for arrived in 1..=3 {
        model.wait_for_requests(arrived).await;
        model.release(1);
    }
    for request in requests {
        assert_eq!(request.await.expect("join"), 201);
    }
    assert_eq!(model.most_in_flight(), 1);
    model.stop_holding();

    // The fourth request of the minute passes; the fifth is refused with when to retry.
    let fourth = summarise(&app, id).await;
    assert_eq!(fourth.status(), 201, "{:?}", fourth.text().await);
    let refused = summarise(&app, id).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().get("retry-after").is_some());
    assert_eq!(model.received().len(), 4);
    app.stop().await;
}

#[tokio::test]
async fn nothing_goes_to_the_model_when_off_not_opted_in_erased_or_private_and_not_allowed() {
    // Off by default.
    let app = TestApp::spawn().await;
    assert_eq!(app.get_json("/api/v1/assist").await["enabled"], false);
    let id = conversation(&app, "assist-5").await;
    let response = summarise(&app, id).await;
    assert_eq!(response.status(), 409);
    assert!(error_message(response).await.contains("base_url"));
    app.stop().await;

    let model = FakeModel::start().await;
    // The channel is not opted in.
    let app = TestApp::spawn_with(
        &assist_config(&model.base_url, "").replace("channels = [\"shop\"]", "channels = []"),
    )
    .await;
    let id = conversation(&app, "assist-6").await;
    assert_eq!(summarise(&app, id).await.status(), 403);
    app.stop().await;

    // A private address without `allow_private_targets`.
    let app = TestApp::spawn_with(&assist_config(&model.base_url, "").replace(
        "allow_private_targets = true",
        "allow_private_targets = false",
    ))
    .await;
    let id = conversation(&app, "assist-7").await;
    let response = summarise(&app, id).await;
    assert_eq!(response.status(), 502);
    assert!(
        error_message(response)
            .await
            .contains("allow_private_targets")
    );
    app.stop().await;

    // An erased contact, and a marketer.
    let app = TestApp::spawn_with(&assist_config(&model.base_url, "")).await;
    let id = conversation(&app, "assist-8").await;
    let marketer = app.token("marketer").await;
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/conversations/{id}/summary"),
            &marketer,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 403);
    let contact = app.get_json(&format!("/api/v1/conversations/{id}")).await["contact_id"].clone();
    let erase = app
        .post_json(
            &format!("/api/v1/contacts/{contact}/erase"),
            json!({"reason": "request 7"}),
        )
        .await;
    assert_eq!(erase.status(), 202);
    let response = summarise(&app, id).await;
    assert_eq!(response.status(), 409);
    assert!(model.received().is_empty(), "the model was sent something");
    app.stop().await;
}

#[tokio::test]
async fn the_summarize_button_adds_the_models_summary_as_a_note_in_the_inbox() {
    use crate::browser::{Driver, wait_for, wait_until};
    use crate::web::{agent_with_password, sign_in};

    let model = FakeModel::start().await;
    model.answer(
        "charged twice",
        "Wants: a refund.\nDone: apology.\nOpen: refund.\nMood: annoyed.",
    );
    let app = TestApp::spawn_with(&assist_config(&model.base_url, "")).await;
    let id = conversation(&app, "assist-browser").await;
    let (_, email, password) = agent_with_password(&app, "Ada", "agent").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;
    browser
        .goto(&app.url(&format!("/#/inbox/all/{id}")))
        .await
        .expect("goto");
    wait_for(&browser, "#summarize")
        .await
        .click()
        .await
        .expect("click");
    wait_until(
        &browser,
        "the summary shows as a note",
        "[...document.querySelectorAll('#messages .note')].some((n) => n.innerText.includes('Summary by standin-small') && n.innerText.includes('Wants: a refund.'))",
    )
    .await;
    assert_eq!(model.received().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_reply_draft_reads_prepared_answers_and_earlier_conversations_and_is_never_sent() {
    let model = FakeModel::start().await;
    model.answer(
        "The conversation to answer",
        "Dear customer, the refund is on its way.",
    );
    let app = TestApp::spawn_with(&assist_config(&model.base_url, "")).await;
    let id = conversation(&app, "assist-draft").await;
    // The same customer wrote before from another account: after a merge, that conversation
    // is theirs too, and the draft sees it.
    let earlier = app
        .post_hook(&hook_body(
            "m-earlier",
            "assist-draft-old",
            "Is my order 881 shipped?",
        ))
        .await;
    assert!(earlier.status().is_success());
    let contact_of = |conversation: i64| {
        let app = &app;
        async move {
            app.get_json(&format!("/api/v1/conversations/{conversation}"))
                .await["contact_id"]
                .as_i64()
                .expect("contact")
        }
    };
    let survivor = contact_of(id).await;
    let old = app.get_json("/api/v1/contacts?q=assist-draft-old").await["items"][0]["id"]
        .as_i64()
        .expect("old contact");
    let merged = app
        .post_json(
            &format!("/api/v1/contacts/{survivor}/merge"),
            json!({"from": old}),
        )
        .await;
    assert_eq!(merged.status(), 200);
    let canned = app
        .post_json(
            "/api/v1/canned-responses",
            json!({"shortcut": "refund", "title": "Refund", "body": "Refunds take 3 working days."}),
        )
        .await;
    assert_eq!(canned.status(), 201, "{:?}", canned.text().await);
    let before = app
        .get_json(&format!("/api/v1/conversations/{id}/messages"))
        .await["items"]
        .as_array()
        .map(Vec::len);

    let response = app
        .post_json(&format!("/api/v1/conversations/{id}/draft"), json!({}))
        .await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    let draft: Value = response.json().await.expect("json");
    assert_eq!(draft["text"], "Dear customer, the refund is on its way.");
    assert_eq!(draft["model"], "standin-small");

    let prompt = model.received()[0].prompt();
    assert!(
        prompt.contains("/refund: Refunds take 3 working days."),
        "{prompt}"
    );
    assert!(
        prompt.contains("Customer: Is my order 881 shipped?"),
        "{prompt}"
    );
    assert!(
        prompt.contains("[redacted]") && !prompt.contains(CARD),
        "{prompt}"
    );
    assert!(
        !prompt.contains("reseller"),
        "notes are never sent: {prompt}"
    );
    // Nothing was stored or sent.
    let after = app
        .get_json(&format!("/api/v1/conversations/{id}/messages"))
        .await["items"]
        .as_array()
        .map(Vec::len);
    assert_eq!(after, before);
    let audit = app.get_json("/api/v1/audit?action=assist.used").await;
    assert_eq!(audit["items"][0]["detail"]["feature"], "draft", "{audit}");
    app.stop().await;
}

#[tokio::test]
async fn the_draft_button_fills_the_composer_and_nothing_leaves_until_the_agent_sends() {
    use crate::browser::{Driver, wait_for, wait_until};
    use crate::web::{agent_with_password, sign_in};

    let model = FakeModel::start().await;
    model.answer("The conversation to answer", "We have refunded you today.");
    let app = TestApp::spawn_with(&assist_config(&model.base_url, "")).await;
    let id = conversation(&app, "assist-draft-browser").await;
    let (_, email, password) = agent_with_password(&app, "Ada", "agent").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;
    browser
        .goto(&app.url(&format!("/#/inbox/all/{id}")))
        .await
        .expect("goto");
    wait_for(&browser, "#draft-reply")
        .await
        .click()
        .await
        .expect("click");
    wait_until(
        &browser,
        "the draft is in the composer",
        "document.querySelector('#composer-text').value === 'We have refunded you today.'",
    )
    .await;
    // Only the agent's own earlier reply went out.
    let outbound = app
        .get_json(&format!("/api/v1/conversations/{id}/messages"))
        .await["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|message| message["direction"] == "out" && message["kind"] == "message")
        .count();
    assert_eq!(outbound, 1);
    assert_eq!(model.received().len(), 1);
    app.stop().await;
}

/// Labels in use (on another conversation) and a team, for suggestions to choose from;
/// returns the team's id.
async fn labels_and_a_team(app: &TestApp) -> i64 {
    let sent = app
        .post_hook(&hook_body(
            "m-labelled",
            "assist-labelled",
            "Where is my parcel?",
        ))
        .await;
    assert!(sent.status().is_success());
    let labelled = app
        .get_json("/api/v1/conversations?channel=shop&limit=100")
        .await["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["last_message"] == "Where is my parcel?")
        .expect("the labelled conversation")["id"]
        .as_i64()
        .expect("id");
    let response = app
        .send(
            Method::PATCH,
            &format!("/api/v1/conversations/{labelled}"),
            &app.admin_token,
            json!({"labels": ["refund", "shipping"]}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let team = app
        .post_json("/api/v1/teams", json!({"name": "Billing"}))
        .await;
    assert_eq!(team.status(), 201);
    let team: Value = team.json().await.expect("json");
    team["id"].as_i64().expect("team id")
}

#[tokio::test]
async fn suggestions_name_only_labels_and_teams_that_exist_and_change_nothing() {
    let model = FakeModel::start().await;
    model.answer(
        "charged twice",
        "```json\n{\"labels\": [\"refund\", \"made-up\"], \"priority\": \"high\", \"team\": \"billing\"}\n```",
    );
    let app = TestApp::spawn_with(&assist_config(&model.base_url, "")).await;
    let id = conversation(&app, "assist-suggest").await;
    let team = labels_and_a_team(&app).await;
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{id}/suggestions"),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    let suggested: Value = response.json().await.expect("json");
    assert_eq!(suggested["labels"], json!(["refund"]));
    assert_eq!(suggested["priority"], "high");
    assert_eq!(suggested["team_id"], json!(team));
    assert_eq!(suggested["team_name"], "Billing");
    let prompt = model.received()[0].prompt();
    assert!(
        prompt.contains(r#"Labels: ["refund","shipping"]"#)
            || prompt.contains(r#"Labels: ["shipping","refund"]"#),
        "{prompt}"
    );
    assert!(prompt.contains(r#"Teams: ["Billing"]"#), "{prompt}");
    // Only a suggestion: the conversation is as it was.
    let unchanged = app.get_json(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(unchanged["labels"], json!([]));
    assert_eq!(unchanged["priority"], "normal");

    app.stop().await;

    // An answer without a readable suggestion is the model's failure, said as such.
    let prose = FakeModel::start().await;
    let app = TestApp::spawn_with(&assist_config(&prose.base_url, "")).await;
    let id = conversation(&app, "assist-suggest-prose").await;
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{id}/suggestions"),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 502);
    assert!(error_message(response).await.contains("cannot be read"));
    app.stop().await;
}

#[tokio::test]
async fn suggestions_are_applied_in_the_inbox_only_when_the_agent_accepts() {
    use crate::browser::{Driver, wait_for, wait_until};
    use crate::web::{agent_with_password, sign_in};

    let model = FakeModel::start().await;
    model.answer(
        "charged twice",
        r#"{"labels": ["refund"], "priority": "high", "team": "Billing"}"#,
    );
    let app = TestApp::spawn_with(&assist_config(&model.base_url, "")).await;
    let id = conversation(&app, "assist-suggest-browser").await;
    let team = labels_and_a_team(&app).await;
    let (_, email, password) = agent_with_password(&app, "Ada", "agent").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;
    browser
        .goto(&app.url(&format!("/#/inbox/all/{id}")))
        .await
        .expect("goto");
    wait_for(&browser, "#suggest")
        .await
        .click()
        .await
        .expect("suggest");
    let apply = wait_for(&browser, "#apply-suggestions").await;
    let shown = wait_for(&browser, "#suggestions")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        shown.contains("refund")
            && shown.contains("priority high")
            && shown.contains("team Billing"),
        "{shown}"
    );
    // Nothing changed before Apply.
    let before = app.get_json(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(before["priority"], "normal");
    apply.click().await.expect("apply");
    wait_until(
        &browser,
        "the suggestions are applied",
        "!document.querySelector('#apply-suggestions')",
    )
    .await;
    let after = app.get_json(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(after["labels"], json!(["refund"]));
    assert_eq!(after["priority"], "high");
    assert_eq!(after["team_id"], json!(team));
    app.stop().await;
}

/// A model slower than the request's own time limit: the agent's request ends, but the call
/// goes on apart from it, is audited, and the summary still lands as a note.
#[tokio::test]
async fn a_summary_outliving_its_request_is_still_stored_and_audited() {
    let model = FakeModel::start().await;
    model.answer(
        "charged twice",
        "Wants: a refund.\nDone: nothing.\nOpen: the refund.\nMood: cross.",
    );
    let app = TestApp::spawn_with(&format!(
        "{}\n[server]\nrequest_timeout_secs = 1\n",
        assist_config(&model.base_url, "")
    ))
    .await;
    let id = conversation(&app, "assist-slow").await;
    model.hold();
    let response = summarise(&app, id).await;
    assert!(
        !response.status().is_success(),
        "the request timed out: {}",
        response.status()
    );
    model.stop_holding();
    model.release(1);
    loop {
        if notes(&app, id)
            .await
            .iter()
            .any(|note| note.starts_with("Summary by standin-small:"))
        {
            break;
        }
        app.wait_for_event("message.created").await;
    }
    let audit = app.get_json("/api/v1/audit?action=assist.used").await;
    assert_eq!(audit["items"][0]["detail"]["feature"], "summary", "{audit}");
    assert!(
        audit["items"][0]["detail"]["completion_tokens"]
            .as_u64()
            .is_some()
    );
    app.stop().await;
}
