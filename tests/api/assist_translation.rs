//! Agent assist's translations both ways and its streamed drafts, against the stand-in model:
//! a customer's message translated on demand and kept beside it (redacted before it leaves,
//! in the export, gone with a redaction); an agent's reply translated before sending, both
//! texts seen, the original kept with the message sent; a draft streamed piece by piece; and
//! the inbox doing all of it in Chromium.

use reqwest::Method;
use serde_json::{Value, json};

use crate::fake_model::FakeModel;
use crate::helpers::{TestApp, hook_body};

/// Long enough to be told English.
const ENGLISH: &str = "Hello, I ordered a blue jacket two weeks ago and it has still not \
                       arrived. Could you please tell me where my parcel is? My card 4111111111111111 was charged.";
const ENGLISH_IN_CZECH: &str = "Dobrý den, před dvěma týdny jsem objednal modrou bundu a stále \
                                nedorazila. Kde je můj balík? Moje karta [redacted] byla stržena.";
/// Long enough to be told German.
const GERMAN: &str = "Guten Tag, ich habe vor zwei Wochen eine Jacke bestellt und sie ist \
                      immer noch nicht angekommen. Können Sie mir bitte helfen?";
const AGENT_CZECH: &str = "Omlouváme se, balík jsme dnes znovu odeslali.";
const AGENT_IN_GERMAN: &str = "Entschuldigung, wir haben das Paket heute erneut verschickt.";

fn config(base_url: &str) -> String {
    format!(
        "[assist]\nbase_url = {base_url:?}\nmodel = \"standin-small\"\n\
         allow_hosts = [\"127.0.0.1\"]\nallow_private_targets = true\nchannels = [\"shop\"]\n\
         timeout_secs = 10\nlanguage = \"cs\"\n"
    )
}

/// The model's translations, keyed by what is translated.
fn translations(model: &FakeModel) {
    model.answer("blue jacket", ENGLISH_IN_CZECH);
    model.answer(AGENT_CZECH, AGENT_IN_GERMAN);
}

/// A conversation opened by `sender` writing `text`; returns (conversation, message) ids.
async fn customer_writes(app: &TestApp, sender: &str, text: &str) -> (i64, i64) {
    let response = app
        .post_hook(&hook_body(&format!("m-{sender}"), sender, text))
        .await;
    assert!(response.status().is_success());
    let contact = app.get_json(&format!("/api/v1/contacts?q={sender}")).await["items"][0]["id"]
        .as_i64()
        .expect("the sender's contact");
    let conversation = app
        .get_json(&format!("/api/v1/conversations?contact={contact}"))
        .await["items"][0]["id"]
        .as_i64()
        .expect("the sender's conversation");
    let message = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await["items"][0]["id"]
        .as_i64()
        .expect("the customer's message");
    (conversation, message)
}

async fn message_count(app: &TestApp, conversation: i64) -> usize {
    app.get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await["items"]
        .as_array()
        .expect("items")
        .len()
}

async fn translations_of(app: &TestApp, conversation: i64) -> Vec<Value> {
    app.get_json(&format!(
        "/api/v1/conversations/{conversation}/translations"
    ))
    .await["items"]
        .as_array()
        .expect("items")
        .clone()
}

#[tokio::test]
async fn a_customer_message_is_translated_on_demand_and_kept_beside_it() {
    let model = FakeModel::start().await;
    translations(&model);
    let app = TestApp::spawn_with(&config(&model.base_url)).await;
    let shown = app.get_json("/api/v1/assist").await;
    assert_eq!(shown["language"], "cs");
    assert!(
        shown["features"]
            .as_array()
            .expect("features")
            .contains(&json!("translation"))
    );
    let (conversation, message) = customer_writes(&app, "translate-1", ENGLISH).await;

    let path = format!("/api/v1/messages/{message}/translation");
    let response = app.post_json(&path, json!({})).await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let made: Value = response.json().await.expect("json");
    assert_eq!(made["language"], "cs");
    assert_eq!(made["origin"], "model");
    assert_eq!(made["model"], "standin-small");
    assert_eq!(made["text"], ENGLISH_IN_CZECH);
    // The card number never left; the instructions named the language wanted.
    let prompt = model.received()[0].prompt();
    assert!(!prompt.contains("4111111111111111"), "{prompt}");
    assert!(prompt.contains("Translate into: Czech (cs)"), "{prompt}");

    // Asked again: the kept translation, without a second request.
    let again = app.post_json(&path, json!({})).await;
    assert_eq!(again.status(), 200);
    assert_eq!(model.received().len(), 1);
    let kept = translations_of(&app, conversation).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["message_id"], message);
    assert_eq!(kept[0]["text"], ENGLISH_IN_CZECH);

    // Part of the contact's export.
    let contact = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await["contact_id"]
        .as_i64()
        .expect("contact");
    let export = app
        .get(
            &format!("/api/v1/contacts/{contact}/export"),
            &app.admin_token,
        )
        .await;
    assert_eq!(export.status(), 200);
    let export: Value = export.json().await.expect("json");
    assert_eq!(
        export["conversations"][0]["translations"][0]["text"],
        ENGLISH_IN_CZECH
    );

    // A note, an agent's reply and a bad language are refused, and nothing is asked.
    let note = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/notes"),
            json!({"text": "internal"}),
        )
        .await;
    let note: Value = note.json().await.expect("json");
    let refused = app
        .post_json(
            &format!("/api/v1/messages/{}/translation", note["id"]),
            json!({}),
        )
        .await;
    assert_eq!(refused.status(), 422);
    let bad = app.post_json(&path, json!({"language": "Czech"})).await;
    assert_eq!(bad.status(), 422);
    assert_eq!(model.received().len(), 1);

    // A redaction takes the translation with it.
    let redacted = app
        .post_json(&format!("/api/v1/messages/{message}/redact"), json!({}))
        .await;
    assert_eq!(redacted.status(), 200);
    assert!(translations_of(&app, conversation).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_reply_is_translated_before_sending_and_keeps_what_the_agent_wrote() {
    let model = FakeModel::start().await;
    translations(&model);
    let app = TestApp::spawn_with(&config(&model.base_url)).await;
    let (conversation, _) = customer_writes(&app, "translate-2", GERMAN).await;
    let before = message_count(&app, conversation).await;

    // The customer's language is told from their messages; nothing is stored or sent.
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply-translation"),
            json!({"text": AGENT_CZECH}),
        )
        .await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    let translated: Value = response.json().await.expect("json");
    assert_eq!(translated["language"], "de");
    assert_eq!(translated["text"], AGENT_IN_GERMAN);
    assert!(
        model.received()[0]
            .prompt()
            .contains("Translate into: German (de)")
    );
    assert_eq!(message_count(&app, conversation).await, before);

    // A bad original is refused whole: no message.
    let reply_path = format!("/api/v1/conversations/{conversation}/reply");
    let bad = app
        .post_json(
            &reply_path,
            json!({"text": AGENT_IN_GERMAN,
                   "translated_from": {"text": AGENT_CZECH, "language": "czech", "model": "m"}}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let with_template = app
        .post_json(
            &reply_path,
            json!({"template": "ack",
                   "translated_from": {"text": AGENT_CZECH, "language": "cs", "model": "m"}}),
        )
        .await;
    assert_eq!(with_template.status(), 422);
    assert_eq!(message_count(&app, conversation).await, before);

    // Sent: the customer gets the translation; the original stays beside it.
    let sent = app
        .post_json(
            &reply_path,
            json!({"text": AGENT_IN_GERMAN, "translated_from": {
                "text": AGENT_CZECH, "language": "cs", "model": translated["model"]}}),
        )
        .await;
    assert_eq!(sent.status(), 202);
    let sent: Value = sent.json().await.expect("json");
    assert_eq!(sent["text"], AGENT_IN_GERMAN);
    let kept = translations_of(&app, conversation).await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["message_id"], sent["id"]);
    assert_eq!(kept[0]["origin"], "author");
    assert_eq!(kept[0]["language"], "cs");
    assert_eq!(kept[0]["text"], AGENT_CZECH);

    // A customer whose language cannot be told needs it named.
    let (short, _) = customer_writes(&app, "translate-3", "ok").await;
    let unknown = app
        .post_json(
            &format!("/api/v1/conversations/{short}/reply-translation"),
            json!({"text": AGENT_CZECH}),
        )
        .await;
    assert_eq!(unknown.status(), 422);
    let named = app
        .post_json(
            &format!("/api/v1/conversations/{short}/reply-translation"),
            json!({"text": AGENT_CZECH, "language": "de"}),
        )
        .await;
    assert_eq!(named.status(), 200);
    app.stop().await;
}

/// The events of a server-sent event stream: (name, data as JSON).
fn sse_events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let name = block
                .lines()
                .find_map(|line| line.strip_prefix("event: "))?;
            let data = block.lines().find_map(|line| line.strip_prefix("data: "))?;
            Some((
                name.to_owned(),
                serde_json::from_str(data).expect("json data"),
            ))
        })
        .collect()
}

#[tokio::test]
async fn a_draft_streams_piece_by_piece_and_ends_with_the_whole_draft() {
    let model = FakeModel::start().await;
    let answer = "We have sent the parcel again today, sorry for the wait.";
    model.answer("The conversation to answer", answer);
    let app = TestApp::spawn_with(&config(&model.base_url)).await;
    let (conversation, _) = customer_writes(&app, "stream-1", ENGLISH).await;
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/conversations/{conversation}/draft/stream"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/event-stream")
    );
    let events = sse_events(&response.text().await.expect("body"));
    let pieces: Vec<&str> = events
        .iter()
        .filter(|(name, _)| name == "piece")
        .map(|(_, data)| data["text"].as_str().expect("text"))
        .collect();
    assert!(pieces.len() > 5, "{events:?}");
    assert_eq!(pieces.concat(), answer);
    let (last, done) = events.last().expect("a last event");
    assert_eq!(last, "done");
    assert_eq!(done["text"], answer);
    assert_eq!(done["model"], "standin-small");
    assert!(done["completion_tokens"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(model.received()[0].body["stream"], true);

    // The model failing mid-way ends the stream with an error, not a draft.
    model.fail_next(&[(400, None)]);
    let failed = app
        .send(
            Method::POST,
            &format!("/api/v1/conversations/{conversation}/draft/stream"),
            &app.admin_token,
            json!({}),
        )
        .await;
    let events = sse_events(&failed.text().await.expect("body"));
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "error");
    assert_eq!(events[0].1["status"], 502);
    // Both calls are in the audit log.
    let audit = app.get_json("/api/v1/audit?action=assist.used").await;
    assert_eq!(audit["items"].as_array().expect("items").len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn the_inbox_shows_translations_and_sends_a_reply_translated() {
    use crate::browser::{Driver, wait_for, wait_until};
    use crate::web::{agent_with_password, sign_in};

    let model = FakeModel::start().await;
    translations(&model);
    model.answer(GERMAN, "Guten Tag (Czech): bunda nedorazila, pomozte.");
    let app = TestApp::spawn_with(&config(&model.base_url)).await;
    let (conversation, message) = customer_writes(&app, "translate-web", GERMAN).await;
    let (_, email, password) = agent_with_password(&app, "Ada", "agent").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;
    browser
        .goto(&app.url(&format!("/#/inbox/all/{conversation}")))
        .await
        .expect("goto");
    // Clicked in the page, in one step: a live update may redraw the thread at any time.
    wait_until(
        &browser,
        "the customer's message offers a translation",
        &format!(
            "(() => {{ const button = document.querySelector('#message-{message} .translate'); \
             if (button) button.click(); return Boolean(button); }})()"
        ),
    )
    .await;
    wait_until(
        &browser,
        "the translation is under the message",
        &format!(
            "document.querySelector('#message-{message} .translation .msg-text')?.textContent \
             === 'Guten Tag (Czech): bunda nedorazila, pomozte.'"
        ),
    )
    .await;

    // The agent writes in Czech, sees the German, sends it.
    wait_for(&browser, "#composer-text")
        .await
        .send_keys(AGENT_CZECH)
        .await
        .expect("type");
    wait_for(&browser, "#translate-reply")
        .await
        .click()
        .await
        .expect("click");
    wait_until(
        &browser,
        "the translation is shown before sending",
        &format!("document.querySelector('#translation-text')?.value === {AGENT_IN_GERMAN:?}"),
    )
    .await;
    assert_eq!(
        model.received().len(),
        2,
        "only the two translations were asked"
    );
    let outbound = || async {
        app.get_json(&format!("/api/v1/conversations/{conversation}/messages"))
            .await["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|m| m["direction"] == "out" && m["kind"] == "message")
            .count()
    };
    assert_eq!(
        outbound().await,
        0,
        "nothing is sent before the agent sends"
    );
    wait_for(&browser, "#send-translation")
        .await
        .click()
        .await
        .expect("click");
    wait_until(
        &browser,
        "the reply shows what the agent wrote",
        &format!(
            "[...document.querySelectorAll('.translation.origin-author .msg-text')]\
             .some((e) => e.textContent === {AGENT_CZECH:?})"
        ),
    )
    .await;
    assert_eq!(outbound().await, 1);

    // The agent says they read German: their profile keeps it.
    browser
        .execute(
            "const s = document.querySelector('#my-language'); s.value = 'de'; \
             s.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await
        .expect("choose");
    wait_until(
        &browser,
        "the choice is confirmed",
        "document.body.innerText.includes('Translations for you are now in German (de)')",
    )
    .await;
    let agents = app.get_json("/api/v1/agents").await;
    let ada = agents
        .as_array()
        .expect("agents")
        .iter()
        .find(|agent| agent["email"] == email.as_str())
        .expect("Ada");
    assert_eq!(ada["language"], "de");
    app.stop().await;
}

#[tokio::test]
async fn a_translation_of_a_text_that_changed_meanwhile_is_not_kept() {
    use switchboard::domain::{MessageId, TranslationOrigin};
    use switchboard::store::assist::NewTranslation;

    let app = TestApp::spawn().await;
    let (conversation, message) = customer_writes(&app, "translate-race", ENGLISH).await;
    let translation = |source: &str| NewTranslation {
        message: MessageId::new(message),
        language: "cs".into(),
        text: ENGLISH_IN_CZECH.into(),
        origin: TranslationOrigin::Model,
        model: "standin-small".into(),
        source_text: source.into(),
        by: None,
    };
    // Made from a text the message no longer has (redacted or edited since): dropped.
    let stale = app
        .store
        .save_translation(&translation("an older text"))
        .await
        .expect("save");
    assert!(stale.is_none());
    assert!(translations_of(&app, conversation).await.is_empty());
    let current = app
        .store
        .save_translation(&translation(ENGLISH))
        .await
        .expect("save");
    let (_, events) = current.expect("kept");
    assert_eq!(events[0].kind.as_str(), "message.translated");
    assert_eq!(translations_of(&app, conversation).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn an_agent_reads_translations_in_their_own_language() {
    let model = FakeModel::start().await;
    translations(&model);
    let app = TestApp::spawn_with(&config(&model.base_url)).await;
    let (_, message) = customer_writes(&app, "translate-own", ENGLISH).await;
    let token = app.token("agent").await;
    let agents = app.get_json("/api/v1/agents").await;
    let me = agents
        .as_array()
        .expect("agents")
        .iter()
        .find(|agent| agent["role"] == "agent")
        .expect("the agent")["id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/v1/agents/{me}");
    // An agent sets their own language (and nothing else of theirs but availability).
    let set = app
        .send(Method::PATCH, &path, &token, json!({"language": "de"}))
        .await;
    assert_eq!(set.status(), 200);
    assert_eq!(set.json::<Value>().await.expect("json")["language"], "de");
    let bad = app
        .send(Method::PATCH, &path, &token, json!({"language": "deu"}))
        .await;
    assert_eq!(bad.status(), 422);
    let more = app
        .send(
            Method::PATCH,
            &path,
            &token,
            json!({"language": "cs", "capacity": 99}),
        )
        .await;
    assert_eq!(more.status(), 403);

    // Their translation is into German; the installation's stays Czech for others.
    let mine = app
        .send(
            Method::POST,
            &format!("/api/v1/messages/{message}/translation"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(mine.status(), 201);
    assert_eq!(mine.json::<Value>().await.expect("json")["language"], "de");
    assert!(
        model.received()[0]
            .prompt()
            .contains("Translate into: German (de)")
    );
    let admins = app
        .post_json(
            &format!("/api/v1/messages/{message}/translation"),
            json!({}),
        )
        .await;
    assert_eq!(admins.status(), 201);
    assert_eq!(
        admins.json::<Value>().await.expect("json")["language"],
        "cs"
    );

    // "" goes back to the installation's language.
    let cleared = app
        .send(Method::PATCH, &path, &token, json!({"language": ""}))
        .await;
    assert_eq!(cleared.status(), 200);
    assert_eq!(
        cleared.json::<Value>().await.expect("json")["language"],
        Value::Null
    );
    app.stop().await;
}
