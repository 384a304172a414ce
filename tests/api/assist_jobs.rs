//! What agent assist does without an agent asking, against the stand-in model: new customer
//! messages translated on the channels configured for it, a summary note when a long
//! conversation passes to another agent, a rule's `assist_classify` applied (and its failure
//! said in the conversation); and the job queue's keys and leases on both databases.

use std::time::Duration;

use serde_json::{Value, json};
use switchboard::domain::{ConversationId, MessageId};
use switchboard::store::assist::{AssistJobKind, NewAssistJob};

use crate::fake_model::FakeModel;
use crate::helpers::{TestApp, hook_body};

const ENGLISH: &str = "Hello, I ordered a blue jacket two weeks ago and it has still not \
                       arrived. Could you please tell me where my parcel is?";
const IN_CZECH: &str = "Dobrý den, před dvěma týdny jsem objednal modrou bundu a stále nedorazila.";

fn config(base_url: &str, extra: &str) -> String {
    format!(
        "[assist]\nbase_url = {base_url:?}\nmodel = \"standin-small\"\n\
         allow_hosts = [\"127.0.0.1\"]\nallow_private_targets = true\nchannels = [\"shop\"]\n\
         timeout_secs = 10\nlanguage = \"cs\"\n{extra}"
    )
}

/// The id of the conversation `sender` opened.
async fn conversation_of(app: &TestApp, sender: &str) -> i64 {
    let contact = app.get_json(&format!("/api/v1/contacts?q={sender}")).await["items"][0]["id"]
        .as_i64()
        .expect("the sender's contact");
    app.get_json(&format!("/api/v1/conversations?contact={contact}"))
        .await["items"][0]["id"]
        .as_i64()
        .expect("the sender's conversation")
}

async fn messages(app: &TestApp, conversation: i64) -> Vec<Value> {
    app.get_json(&format!(
        "/api/v1/conversations/{conversation}/messages?limit=200"
    ))
    .await["items"]
        .as_array()
        .expect("items")
        .clone()
}

/// Waits (bounded by the event wait) until a message of `kind` whose text starts with
/// `prefix` is in the conversation; returns its text.
async fn until_line(app: &TestApp, conversation: i64, kind: &str, prefix: &str) -> String {
    loop {
        let found = messages(app, conversation).await.into_iter().find(|m| {
            m["kind"] == kind && m["text"].as_str().is_some_and(|t| t.starts_with(prefix))
        });
        if let Some(found) = found {
            return found["text"].as_str().expect("text").to_owned();
        }
        app.wait_for_event("message.created").await;
    }
}

#[tokio::test]
async fn new_customer_messages_are_translated_on_the_channels_configured() {
    let model = FakeModel::start().await;
    model.answer("blue jacket", IN_CZECH);
    let app = TestApp::spawn_with(&config(
        &model.base_url,
        "translate_channels = [\"shop\"]\n",
    ))
    .await;
    let sent = app
        .post_hook(&hook_body("m-auto-1", "auto-translate", ENGLISH))
        .await;
    assert!(sent.status().is_success());
    let event = app.wait_for_event("message.translated").await;
    assert_eq!(event.data["origin"], "model");
    assert_eq!(event.data["language"], "cs");
    let conversation = conversation_of(&app, "auto-translate").await;
    let kept = app
        .get_json(&format!(
            "/api/v1/conversations/{conversation}/translations"
        ))
        .await;
    assert_eq!(kept["items"][0]["text"], IN_CZECH);
    assert_eq!(
        kept["items"][0]["message_id"],
        json!(event.message_id.expect("message").get())
    );

    // A message already in the agents' language is left alone: the next translation asked
    // of the model is the English one after it.
    let czech = "Dobrý den, chtěl bych vrátit zboží, které jsem si objednal minulý týden.";
    for (id, text) in [("m-auto-2", czech), ("m-auto-3", ENGLISH)] {
        let sent = app.post_hook(&hook_body(id, "auto-translate", text)).await;
        assert!(sent.status().is_success());
    }
    app.wait_for_event("message.translated").await;
    let asked: Vec<String> = model.received().iter().map(|r| r.prompt()).collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(asked.iter().all(|prompt| !prompt.contains("vrátit zboží")));
    // Each translation is audited as Switchboard's own.
    let audit = app.get_json("/api/v1/audit?action=assist.used").await;
    let entry = &audit["items"][0];
    assert_eq!(entry["actor_kind"], "system", "{entry}");
    assert_eq!(entry["detail"]["automatic"], true);
    assert_eq!(entry["detail"]["feature"], "translate");
    app.stop().await;
}

#[tokio::test]
async fn a_long_conversation_that_changes_hands_gets_a_summary_note() {
    let model = FakeModel::start().await;
    model.answer(
        "The conversation:",
        "Wants: the parcel.\nDone: nothing yet.\nOpen: where it is.\nMood: impatient.",
    );
    let app =
        TestApp::spawn_with(&config(&model.base_url, "handover_summary_messages = 3\n")).await;
    for (index, text) in ["Where is my parcel?", "Still nothing.", "Hello?"]
        .iter()
        .enumerate()
    {
        let sent = app
            .post_hook(&hook_body(&format!("m-hand-{index}"), "hand-over", text))
            .await;
        assert!(sent.status().is_success());
    }
    let conversation = conversation_of(&app, "hand-over").await;
    let (ada, _, _) = crate::web::agent_with_password(&app, "Ada", "agent").await;
    let (bob, _, _) = crate::web::agent_with_password(&app, "Bob", "agent").await;
    let path = format!("/api/v1/conversations/{conversation}/assign");
    // The first assignment is no hand-over; the second is.
    for agent in [ada, bob] {
        let assigned = app.post_json(&path, json!({"agent_id": agent})).await;
        assert_eq!(assigned.status(), 200);
    }
    let note = until_line(&app, conversation, "note", "Summary by").await;
    assert_eq!(
        note,
        "Summary by standin-small (the conversation changed hands):\nWants: the parcel.\n\
         Done: nothing yet.\nOpen: where it is.\nMood: impatient."
    );
    assert_eq!(model.received().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_rule_applies_the_models_classification_and_says_when_it_cannot() {
    let model = FakeModel::start().await;
    model.answer(
        "double charge",
        r#"{"labels": ["refund"], "priority": "high", "team": "Billing"}"#,
    );
    let app = TestApp::spawn_with(&format!(
        "{}\n[[rules]]\nname = \"sort\"\non = \"conversation.created\"\n\
         actions = [ {{ assist_classify = true }} ]\n",
        config(&model.base_url, "")
    ))
    .await;
    // A label in use and a team to choose from.
    let first = app
        .post_hook(&hook_body("m-sort-0", "sort-0", "Where is my parcel?"))
        .await;
    assert!(first.status().is_success());
    let labelled = conversation_of(&app, "sort-0").await;
    let patched = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/conversations/{labelled}"),
            &app.admin_token,
            json!({"labels": ["refund"]}),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let team = app
        .post_json("/api/v1/teams", json!({"name": "Billing"}))
        .await;
    assert_eq!(team.status(), 201);
    let team: Value = team.json().await.expect("json");

    let sent = app
        .post_hook(&hook_body(
            "m-sort-1",
            "sort-1",
            "I see a double charge on my statement",
        ))
        .await;
    assert!(sent.status().is_success());
    app.automation.run_once().await.expect("rules");
    let sorted = conversation_of(&app, "sort-1").await;
    let line = until_line(&app, sorted, "activity", "Rule “sort”: standin-small").await;
    assert_eq!(
        line,
        "Rule “sort”: standin-small suggested; labels refund added; priority set to high; \
         routed to team Billing"
    );
    let conversation = app
        .get_json(&format!("/api/v1/conversations/{sorted}"))
        .await;
    assert_eq!(conversation["labels"], json!(["refund"]));
    assert_eq!(conversation["priority"], "high");
    assert_eq!(conversation["team_id"], team["id"]);

    // The first conversation's answer was no classification: it says so, and changed nothing.
    let failed = until_line(
        &app,
        labelled,
        "activity",
        "Rule “sort”: agent assist could not",
    )
    .await;
    assert!(failed.contains("cannot be read"), "{failed}");
    assert_eq!(
        app.get_json(&format!("/api/v1/conversations/{labelled}"))
            .await["priority"],
        "normal"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_job_is_queued_once_per_key_and_claimed_by_one_taker_until_its_lease_ends() {
    // Assist off: no worker claims beside the test. (The suite runs on each database.)
    let app = TestApp::spawn().await;
    let store = app.store.clone();
    let sent = app
        .post_hook(&hook_body("m-queue", "queue-owner", "Hello there"))
        .await;
    assert!(sent.status().is_success());
    let conversation = conversation_of(&app, "queue-owner").await;
    let message = messages(&app, conversation).await[0]["id"]
        .as_i64()
        .expect("message");
    let job = NewAssistJob {
        key: format!("translate:{message}:cs"),
        conversation: ConversationId::new(conversation),
        kind: AssistJobKind::Translate {
            message: MessageId::new(message),
            language: "cs".into(),
        },
    };
    assert!(store.queue_assist_job(&job).await.expect("queue"));
    assert!(!store.queue_assist_job(&job).await.expect("queue again"));
    let lease = Duration::from_secs(600);
    let claimed = store
        .claim_assist_job(lease)
        .await
        .expect("claim")
        .expect("a job");
    assert_eq!(claimed.kind, job.kind);
    assert_eq!(claimed.attempts, 1);
    // Leased: nobody else gets it.
    assert!(
        store
            .claim_assist_job(lease)
            .await
            .expect("claim")
            .is_none()
    );
    // Put back to run now, it is claimed again, as its second attempt.
    store
        .retry_assist_job(claimed.id, "busy", switchboard::domain::Millis(0))
        .await
        .expect("retry");
    let again = store
        .claim_assist_job(lease)
        .await
        .expect("claim")
        .expect("the job again");
    assert_eq!((again.id, again.attempts), (claimed.id, 2));
    // Done, it stays done: the same key queues nothing.
    store
        .finish_assist_job(claimed.id, None)
        .await
        .expect("finish");
    assert!(
        !store
            .queue_assist_job(&job)
            .await
            .expect("queue after done")
    );
    assert!(
        store
            .claim_assist_job(lease)
            .await
            .expect("claim")
            .is_none()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_job_stopped_by_shutdown_runs_again_at_once_after_the_restart() {
    let model = FakeModel::start().await;
    model.answer("blue jacket", IN_CZECH);
    let config = config(&model.base_url, "translate_channels = [\"shop\"]\n");
    let app = TestApp::spawn_with(&config).await;
    // The model takes its time (as a slow one may for a minute, longer than the shutdown's
    // grace): the node still stops cleanly, putting the job back.
    model.hold();
    let sent = app
        .post_hook(&hook_body("m-stop-1", "stopped-job", ENGLISH))
        .await;
    assert!(sent.status().is_success());
    model.wait_for_requests(1).await;
    let db = app.stop_keeping_db().await;
    model.stop_holding();
    model.release(1);
    let restarted = TestApp::spawn_on(db, &config).await;
    let event = restarted.wait_for_event("message.translated").await;
    assert_eq!(event.data["language"], "cs");
    assert_eq!(model.received().len(), 2, "asked again after the restart");
    restarted.stop().await;
}
