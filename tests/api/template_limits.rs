//! Template limits: fuel, the output cap and the render deadline. Runaway templates written in
//! the API are refused with a 422 naming the limit, a campaign message that hits a limit fails
//! alone, and a long render never holds up the async workers that answer other requests.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The attacks from the report: nested loops, and a huge string printed several times.
const LOOPS: &str = "{% for a in range(100000) %}{% for b in range(700) %}{% endfor %}{% endfor %}";
const HUGE: &str = "{% for i in range(8) %}{{ \"x\" * 50000000 }}{% endfor %}";

async fn error_of(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "invalid", "{body}");
    body["error"]["message"]
        .as_str()
        .expect("message")
        .to_owned()
}

async fn save_canned(app: &TestApp, shortcut: &str, body: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/canned-responses",
        json!({"shortcut": shortcut, "title": "t", "body": body}),
    )
    .await
}

async fn save_campaign(app: &TestApp, body: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/campaigns",
        json!({"name": "limits", "filter": {"op": "everyone"},
               "channels": [{"channel": "fake", "body": body, "rate_per_sec": 1000000.0}]}),
    )
    .await
}

#[tokio::test]
async fn runaway_templates_are_refused_naming_the_limit() {
    let app = TestApp::spawn().await;
    for (shortcut, source) in [("loops", LOOPS), ("huge", HUGE)] {
        let message = error_of(save_canned(&app, shortcut, source).await, 422).await;
        assert!(
            message.contains("template exceeds the execution limit (fuel 100000)"),
            "{shortcut}: {message}"
        );
        let message = error_of(save_campaign(&app, source).await, 422).await;
        assert!(
            message.contains("execution limit (fuel 100000)"),
            "{message}"
        );
    }
    let canned = app.get_json("/api/v1/canned-responses").await;
    assert_eq!(canned, json!([]), "nothing was stored");
    app.stop().await;
}

#[tokio::test]
async fn output_past_the_cap_is_refused_on_save_and_preview() {
    let app = TestApp::spawn_with("[templates]\nmax_output_bytes = 1000\n").await;
    let message = error_of(save_canned(&app, "long", "{{ \"x\" * 2000 }}").await, 422).await;
    assert!(
        message.contains("template output exceeds the size limit (max_output_bytes 1000)"),
        "{message}"
    );
    // A body within the cap is saved; printing a long custom value in a preview hits it.
    let response = save_canned(&app, "echo", "{{ custom.text }}").await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.expect("json")["id"].clone();
    let message = error_of(
        app.post_json(
            &format!("/api/v1/canned-responses/{id}/preview"),
            json!({"values": {"text": "y".repeat(5000)}}),
        )
        .await,
        422,
    )
    .await;
    assert!(message.contains("max_output_bytes 1000"), "{message}");
    let preview = app
        .post_json(
            &format!("/api/v1/canned-responses/{id}/preview"),
            json!({"values": {"text": "short"}}),
        )
        .await;
    assert_eq!(preview.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_long_render_runs_off_the_async_workers_and_stops_at_the_deadline() {
    // Enough fuel for a render that takes a while, and a deadline shorter than it. The test
    // runtime has a single thread, which is also the server's: a render on it would hold up
    // everything until it ended.
    let app = TestApp::spawn_with(
        "[templates]\nfuel = 50000000\nrender_timeout_ms = 300\nmax_concurrent_renders = 1\n",
    )
    .await;
    let templates = app.automation.templates();
    let heavy = "{% for a in range(100000) %}{% for b in range(60) %}{% endfor %}{% endfor %}";
    let client = app.client.clone();
    let (url, token) = (app.url("/api/v1/canned-responses"), app.admin_token.clone());
    let save = tokio::spawn(async move {
        client
            .post(url)
            .bearer_auth(token)
            .json(&json!({"shortcut": "heavy", "title": "t", "body": heavy}))
            .send()
            .await
            .expect("save")
    });
    // Wait (bounded) until the render is running.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while templates.renders_in_flight() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the render never started"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // While it runs, the server answers other requests.
    let health = app.get("/healthz", "").await;
    assert_eq!(health.status(), 200);
    assert_eq!(
        templates.renders_in_flight(),
        1,
        "the render was still running when /healthz answered"
    );
    let message = error_of(save.await.expect("join"), 422).await;
    assert!(
        message.contains("template rendering exceeds the time limit (render_timeout_ms 300)"),
        "{message}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_campaign_message_that_hits_a_limit_fails_alone() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/contacts/import",
            json!({"csv": "name,identity:telegram,consent:telegram\nHeavy,1,yes\nLight,2,yes\n"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    // The sample contact passes the check when saved; only Heavy's message is huge.
    let body =
        "{% if contact.name == \"Heavy\" %}{{ \"x\" * 50000000 }}{% endif %}Hi {{ contact.name }}";
    let response = save_campaign(&app, body).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let start = app
        .post_json(&format!("/api/v1/campaigns/{id}/start"), json!({}))
        .await;
    assert_eq!(start.status(), 200);
    let mut view = Value::Null;
    for _ in 0..5_000 {
        app.campaigns.run_once().await.expect("campaign pass");
        view = app.get_json(&format!("/api/v1/campaigns/{id}")).await;
        if view["state"] == "finished" {
            break;
        }
    }
    assert_eq!(view["state"], "finished", "{view}");
    let total = &view["funnel"]["total"];
    assert_eq!(total["sent"], 1, "{total}");
    assert_eq!(total["failed"], 1, "{total}");
    let sent = app.fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "Hi Light");
    app.stop().await;
}

#[tokio::test]
async fn campaign_messages_render_off_the_async_workers() {
    // A body that takes a while for the real contact only (the check on saving renders the
    // sample contact). The test runtime has one thread, shared with the server: rendered on
    // it, the message would hold up /healthz until it was done.
    let app = TestApp::spawn_with("[templates]\nfuel = 500000000\n").await;
    let response = app
        .post_json(
            "/api/v1/contacts/import",
            json!({"csv": "name,identity:telegram,consent:telegram\nSlow,1,yes\n"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body = "{% if contact.name == \"Slow\" %}{% for a in range(100000) %}{% for b in range(40) %}\
                {% endfor %}{% endfor %}{% endif %}Hi {{ contact.name }}";
    let response = save_campaign(&app, body).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let start = app
        .post_json(&format!("/api/v1/campaigns/{id}/start"), json!({}))
        .await;
    assert_eq!(start.status(), 200);
    let (campaigns, fake) = (app.campaigns.clone(), app.fake.clone());
    // Passes until the message is out (planning and leasing take passes of their own).
    let pass = tokio::spawn(async move {
        for _ in 0..5_000 {
            campaigns.run_once().await.expect("campaign pass");
            if !fake.sent().is_empty() {
                return;
            }
        }
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while app.campaigns.batches_rendering() == 0 {
        assert!(
            !pass.is_finished(),
            "the pass ended without rendering off the runtime"
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "the render never started"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let health = app.get("/healthz", "").await;
    assert_eq!(health.status(), 200);
    assert_eq!(
        app.campaigns.batches_rendering(),
        1,
        "the batch was still rendering when /healthz answered"
    );
    pass.await.expect("join");
    let sent = app.fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "Hi Slow");
    app.stop().await;
}
