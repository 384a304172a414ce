//! Every event is what the OpenAPI document says it is: the app is driven through every
//! event kind, then each event, as the stream replays it and as a webhook posts it, is checked
//! against its documented schema (`Event` by `kind`, `webhooks.<kind>`) by a small validator
//! that refuses keys the schema does not name.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use connector_sdk::testing::FakeFailure;
use connector_sdk::{DeliveryState, DeliveryUpdate, InboundEvent, MessageEdit};
use reqwest::Method;
use serde_json::{Value, json};
use switchboard::domain::{EventId, EventKind, Millis};

use crate::helpers::{TestApp, hook_body, rand_suffix};

const CONFIG: &str = r#"
[webhooks]
allow_private_targets = true
backoff_base_ms = 0

[routing]
reassign_when_offline = true

[[sla]]
name = "standard"
first_response = "1h"

[[rules]]
name = "start sla"
on = "conversation.created"
actions = [ { set_sla = "standard" } ]

[[rules]]
name = "notify crm"
on = "message.received"
actions = [ { webhook = "crm" } ]

[[rules]]
name = "vip"
on = "message.received"
when = { text_contains = "vip" }
actions = [ { assign_agent = "nobody@example.com" } ]

[[rules]]
name = "nudge"
on = "conversation.idle"
idle_for = "30m"
actions = [ { add_label = "stale" } ]
"#;

#[tokio::test]
async fn every_event_matches_its_documented_schema_on_the_stream_and_in_webhooks() {
    let app = TestApp::spawn_with(CONFIG).await;
    let document = app.get_json("/api/v1/openapi.json").await;
    let (receiver, url) = Receiver::spawn().await;
    let subscribed = app
        .post_json("/api/v1/webhooks", json!({"url": url, "events": ["*"]}))
        .await;
    assert_eq!(subscribed.status(), 201);

    conversations(&app).await;
    contacts(&app).await;
    timers(&app).await;
    routing(&app).await;
    campaigns(&app).await;

    let logged = app
        .store
        .list_events(EventId::new(0), 10_000)
        .await
        .expect("events");
    let mut missing: Vec<&str> = EventKind::ALL
        .iter()
        .filter(|kind| !logged.iter().any(|event| event.kind == **kind))
        .map(|kind| kind.as_str())
        .collect();
    missing.sort_unstable();
    assert!(
        missing.is_empty(),
        "kinds the scenario did not produce: {missing:?}"
    );

    let validator = Validator {
        document: &document,
    };
    let event_schema = json!({"$ref": "#/components/schemas/Event"});
    let streamed = replay_stream(&app, logged.len()).await;
    assert_eq!(streamed.len(), logged.len(), "the stream replays the log");
    let mut problems = Vec::new();
    for event in &streamed {
        validator.check(
            &event_schema,
            event,
            &format!("event {}", event["id"]),
            &mut problems,
        );
    }

    drain_webhooks(&app).await;
    let delivered = receiver.received.lock().expect("lock").clone();
    assert_eq!(delivered.len(), logged.len(), "one delivery per event");
    for (headers, body) in &delivered {
        let body: Value = serde_json::from_slice(body).expect("JSON body");
        let kind = body["kind"].as_str().expect("kind");
        let at = format!("delivery of event {} ({kind})", body["id"]);
        let Some(operation) = document["webhooks"][kind]["post"].as_object() else {
            problems.push(format!("{at}: no webhooks.{kind}.post"));
            continue;
        };
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        validator.check(schema, &body, &at, &mut problems);
        for parameter in operation["parameters"].as_array().expect("parameters") {
            let name = parameter["name"].as_str().expect("name");
            let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) else {
                problems.push(format!("{at}: header {name} missing"));
                continue;
            };
            let value = match parameter["schema"]["type"].as_str() {
                Some("integer") => value.parse::<i64>().map_or(json!(value), |n| json!(n)),
                _ => json!(value),
            };
            validator.check(
                &parameter["schema"],
                &value,
                &format!("{at} {name}"),
                &mut problems,
            );
        }
    }
    assert!(
        problems.is_empty(),
        "undocumented payloads:\n{}",
        problems.join("\n")
    );
    app.stop().await;
}

/// The validator refuses undocumented keys: a producer adding one fails this suite.
#[tokio::test]
async fn the_validator_catches_undocumented_and_mistyped_keys() {
    let app = TestApp::spawn().await;
    let document = app.get_json("/api/v1/openapi.json").await;
    let validator = Validator {
        document: &document,
    };
    let schema = json!({"$ref": "#/components/schemas/Event"});
    let good = json!({
        "id": 1, "kind": "conversation.status_changed", "conversation_id": 3, "contact_id": null,
        "message_id": null, "agent_id": 2, "created_at": "2026-01-02T03:04:05.678Z",
        "data": {"from": "open", "to": "resolved"}
    });
    let mut problems = Vec::new();
    validator.check(&schema, &good, "good", &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    let mut extra = good.clone();
    extra["data"]["by"] = json!("someone");
    let mut wrong = good.clone();
    wrong["data"]["to"] = json!("gone");
    let mut missing = good.clone();
    missing["data"]
        .as_object_mut()
        .expect("data")
        .remove("from");
    let mut unset = good.clone();
    unset["conversation_id"] = Value::Null;
    for (name, bad) in [
        ("extra", extra),
        ("wrong", wrong),
        ("missing", missing),
        ("unset", unset),
    ] {
        let mut problems = Vec::new();
        validator.check(&schema, &bad, name, &mut problems);
        assert!(!problems.is_empty(), "{name} passed");
    }
    app.stop().await;
}

// ----- the scenario -----

/// Creates an agent and a token acting as it; returns (agent id, token).
async fn agent(app: &TestApp, name: &str) -> (i64, String) {
    let created = app
        .post_json(
            "/api/v1/agents",
            json!({"name": name, "email": format!("{name}-{}@example.com", rand_suffix()), "role": "agent"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let token = app
        .post_json(
            "/api/v1/tokens",
            json!({"name": name, "role": "agent", "agent_id": id}),
        )
        .await;
    assert_eq!(token.status(), 201);
    let token = token.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    (id, token)
}

/// A message on the fake (Telegram-kind) channel; returns (conversation, message).
async fn inbound(app: &TestApp, id: &str, sender: &str, text: &str) -> (i64, i64) {
    let receipts = app
        .fake
        .inject(vec![app.fake.message(id, sender, text)])
        .await
        .expect("inject");
    (receipts[0].conversation_id, receipts[0].message_id)
}

async fn expect_status(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

/// Messages, edits, deliveries, notes, assignment, status and label changes, rules.
async fn conversations(app: &TestApp) {
    let (conversation, first) = inbound(app, "p1", "u1", "hello, vip here").await;
    // `notify crm` sends an automation.webhook; `vip` fails (no such agent): rule.failed.
    app.automation.run_once().await.expect("rules");
    // Agent assist keeps a translation beside the message: `message.translated`.
    let message = switchboard::domain::MessageId::new(first);
    let text = app.store.get_message(message).await.expect("message").text;
    app.store
        .save_translation(&switchboard::store::assist::NewTranslation {
            message,
            language: "cs".into(),
            text: "ahoj, tady vip".into(),
            origin: switchboard::domain::TranslationOrigin::Model,
            model: "standin-small".into(),
            source_text: text,
            by: None,
        })
        .await
        .expect("save")
        .expect("kept");
    let (agent_id, token) = agent(app, "ana").await;
    let path = |tail: &str| format!("/api/v1/conversations/{conversation}{tail}");
    let admin = app.admin_token.clone();
    let send = |method: Method, path: String, token: String, body: Value| async move {
        app.send(method, &path, &token, body).await
    };
    expect_status(
        send(
            Method::POST,
            path("/assign"),
            admin.clone(),
            json!({"agent_id": agent_id}),
        )
        .await,
        "assign",
    )
    .await;
    expect_status(
        send(
            Method::POST,
            path("/status"),
            admin.clone(),
            json!({"status": "pending"}),
        )
        .await,
        "status",
    )
    .await;
    expect_status(
        send(
            Method::PATCH,
            path(""),
            admin.clone(),
            json!({"labels": ["billing"], "priority": "high"}),
        )
        .await,
        "labels",
    )
    .await;
    expect_status(
        send(
            Method::POST,
            path("/reply"),
            token.clone(),
            json!({"text": "On it"}),
        )
        .await,
        "reply",
    )
    .await;
    app.drain_outbox().await;
    let mut report = DeliveryUpdate::new("fake", "fake-0", DeliveryState::Delivered);
    report.at = Some(chrono::Utc::now());
    app.fake
        .inject_events(vec![InboundEvent::Delivery(report)], None)
        .await
        .expect("delivery report");
    expect_status(
        send(
            Method::POST,
            path("/notes"),
            token.clone(),
            json!({"text": "VIP?"}),
        )
        .await,
        "note",
    )
    .await;
    expect_status(
        send(
            Method::POST,
            format!("/api/v1/messages/{first}/redact"),
            token.clone(),
            json!({"parts": ["hello"]}),
        )
        .await,
        "redact",
    )
    .await;
    app.fake
        .fail_next([FakeFailure::Rejected("chat not found".into())]);
    let failing = expect_status(
        send(
            Method::POST,
            path("/reply"),
            token.clone(),
            json!({"text": "Still there?"}),
        )
        .await,
        "second reply",
    )
    .await;
    app.drain_outbox().await;
    expect_status(
        send(
            Method::POST,
            format!("/api/v1/messages/{}/retry", failing["id"]),
            admin.clone(),
            json!({}),
        )
        .await,
        "retry",
    )
    .await;
    app.drain_outbox().await;
    app.fake
        .inject_events(
            vec![InboundEvent::Edited(MessageEdit::new(
                "fake",
                "p1",
                "hello, VIP here",
            ))],
            None,
        )
        .await
        .expect("edit");
    // Resolved, then the customer writes again: reopened by the inbound message.
    expect_status(
        send(
            Method::POST,
            path("/status"),
            admin,
            json!({"status": "resolved"}),
        )
        .await,
        "resolve",
    )
    .await;
    inbound(app, "p2", "u1", "one more thing").await;
    app.automation.run_once().await.expect("rules");
}

/// Contacts from the API and from an import.
async fn contacts(app: &TestApp) {
    let created = expect_status(
        app.post_json(
            "/api/v1/contacts",
            json!({"name": "Bea", "email": "bea@example.com"}),
        )
        .await,
        "contact",
    )
    .await;
    expect_status(
        app.send(
            Method::PATCH,
            &format!("/api/v1/contacts/{}", created["id"]),
            &app.admin_token,
            json!({"name": "Bea B."}),
        )
        .await,
        "contact update",
    )
    .await;
    let report = expect_status(
        app.post_json(
            "/api/v1/contacts/import",
            json!({"csv": "email,name\nbea@example.com,Bea C.\ncyd@example.com,Cyd\n"}),
        )
        .await,
        "import",
    )
    .await;
    assert_eq!(
        (report["created"].clone(), report["updated"].clone()),
        (json!(1), json!(1))
    );
    // A merge and its undo log `contact.merged` and `contact.merge_undone`.
    let twin = expect_status(
        app.post_json("/api/v1/contacts", json!({"name": "Bea (chat)"}))
            .await,
        "contact",
    )
    .await;
    let merged = expect_status(
        app.post_json(
            &format!("/api/v1/contacts/{}/merge", created["id"]),
            json!({"from": twin["id"]}),
        )
        .await,
        "merge",
    )
    .await;
    expect_status(
        app.post_json(
            &format!("/api/v1/contacts/merges/{}/undo", merged["merge"]["id"]),
            json!({}),
        )
        .await,
        "undo",
    )
    .await;
    // An erasure of a contact of its own (so the scrubbed data of its earlier events is checked
    // against their schemas too) logs `contact.erased`.
    let doomed = expect_status(
        app.post_json(
            "/api/v1/contacts",
            json!({"name": "Dee", "email": "dee@example.com"}),
        )
        .await,
        "contact",
    )
    .await;
    let job = app
        .post_json(
            &format!("/api/v1/contacts/{}/erase", doomed["id"]),
            json!({"reason": "request 12"}),
        )
        .await;
    assert_eq!(job.status(), 202);
    let job: Value = job.json().await.expect("json");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while app
        .get_json(&format!("/api/v1/erasures/{}", job["id"]))
        .await["state"]
        != "done"
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the erasure did not finish"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Idle and SLA timers of a conversation nobody answers.
async fn timers(app: &TestApp) {
    inbound(app, "t1", "u2", "is anyone there?").await;
    app.automation.run_once().await.expect("arm");
    let later = Millis::now().plus(Duration::from_secs(2 * 3_600));
    assert!(app.automation.fire_timers(later).await.expect("timers") >= 2);
    app.automation.run_once().await.expect("rules");
}

/// Taken from the queue, given out by the router, handed back when the agent goes offline.
async fn routing(app: &TestApp) {
    let (taken, _) = inbound(app, "r1", "u3", "take me").await;
    let (router_fed, _) = inbound(app, "r2", "u4", "route me").await;
    app.automation.run_once().await.expect("triage");
    let (_, token) = agent(app, "taker").await;
    expect_status(
        app.send(
            Method::POST,
            &format!("/api/v1/conversations/{taken}/take"),
            &token,
            json!({}),
        )
        .await,
        "take",
    )
    .await;
    // The bootstrap admin is the online agent the router picks.
    assert!(app.router.run_once().await.expect("route") >= 1);
    let routed = app
        .get_json(&format!("/api/v1/conversations/{router_fed}"))
        .await;
    let holder = routed["assignee_id"].clone();
    assert!(holder.is_i64(), "routed: {routed}");
    expect_status(
        app.send(
            Method::PATCH,
            &format!("/api/v1/agents/{holder}"),
            &app.admin_token,
            json!({"availability": "offline"}),
        )
        .await,
        "offline",
    )
    .await;
}

/// A campaign to two contacts of the webhook channel: one answers STOP, the other a question
/// (linked to the campaign); a draft is cancelled.
async fn campaigns(app: &TestApp) {
    for (id, from) in [("c1", "s-1"), ("c2", "s-2")] {
        assert_eq!(
            app.post_hook(&hook_body(id, from, "hello")).await.status(),
            200
        );
        let contact =
            app.get_json(&format!("/api/v1/contacts?q={from}")).await["items"][0]["id"].clone();
        expect_status(
            app.send(
                Method::PUT,
                &format!("/api/v1/contacts/{contact}/consents"),
                &app.admin_token,
                json!({"items": [{"channel": "webhook", "granted": true, "proof": "203.0.113.9"}]}),
            )
            .await,
            "consent",
        )
        .await;
    }
    app.campaigns.run_once().await.expect("tail");
    let created = expect_status(
        app.post_json(
            "/api/v1/campaigns",
            json!({"name": "Autumn", "filter": {"op": "consent", "channel": "webhook"},
                   "channels": [{"channel": "shop", "body": "Autumn sale", "rate_per_sec": 1_000_000.0}]}),
        )
        .await,
        "campaign",
    )
    .await;
    let id = created["id"].clone();
    expect_status(
        app.post_json(&format!("/api/v1/campaigns/{id}/start"), json!({}))
            .await,
        "start",
    )
    .await;
    let mut finished = false;
    for _ in 0..1_000 {
        app.campaigns.run_once().await.expect("campaign pass");
        if app.get_json(&format!("/api/v1/campaigns/{id}")).await["state"] == "finished" {
            finished = true;
            break;
        }
    }
    assert!(finished, "campaign {id} did not finish");
    assert_eq!(
        app.post_hook(&hook_body("c3", "s-1", "STOP"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_hook(&hook_body("c4", "s-2", "Shoes too?"))
            .await
            .status(),
        200
    );
    app.campaigns.run_once().await.expect("tail");
    app.drain_outbox().await;

    let draft = expect_status(
        app.post_json(
            "/api/v1/campaigns",
            json!({"name": "Never", "filter": {"op": "everyone"},
                   "channels": [{"channel": "shop", "body": "Never sent"}]}),
        )
        .await,
        "draft",
    )
    .await;
    expect_status(
        app.post_json(
            &format!("/api/v1/campaigns/{}/cancel", draft["id"]),
            json!({}),
        )
        .await,
        "cancel",
    )
    .await;
}

// ----- reading the events -----

/// The whole log as the stream replays it from the start: the JSON of each `data:` line of
/// the logged events (presence messages have no id and are skipped).
async fn replay_stream(app: &TestApp, count: usize) -> Vec<Value> {
    let mut response = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth(&app.admin_token)
        .header("last-event-id", "0")
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), StatusCode::OK);
    let mut text = String::new();
    let mut events = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        while events.len() < count {
            let Some(chunk) = response.chunk().await.expect("stream") else {
                break;
            };
            text.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = text.find("\n\n") {
                let message: String = text.drain(..end + 2).collect();
                let logged = message.lines().any(|line| line.starts_with("id:"));
                let data: String = message
                    .lines()
                    .filter_map(|line| line.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if logged {
                    events.push(serde_json::from_str(&data).expect("JSON data"));
                }
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the stream stalled after {} of {count} events",
        events.len()
    );
    events
}

/// Runs the event webhook worker until it has nothing left to fan out or send.
async fn drain_webhooks(app: &TestApp) {
    loop {
        let outcome = app.event_webhooks.run_once().await.expect("webhook pass");
        if outcome.events == 0 && outcome.claimed == 0 {
            break;
        }
    }
}

/// A subscriber that records every delivery and answers 200.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

impl Receiver {
    async fn spawn() -> (Self, String) {
        async fn receive(
            axum::extract::State(receiver): axum::extract::State<Receiver>,
            headers: HeaderMap,
            body: Bytes,
        ) -> StatusCode {
            receiver
                .received
                .lock()
                .expect("lock")
                .push((headers, body));
            StatusCode::NO_CONTENT
        }
        let receiver = Receiver::default();
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        (receiver, url)
    }
}

// ----- the validator -----

/// Checks JSON values against the document's schemas: `$ref`, `oneOf` (by discriminator, or
/// exactly one branch), `allOf`, `type`, `enum`, `pattern`, `minimum`, `format: date-time`,
/// `required`, `properties` and `items`. Stricter than JSON Schema on purpose: an object may
/// hold only the keys its schema names (unless it is a map with `additionalProperties`), and
/// an object schema naming no keys is refused as undocumented.
struct Validator<'a> {
    document: &'a Value,
}

impl Validator<'_> {
    fn resolve(&self, reference: &str) -> Option<&Value> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        self.document["components"]["schemas"].get(name)
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            match self.resolve(reference) {
                Some(target) => self.check(target, value, at, problems),
                None => problems.push(format!("{at}: {reference} does not resolve")),
            }
        }
        for part in schema["allOf"].as_array().into_iter().flatten() {
            self.check(part, value, at, problems);
        }
        if let Some(branches) = schema["oneOf"].as_array() {
            self.check_one_of(schema, branches, value, at, problems);
        }
        if let Some(types) = types(schema)
            && !types.iter().any(|name| has_type(value, name))
        {
            problems.push(format!("{at}: {value} is not {types:?}"));
            return;
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
        {
            problems.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
        if let (Some(pattern), Some(text)) = (schema["pattern"].as_str(), value.as_str()) {
            let regex = regex::Regex::new(pattern).expect("pattern");
            if !regex.is_match(text) {
                problems.push(format!("{at}: {text:?} does not match {pattern}"));
            }
        }
        if let (Some(minimum), Some(number)) = (schema["minimum"].as_f64(), value.as_f64())
            && number < minimum
        {
            problems.push(format!("{at}: {number} is below {minimum}"));
        }
        if let (Some("date-time"), Some(text)) = (schema["format"].as_str(), value.as_str())
            && chrono::DateTime::parse_from_rfc3339(text).is_err()
        {
            problems.push(format!("{at}: {text:?} is not a date-time"));
        }
        // Through a `$ref` or a `oneOf` the object was checked against the schema they lead to.
        if let Some(object) = value.as_object()
            && schema.get("$ref").is_none()
            && schema.get("oneOf").is_none()
        {
            self.check_object(schema, object, at, problems);
        }
        if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
            for (index, item) in values.iter().enumerate() {
                self.check(items, item, &format!("{at}[{index}]"), problems);
            }
        }
    }

    fn check_one_of(
        &self,
        schema: &Value,
        branches: &[Value],
        value: &Value,
        at: &str,
        problems: &mut Vec<String>,
    ) {
        if let Some(property) = schema["discriminator"]["propertyName"].as_str() {
            let tag = value[property].as_str().unwrap_or_default();
            match schema["discriminator"]["mapping"][tag].as_str() {
                Some(target) => self.check(&json!({"$ref": target}), value, at, problems),
                None => problems.push(format!("{at}: {property} {tag:?} is not mapped")),
            }
            return;
        }
        let mut failures = Vec::new();
        let mut matched = 0;
        for branch in branches {
            let mut own = Vec::new();
            self.check(branch, value, at, &mut own);
            if own.is_empty() {
                matched += 1;
            } else {
                failures.extend(own);
            }
        }
        if matched != 1 {
            problems.push(format!(
                "{at}: {value} matches {matched} branches of oneOf ({})",
                failures.join("; ")
            ));
        }
    }

    fn check_object(
        &self,
        schema: &Value,
        object: &serde_json::Map<String, Value>,
        at: &str,
        problems: &mut Vec<String>,
    ) {
        let properties = schema["properties"].as_object();
        let map_values = schema.get("additionalProperties").filter(|v| v.is_object());
        if properties.is_none() && map_values.is_none() {
            problems.push(format!("{at}: an object whose keys are not documented"));
            return;
        }
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().expect("name");
            if !object.contains_key(name) {
                problems.push(format!("{at}: required key {name} is missing"));
            }
        }
        for (key, value) in object {
            let at = format!("{at}.{key}");
            match (properties.and_then(|p| p.get(key)), map_values) {
                (Some(property), _) | (None, Some(property)) => {
                    self.check(property, value, &at, problems)
                }
                (None, None) => problems.push(format!("{at}: undocumented key")),
            }
        }
    }
}

/// The types a schema allows, if it says.
fn types(schema: &Value) -> Option<Vec<&str>> {
    match &schema["type"] {
        Value::String(one) => Some(vec![one.as_str()]),
        Value::Array(many) => Some(many.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}
