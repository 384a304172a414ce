//! Automation rules, bots and timers end to end: rules from the config and the API, evaluated
//! in order with `stop`, all-or-nothing actions with activity lines, loop-proof automatic
//! replies (also between two Switchboard instances), idle and SLA timers.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use switchboard::domain::Millis;

use crate::helpers::{SECRET, TestApp};

/// Stores a message from `sender` on the fake (Telegram-kind) channel; returns the
/// conversation id.
async fn inbound(app: &TestApp, id: &str, sender: &str, text: &str) -> i64 {
    let receipts = app
        .fake
        .inject(vec![app.fake.message(id, sender, text)])
        .await
        .expect("inject");
    receipts[0].conversation_id
}

async fn messages(app: &TestApp, conversation: i64) -> Vec<Value> {
    app.get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await["items"]
        .as_array()
        .expect("items")
        .clone()
}

fn texts_of_kind(items: &[Value], kind: &str) -> Vec<String> {
    items
        .iter()
        .filter(|m| m["kind"] == kind)
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn bot_replies(items: &[Value]) -> usize {
    items
        .iter()
        .filter(|m| m["kind"] == "message" && m["author_type"] == "bot")
        .count()
}

#[tokio::test]
async fn rules_run_in_order_see_each_other_and_stop() {
    let app = TestApp::spawn_with(
        r#"
[[rules]]
name = "invoices"
on = "message.received"
when = { text_contains = "faktura" }
actions = [ { add_label = "billing" }, { set_priority = "high" } ]

[[rules]]
name = "billing note"
on = "message.received"
stop = true
when = { all = [ { label = "billing" }, { not = { automated = true } }, { any = [ { channel_kind = "telegram" }, { channel = "shop" } ] } ] }
actions = [ { note = "Billing question from {{ contact.name }}" } ]

[[rules]]
name = "never reached"
on = "message.received"
actions = [ { add_label = "late" } ]
"#,
    )
    .await;
    // Capitals and a stray accent: still "faktura".
    let conversation = inbound(&app, "m1", "u1", "Kde je moje FAKTÚRA?").await;
    assert_eq!(app.automation.run_once().await.expect("pass"), 2);
    let view = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(view["labels"], json!(["billing"]));
    assert_eq!(view["priority"], "high");
    let items = messages(&app, conversation).await;
    let activity = texts_of_kind(&items, "activity");
    assert_eq!(
        activity,
        vec![
            "Rule “invoices”: label billing added",
            "Rule “invoices”: priority set to high",
            "Rule “billing note”: note added",
        ]
    );
    let notes = texts_of_kind(&items, "note");
    assert_eq!(notes.len(), 1);
    assert!(notes[0].starts_with("Billing question from"), "{notes:?}");

    // A second message: "invoices" does not match, the label does, and stop holds back the
    // third rule again.
    inbound(&app, "m2", "u1", "hello?").await;
    assert_eq!(app.automation.run_once().await.expect("pass"), 1);
    let view = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(view["labels"], json!(["billing"]));
    // Nothing left to do: a pass over no new events applies nothing.
    assert_eq!(app.automation.run_once().await.expect("pass"), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_failing_rule_changes_nothing_and_says_why() {
    let app = TestApp::spawn_with(
        r#"
[[rules]]
name = "vip"
on = "message.received"
actions = [ { add_label = "vip" }, { assign_agent = "nobody@example.com" } ]
"#,
    )
    .await;
    let conversation = inbound(&app, "f1", "u1", "hi").await;
    app.automation.run_once().await.expect("pass");
    let view = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(view["labels"], json!([]), "half-applied rule");
    let activity = texts_of_kind(&messages(&app, conversation).await, "activity");
    assert_eq!(activity.len(), 1, "{activity:?}");
    assert!(
        activity[0].contains("Rule “vip” failed, nothing was changed")
            && activity[0].contains("no agent with email nobody@example.com"),
        "{activity:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_greeting_bot_answers_people_once_and_never_machines() {
    let app = TestApp::spawn_with("[automation.bots.greeting]\n").await;
    let first = inbound(&app, "g1", "u1", "Hello, I need help with my order").await;
    app.automation.run_once().await.expect("pass");
    app.drain_outbox().await;
    let sent = app.fake.sent();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].text.contains("getting in touch"),
        "{}",
        sent[0].text
    );
    assert!(sent[0].automated, "bot replies are marked automated");
    // The same conversation goes on: no second greeting.
    inbound(&app, "g2", "u1", "are you there?").await;
    app.automation.run_once().await.expect("pass");
    assert_eq!(bot_replies(&messages(&app, first).await), 1);

    // The same person opens another conversation: the cooldown holds.
    let mut again = app.fake.message("g3", "u1", "new topic");
    again.thread = Some("second-thread".into());
    let receipts = app.fake.inject(vec![again]).await.expect("inject");
    assert_ne!(receipts[0].conversation_id, first);
    // An auto-reply and a bot open conversations too: never answered.
    let mut automated = app
        .fake
        .message("g4", "u2", "I am out of the office until Monday");
    automated.automated = true;
    let mut bot = app.fake.message("g5", "u3", "beep");
    bot.sender.is_bot = true;
    app.fake.inject(vec![automated, bot]).await.expect("inject");
    app.automation.run_once().await.expect("pass");
    app.drain_outbox().await;
    assert_eq!(app.fake.sent().len(), 1, "{:?}", app.fake.sent());
    app.stop().await;
}

#[tokio::test]
async fn automatic_replies_wait_for_people_and_trip_a_breaker() {
    let app = TestApp::spawn_with(
        r#"
[[rules]]
name = "ack everything"
on = "message.received"
actions = [ { reply = { template = "ack", cooldown = "0s" } } ]
"#,
    )
    .await;
    let token = app.token("agent").await;
    // A person answered a minute ago: the bot keeps quiet.
    let quiet = inbound(&app, "q1", "p1", "first").await;
    app.automation.run_once().await.expect("pass");
    let reply = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{quiet}/reply"),
            &token,
            json!({"text": "Hi, this is Jana"}),
        )
        .await;
    assert_eq!(reply.status(), 202);
    inbound(&app, "q2", "p1", "second").await;
    app.automation.run_once().await.expect("pass");
    assert_eq!(
        bot_replies(&messages(&app, quiet).await),
        1,
        "only the first ack"
    );

    // Nobody answers a chatty customer: three automatic messages an hour, then the breaker.
    let chatty = inbound(&app, "c0", "p2", "one").await;
    app.automation.run_once().await.expect("pass");
    for n in 1..5 {
        inbound(&app, &format!("c{n}"), "p2", "more").await;
        app.automation.run_once().await.expect("pass");
    }
    let items = messages(&app, chatty).await;
    assert_eq!(bot_replies(&items), 3);
    let held: Vec<String> = texts_of_kind(&items, "activity")
        .into_iter()
        .filter(|text| text.contains("held back"))
        .collect();
    assert_eq!(held.len(), 2, "{held:?}");
    assert!(held[0].contains("3 automatic messages"), "{held:?}");
    app.stop().await;
}

/// A webhook receiver that forwards to another instance's hook, re-signed; it can strip the
/// `automated` flag to play a peer that does not know it.
#[derive(Clone)]
struct Relay {
    target: Arc<Mutex<Option<String>>>,
    strip_automated: bool,
    forwarded: Arc<Mutex<usize>>,
}

impl Relay {
    async fn spawn(strip_automated: bool) -> (Self, String) {
        async fn forward(
            axum::extract::State(relay): axum::extract::State<Relay>,
            _headers: HeaderMap,
            body: Bytes,
        ) -> StatusCode {
            let mut payload: Value = serde_json::from_slice(&body).expect("json");
            if relay.strip_automated
                && let Some(object) = payload.as_object_mut()
            {
                object.remove("automated");
            }
            let body = serde_json::to_vec(&payload).expect("encode");
            let target = relay.target.lock().expect("lock").clone().expect("target");
            *relay.forwarded.lock().expect("lock") += 1;
            let response = reqwest::Client::new()
                .post(target)
                .header("content-type", "application/json")
                .headers(crate::helpers::signed_headers(SECRET.as_bytes(), &body))
                .body(body)
                .send()
                .await
                .expect("forward");
            StatusCode::from_u16(response.status().as_u16()).expect("status")
        }
        let relay = Self {
            target: Arc::default(),
            strip_automated,
            forwarded: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        let router = axum::Router::new()
            .route("/", axum::routing::post(forward))
            .with_state(relay.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (relay, url)
    }
}

/// Two instances acknowledge every message and talk to each other over the webhook channel;
/// returns how many messages crossed before everything went quiet.
async fn two_instances_exchange(strip_automated: bool) -> usize {
    let (to_b, to_b_url) = Relay::spawn(strip_automated).await;
    let (to_a, to_a_url) = Relay::spawn(strip_automated).await;
    let config = |callback: &str| {
        format!(
            "[[rules]]\nname = \"ack\"\non = \"message.received\"\nactions = [ {{ reply = \"ack\" }} ]\n\n\
             [[channels]]\nname = \"peer\"\nkind = \"webhook\"\nsecret = {SECRET:?}\ncallback_url = {callback:?}\n"
        )
    };
    let a = TestApp::spawn_with(&config(&to_b_url)).await;
    let b = TestApp::spawn_with(&config(&to_a_url)).await;
    *to_b.target.lock().expect("lock") = Some(b.url("/hooks/peer"));
    *to_a.target.lock().expect("lock") = Some(a.url("/hooks/peer"));

    // Someone on B's side writes to A.
    let body = json!({"id": "start", "from": {"id": "x"}, "text": "hello, anyone there?"});
    let bytes = serde_json::to_vec(&body).expect("encode");
    let response = reqwest::Client::new()
        .post(a.url("/hooks/peer"))
        .headers(crate::helpers::signed_headers(SECRET.as_bytes(), &bytes))
        .body(bytes)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200);

    let crossed = || *to_a.forwarded.lock().expect("lock") + *to_b.forwarded.lock().expect("lock");
    let mut rounds = 0;
    loop {
        let before = crossed();
        for app in [&a, &b] {
            app.automation.run_once().await.expect("pass");
            app.drain_outbox().await;
        }
        if crossed() == before {
            break;
        }
        rounds += 1;
        assert!(
            rounds < 10,
            "the instances are still talking after {rounds} rounds"
        );
    }
    let total = crossed();
    a.stop().await;
    b.stop().await;
    total
}

#[tokio::test]
async fn two_instances_acknowledging_each_other_stop() {
    // Switchboard marks its automatic replies and honours the mark: one acknowledgement.
    assert_eq!(two_instances_exchange(false).await, 1);
    // A peer that drops the mark: B answers A's acknowledgement, which comes back into x's
    // thread on A, where the cooldown for that contact holds: it ends after one each.
    assert_eq!(two_instances_exchange(true).await, 2);
}

#[tokio::test]
async fn an_idle_conversation_fires_its_rule_once_on_time() {
    let app = TestApp::spawn_with(
        r#"
[[rules]]
name = "nudge"
on = "conversation.idle"
idle_for = "30m"
actions = [ { add_label = "stale" }, { set_priority = "high" } ]
"#,
    )
    .await;
    let conversation = inbound(&app, "i1", "u1", "anyone?").await;
    let armed = Millis::now();
    app.automation.run_once().await.expect("arm");
    // A minute short of idle: nothing fires.
    let early = armed.plus(std::time::Duration::from_secs(29 * 60));
    assert_eq!(app.automation.fire_timers(early).await.expect("timers"), 0);
    let later = Millis::now().plus(std::time::Duration::from_secs(30 * 60 + 1));
    assert_eq!(app.automation.fire_timers(later).await.expect("timers"), 1);
    app.automation.run_once().await.expect("pass");
    let view = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(view["labels"], json!(["stale"]));
    assert_eq!(view["priority"], "high");
    // Fired once: no timer is left until the next activity...
    let much_later = later.plus(std::time::Duration::from_secs(3 * 3_600));
    assert_eq!(
        app.automation
            .fire_timers(much_later)
            .await
            .expect("timers"),
        0
    );
    // ... which arms it again.
    inbound(&app, "i2", "u1", "still waiting").await;
    app.automation.run_once().await.expect("pass");
    let again = Millis::now().plus(std::time::Duration::from_secs(30 * 60 + 1));
    assert_eq!(app.automation.fire_timers(again).await.expect("timers"), 1);
    app.stop().await;
}

#[tokio::test]
async fn sla_targets_are_met_or_breached_on_exact_timers() {
    let app = TestApp::spawn_with(
        r#"
[[sla]]
name = "standard"
first_response = "1h"
resolution = "1d"

[[rules]]
name = "start sla"
on = "conversation.created"
actions = [ { set_sla = "standard" } ]

[[rules]]
name = "escalate"
on = "sla.breached"
actions = [ { set_priority = "urgent" }, { add_label = "sla-breached" } ]
"#,
    )
    .await;
    let token = app.token("agent").await;
    let answered = inbound(&app, "s1", "u1", "help").await;
    let waiting = inbound(&app, "s2", "u2", "help me too").await;
    app.automation.run_once().await.expect("pass");
    let view = app
        .get_json(&format!("/api/v1/conversations/{waiting}"))
        .await;
    assert_eq!(view["sla"]["policy"], "standard");
    assert_eq!(view["sla"]["status"], "on_track");
    // An agent answers the first conversation: its first response is met.
    let reply = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{answered}/reply"),
            &token,
            json!({"text": "On it"}),
        )
        .await;
    assert_eq!(reply.status(), 202);
    app.automation.run_once().await.expect("pass");
    let hour = Millis::now().plus(std::time::Duration::from_secs(3_601));
    assert_eq!(app.automation.fire_timers(hour).await.expect("timers"), 1);
    let breached = app.wait_for_event("sla.breached").await;
    assert_eq!(breached.conversation_id.map(|id| id.get()), Some(waiting));
    assert_eq!(breached.data["target"], "first_response");
    app.automation.run_once().await.expect("pass");
    let view = app
        .get_json(&format!("/api/v1/conversations/{waiting}"))
        .await;
    assert_eq!(view["sla"]["status"], "breached");
    assert_eq!(view["priority"], "urgent");
    assert_eq!(view["labels"], json!(["sla-breached"]));
    let view = app
        .get_json(&format!("/api/v1/conversations/{answered}"))
        .await;
    assert_eq!(
        view["sla"]["status"], "on_track",
        "resolution still pending"
    );
    assert!(view["sla"]["targets"]["first_response"]["met_at"].is_i64());
    app.stop().await;
}

#[tokio::test]
async fn rules_are_managed_through_the_api() {
    let app = TestApp::spawn_with(
        r#"
[[rules]]
name = "from config"
on = "message.received"
actions = [ { add_label = "seen" } ]
"#,
    )
    .await;
    let rule = json!({
        "name": "refunds",
        "on": "message.received",
        "when": {"text_matches": "^(vrácení|refund)"},
        "actions": [{"add_label": "refund"}, {"reply": "ack"}]
    });
    let created = app.post_json("/api/v1/rules", rule.clone()).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    let id = created["id"].as_i64().expect("id");

    let list = app.get_json("/api/v1/rules").await;
    let names: Vec<(&str, &str)> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or(""),
                r["source"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(names, vec![("from config", "config"), ("refunds", "api")]);

    // The new rule acts at once (Czech without háčky still matches).
    let conversation = inbound(&app, "r1", "u1", "Vraceni penez prosim").await;
    app.automation.run_once().await.expect("pass");
    let view = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(view["labels"], json!(["refund", "seen"]));

    // Bad rules change nothing and say why.
    let mut unknown_template = rule.clone();
    unknown_template["name"] = json!("other");
    unknown_template["actions"] = json!([{"reply": "no_such_template"}]);
    let response = app.post_json("/api/v1/rules", unknown_template).await;
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.expect("json");
    assert!(
        error["error"]["message"]
            .as_str()
            .expect("message")
            .contains("no template named \"no_such_template\""),
        "{error}"
    );
    let mut bad_regex = rule.clone();
    bad_regex["name"] = json!("regex");
    bad_regex["when"] = json!({"text_matches": "(unclosed"});
    assert_eq!(
        app.post_json("/api/v1/rules", bad_regex).await.status(),
        400
    );
    let mut taken = rule.clone();
    taken["name"] = json!("from config");
    assert_eq!(app.post_json("/api/v1/rules", taken).await.status(), 409);
    assert_eq!(
        app.post_json("/api/v1/rules", rule.clone()).await.status(),
        409
    );
    // Agents read rules but cannot write them.
    let agent = app.token("agent").await;
    let refused = app
        .send(reqwest::Method::POST, "/api/v1/rules", &agent, rule)
        .await;
    assert_eq!(refused.status(), 403);
    let deleted = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/rules/{id}"),
            &app.token("admin").await,
            json!(null),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let list = app.get_json("/api/v1/rules").await;
    assert_eq!(list["items"].as_array().expect("items").len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_rule_naming_a_missing_template_stops_start_up() {
    let db = crate::helpers::TestDb::new(crate::helpers::app_backend()).await;
    let text = format!(
        "[database]\nurl = {:?}\n\n[[rules]]\nname = \"broken\"\non = \"conversation.created\"\n\
         actions = [ {{ reply = \"nope\" }} ]\n",
        db.url
    );
    let config = switchboard::config::Config::from_parts(
        Some(("switchboard.toml".into(), &text)),
        Vec::new(),
        |_| None,
    )
    .expect("config parses");
    let err = switchboard::app::App::build(config, Vec::new())
        .await
        .err()
        .expect("start-up refused");
    assert!(
        err.to_string()
            .contains("rules[0] (broken): actions[0].reply: no template named \"nope\""),
        "{err}"
    );
    db.cleanup().await;
}

/// The router does not hand out a new conversation before the rules that may route it ran.
#[tokio::test]
async fn new_conversations_wait_for_routing_rules_before_the_router() {
    let app = TestApp::spawn_with(
        r#"
[[rules]]
name = "invoices to billing"
on = "message.received"
when = { text_contains = "invoice" }
actions = [ { assign_team = "billing" } ]
"#,
    )
    .await;
    // Only two online agents: one of them in billing.
    for existing in app
        .get_json("/api/v1/agents")
        .await
        .as_array()
        .expect("agents")
    {
        let off = app
            .send(
                reqwest::Method::PATCH,
                &format!("/api/v1/agents/{}", existing["id"]),
                &app.admin_token,
                json!({"availability": "offline"}),
            )
            .await;
        assert!(off.status().is_success());
    }
    let mut ids = Vec::new();
    for name in ["generalist", "accountant"] {
        let created = app
            .post_json(
                "/api/v1/agents",
                json!({"name": name, "email": format!("{name}@example.com"), "role": "agent"}),
            )
            .await;
        assert_eq!(created.status(), 201);
        ids.push(created.json::<Value>().await.expect("agent")["id"].clone());
    }
    let team = app
        .post_json(
            "/api/v1/teams",
            json!({"name": "billing", "members": [ids[1]]}),
        )
        .await;
    assert_eq!(team.status(), 201);

    let conversation = inbound(&app, "t1", "u1", "Where is my invoice?").await;
    // Rules have not run: the router must leave it alone (it would give it to the
    // generalist, who was never assigned anything).
    assert_eq!(app.router.run_once().await.expect("route"), 0);
    assert_eq!(app.get_json("/api/v1/queue").await, json!([]));
    app.automation.run_once().await.expect("rules");
    assert_eq!(app.router.run_once().await.expect("route"), 1);
    let view = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(view["assignee_id"], ids[1], "the billing member got it");
    // Conversations no rule routes are released after the rules ran, too.
    let other = inbound(&app, "t2", "u2", "hello").await;
    assert_eq!(app.router.run_once().await.expect("route"), 0);
    app.automation.run_once().await.expect("rules");
    assert_eq!(app.router.run_once().await.expect("route"), 1);
    let view = app
        .get_json(&format!("/api/v1/conversations/{other}"))
        .await;
    assert!(view["assignee_id"].is_i64());
    app.stop().await;
}

/// Outside business hours the out-of-office bot answers (saying when we are back) and the
/// greeting, which only answers within them, keeps quiet.
#[tokio::test]
async fn out_of_office_outside_business_hours() {
    // Open every day, but yesterday, today and tomorrow are holidays: closed now, open again
    // the day after tomorrow, whenever the test runs.
    let today = chrono::Utc::now().date_naive();
    let holidays: Vec<String> = [-1, 0, 1]
        .iter()
        .map(|days| (today + chrono::Duration::days(*days)).to_string())
        .collect();
    let days: String = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .iter()
    .map(|day| format!("{day} = \"00:00-24:00\"\n"))
    .collect();
    let app = TestApp::spawn_with(&format!(
        "[[business_hours]]\nname = \"default\"\ntimezone = \"UTC\"\n{days}holidays = {holidays:?}\n\n\
         [automation.bots.greeting]\n[automation.bots.out_of_office]\n"
    ))
    .await;
    let conversation = inbound(&app, "o1", "u1", "Hello, is anybody there?").await;
    app.automation.run_once().await.expect("pass");
    app.drain_outbox().await;
    let sent = app.fake.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let back = (today + chrono::Duration::days(2))
        .format("%-d")
        .to_string();
    assert!(
        sent[0].text.contains("out of the office") && sent[0].text.contains(&back),
        "{}",
        sent[0].text
    );
    let activity = texts_of_kind(&messages(&app, conversation).await, "activity");
    assert_eq!(
        activity,
        vec!["Rule “bot:out_of_office”: replied with template out_of_office"]
    );
    app.stop().await;
}

/// What rules did is not done again after a restart, and what arrived while the service was
/// down is evaluated once it is back.
#[tokio::test]
async fn a_restart_neither_repeats_nor_skips_rules() {
    let rules = r#"
[[rules]]
name = "log every message"
on = "message.received"
actions = [ { note = "seen: {{ contact.name }}" } ]
"#;
    let app = TestApp::spawn_with(rules).await;
    let conversation = inbound(&app, "r1", "u1", "first").await;
    assert_eq!(app.automation.run_once().await.expect("pass"), 1);
    // Stored while the engine is not running (it runs only when the test says).
    inbound(&app, "r2", "u1", "second").await;
    let db = app.stop_keeping_db().await;

    let app = TestApp::spawn_on(db, rules).await;
    assert_eq!(
        app.automation.run_once().await.expect("pass"),
        1,
        "only the new message"
    );
    assert_eq!(app.automation.run_once().await.expect("pass"), 0);
    let notes = texts_of_kind(&messages(&app, conversation).await, "note");
    assert_eq!(notes.len(), 2, "{notes:?}");
    app.stop().await;
}
