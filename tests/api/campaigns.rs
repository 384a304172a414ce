//! Campaigns end to end: import with bad rows, segments on both databases, channel
//! preference and consent, pause/resume, suppression from each source, RFC 8058, STOP
//! keywords, reply linking, the funnel, and replies that never wait behind a campaign.

use std::collections::HashSet;
use std::time::Duration;

use connector_sdk::testing::FakeFailure;
use connector_sdk::{DeliveryState, DeliveryUpdate, InboundEvent, Suppression};
use reqwest::Method;
use serde_json::{Value, json};
use switchboard::campaigns::unsubscribe::{LinkClaims, Purpose};
use switchboard::domain::{CampaignId, CampaignState, ContactId, Filter, Millis};
use switchboard::store::Store;
use switchboard::store::audience::{ConsentChange, ImportRow};
use switchboard::store::campaigns::{Lease, PlanChannel, SendResult};

use crate::helpers::{TestApp, hook_body, on_each_backend};

const FAST: f64 = 1_000_000.0;

/// Imports contacts through the API and returns the report.
async fn import(app: &TestApp, csv: &str) -> Value {
    let response = app
        .post_json("/api/v1/contacts/import", json!({"csv": csv}))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// Creates a campaign over everyone with the given channels and returns its id.
async fn campaign(app: &TestApp, name: &str, filter: Value, channels: Value) -> i64 {
    let response = app
        .post_json(
            "/api/v1/campaigns",
            json!({"name": name, "filter": filter, "channels": channels}),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().expect("id")
}

fn fake_and_shop() -> Value {
    json!([
        {"channel": "fake", "body": "Hi {{ contact.first_name }}, sale! {{ custom.unsubscribe_url }}", "rate_per_sec": FAST},
        {"channel": "shop", "body": "Sale for {{ contact.name }}", "rate_per_sec": FAST},
    ])
}

async fn start(app: &TestApp, id: i64) {
    let response = app
        .post_json(&format!("/api/v1/campaigns/{id}/start"), json!({}))
        .await;
    assert_eq!(response.status(), 200);
}

/// Runs the campaign worker until the campaign is finished (bounded; no sleeps: the throttle
/// of these campaigns refills in microseconds).
async fn drain(app: &TestApp, id: i64) -> Value {
    for _ in 0..5_000 {
        app.campaigns.run_once().await.expect("campaign pass");
        let view = app.get_json(&format!("/api/v1/campaigns/{id}")).await;
        if view["state"] == "finished" {
            return view;
        }
    }
    panic!("campaign {id} did not finish");
}

fn sent_ids(app: &TestApp) -> Vec<String> {
    app.fake
        .sent()
        .into_iter()
        .map(|message| message.id)
        .collect()
}

#[tokio::test]
async fn import_reports_bad_rows_with_lines_and_dedupes_against_existing_contacts() {
    let app = TestApp::spawn().await;
    let existing = app
        .post_json(
            "/api/v1/contacts",
            json!({"name": "Ana Old", "email": "ana@example.com"}),
        )
        .await;
    assert_eq!(existing.status(), 201);
    let existing: Value = existing.json().await.expect("json");
    let report = import(
        &app,
        "email,name,consent:email,tags,plan,identity:telegram\n\
         ANA@example.com,Ana Nová,yes,vip;cz,gold,111\n\
         broken-address,Bob,yes,,,\n\
         cyril@example.com,Cyril,perhaps,,,\n\
         dana@example.com,Dana,no,,silver,\n\
         dana@example.com,Dana D.,,newsletter,,222\n",
    )
    .await;
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["updated"], 1, "{report}");
    let rejected: Vec<(u64, String)> = report["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|row| {
            (
                row["line"].as_u64().expect("line"),
                row["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rejected.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![3, 4],
        "{report}"
    );
    assert!(rejected[0].1.contains("not an address"));
    assert!(rejected[1].1.contains("yes or no"));

    // Ana was matched by her address (case-insensitively), not duplicated.
    let id = existing["id"].as_i64().expect("id");
    let ana = app.get_json(&format!("/api/v1/contacts/{id}")).await;
    assert_eq!(ana["name"], "Ana Nová");
    assert_eq!(ana["attributes"]["plan"], "gold");
    let consents = app
        .get_json(&format!("/api/v1/contacts/{id}/consents"))
        .await;
    assert_eq!(consents["items"][0]["channel"], "email");
    assert_eq!(consents["items"][0]["granted"], true);
    assert_eq!(consents["items"][0]["source"], "import");

    // Strict mode writes nothing when any row is bad.
    let strict = app
        .post_json(
            "/api/v1/contacts/import",
            json!({"csv": "email\nnew@example.com\nnope\n", "strict": true}),
        )
        .await;
    let strict: Value = strict.json().await.expect("json");
    assert_eq!(strict["created"], 0);
    let found = app.get_json("/api/v1/contacts?q=new%40example.com").await;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(0), "{found}");

    // A mapping that names a missing column is refused whole.
    let bad = app
        .post_json(
            "/api/v1/contacts/import",
            json!({"csv": "email\na@b.cz\n", "mapping": {"E-mail": "email"}}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    app.stop().await;
}

async fn add(
    store: &Store,
    line: u64,
    email: &str,
    tags: &[&str],
    attributes: Value,
    consent: bool,
) {
    let row = ImportRow {
        line,
        email: Some(email.into()),
        identities: vec![("email".into(), email.into())],
        tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
        attributes: attributes.as_object().cloned().unwrap_or_default(),
        consents: if consent {
            vec![ConsentChange {
                channel: "email".into(),
                granted: true,
                source: "test".into(),
                proof: None,
            }]
        } else {
            Vec::new()
        },
        ..ImportRow::default()
    };
    store
        .import_contacts(&[row], "test", true)
        .await
        .expect("import");
}

async fn count(store: &Store, filter: Value) -> i64 {
    let filter: Filter = serde_json::from_value(filter).expect("filter");
    store.preview_segment(&filter, 5).await.expect("preview").0
}

#[tokio::test]
async fn segment_filters_mean_the_same_on_both_databases() {
    on_each_backend(|store| async move {
        add(
            &store,
            1,
            "a@x.cz",
            &["vip"],
            json!({"age": 34, "city": "Praha", "since": "2024-05-01", "pro": true}),
            true,
        )
        .await;
        add(
            &store,
            2,
            "b@x.cz",
            &["vip", "cz"],
            json!({"age": 19, "city": "Brno", "since": "2026-01-10T08:00:00Z"}),
            false,
        )
        .await;
        add(
            &store,
            3,
            "c@x.cz",
            &[],
            json!({"age": "unknown", "city": "praha 6", "since": "soon"}),
            true,
        )
        .await;
        add(&store, 4, "d@x.cz", &["cz"], json!({"age": 61.5}), false).await;

        assert_eq!(count(&store, json!({"op": "everyone"})).await, 4);
        assert_eq!(count(&store, json!({"op": "tag", "tag": "vip"})).await, 2);
        assert_eq!(
            count(
                &store,
                json!({"op": "not", "filter": {"op": "tag", "tag": "vip"}})
            )
            .await,
            2
        );
        assert_eq!(
            count(
                &store,
                json!({"op": "attribute", "key": "city", "cmp": "eq", "value": "Praha"})
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &store,
                json!({"op": "attribute", "key": "city", "cmp": "ne", "value": "Praha"})
            )
            .await,
            3
        );
        assert_eq!(
            count(
                &store,
                json!({"op": "attribute", "key": "city", "cmp": "contains", "value": "PRAHA"})
            )
            .await,
            2
        );
        assert_eq!(
            count(
                &store,
                json!({"op": "attribute", "key": "age", "cmp": "gte", "value": 34})
            )
            .await,
            2
        );
        assert_eq!(
            count(
                &store,
                json!({"op": "attribute", "key": "age", "cmp": "lt", "value": 30})
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &store,
                json!({"op": "attribute", "key": "age", "cmp": "eq", "value": 34})
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &store,
                json!({"op": "attribute", "key": "pro", "cmp": "eq", "value": true})
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &store,
                json!({"op": "attribute", "key": "since", "cmp": "before", "value": "2025-01-01"})
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &store,
                json!({"op": "attribute", "key": "since", "cmp": "after", "value": "2025-01-01"})
            )
            .await,
            1
        );
        assert_eq!(
            count(&store, json!({"op": "consent", "channel": "email"})).await,
            2
        );
        assert_eq!(
            count(&store, json!({"op": "has_identity", "scope": "email"})).await,
            4
        );
        assert_eq!(
            count(&store, json!({"op": "has_identity", "scope": "telegram"})).await,
            0
        );
        assert_eq!(
            count(
                &store,
                json!({"op": "all", "of": [{"op": "tag", "tag": "cz"}, {"op": "any", "of": [
                    {"op": "consent", "channel": "email"},
                    {"op": "attribute", "key": "age", "cmp": "gt", "value": 60}
                ]}]})
            )
            .await,
            1
        );
        // Nobody has a conversation yet.
        assert_eq!(
            count(&store, json!({"op": "active_within", "days": 30})).await,
            0
        );
        assert_eq!(
            count(&store, json!({"op": "inactive_for", "days": 30})).await,
            4
        );
        assert_eq!(
            count(&store, json!({"op": "resolved_within", "days": 30})).await,
            0
        );
        // Values are bound, never spliced into the SQL.
        assert_eq!(
            count(&store, json!({"op": "tag", "tag": "vip' OR '1'='1"})).await,
            0
        );
    })
    .await;
}

#[tokio::test]
async fn each_contact_gets_one_message_on_the_best_consented_channel() {
    let app = TestApp::spawn().await;
    import(
        &app,
        "email,name,identity:telegram,identity:webhook:shop,consent:telegram,consent:webhook\n\
         a@x.cz,Ana Alfa,100,s-a,yes,yes\n\
         b@x.cz,Bob Beta,,s-b,,yes\n\
         c@x.cz,Cyril Gama,300,,no,\n\
         d@x.cz,Dana Delta,400,s-d,yes,yes\n\
         e@x.cz,Eva Epsilon,500,,yes,\n",
    )
    .await;
    // Dana's Telegram id is on the suppression list (she blocked the bot on another campaign).
    app.fake
        .inject_events(
            vec![InboundEvent::Suppressed(Suppression::new(
                "fake", "telegram", "400", "blocked",
            ))],
            None,
        )
        .await
        .expect("suppress");
    let id = campaign(&app, "Spring", json!({"op": "everyone"}), fake_and_shop()).await;
    start(&app, id).await;
    let view = drain(&app, id).await;

    let telegram: HashSet<String> = app
        .fake
        .sent()
        .iter()
        .map(|m| m.to.external_id.clone())
        .collect();
    assert_eq!(
        telegram,
        HashSet::from(["100".to_owned(), "500".to_owned()])
    );
    assert!(
        app.fake.sent()[0].text.starts_with("Hi Ana")
            || app.fake.sent()[0].text.starts_with("Hi Eva")
    );
    let shop: Vec<Value> = app
        .callback
        .received
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, body)| serde_json::from_slice(body).expect("json"))
        .collect();
    let shop_to: HashSet<String> = shop
        .iter()
        .map(|body| {
            body["to"]["id"]
                .as_str()
                .or(body["to"]["external_id"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(shop.len(), 2, "{shop:?}");
    assert!(
        shop_to.contains("s-b") && shop_to.contains("s-d"),
        "{shop:?}"
    );

    let funnel = &view["funnel"];
    assert_eq!(view["targeted"], 5);
    assert_eq!(funnel["total"]["sent"], 4);
    assert_eq!(
        funnel["total"]["suppressed"], 1,
        "Cyril withdrew consent: {funnel}"
    );
    assert_eq!(funnel["channels"]["fake"]["sent"], 2);
    assert_eq!(funnel["channels"]["shop"]["sent"], 2);
    assert_eq!(funnel["channels"]["none"]["suppressed"], 1);

    // The event stream told the story.
    let started = app.wait_for_event("campaign.started").await;
    assert_eq!(started.data["targeted"], 5);
    let finished = app.wait_for_event("campaign.finished").await;
    assert_eq!(finished.data["funnel"]["sent"], 4);

    // Delivery and read reports of the channel reach the ledger.
    app.fake
        .inject_events(
            vec![
                InboundEvent::Delivery(DeliveryUpdate::new(
                    "fake",
                    "fake-0",
                    DeliveryState::Delivered,
                )),
                InboundEvent::Delivery(DeliveryUpdate::new("fake", "fake-1", DeliveryState::Read)),
            ],
            None,
        )
        .await
        .expect("reports");
    let view = app.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(view["funnel"]["channels"]["fake"]["delivered"], 2, "{view}");
    assert_eq!(view["funnel"]["channels"]["fake"]["read"], 1, "{view}");

    // The unsubscribe link in the message works and is per contact.
    let text = &app.fake.sent()[0].text;
    assert!(text.contains("/unsubscribe/"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn pause_stops_leasing_and_resume_finishes_without_duplicates() {
    // Small batches: one pass sends at most 4 × 5 messages.
    let app = TestApp::spawn_with("[campaigns]\nbatch_size = 5\n").await;
    let mut csv = String::from("identity:telegram,consent:telegram\n");
    for n in 0..30 {
        csv.push_str(&format!("{n},yes\n"));
    }
    import(&app, &csv).await;
    let id = campaign(
        &app,
        "Paced",
        json!({"op": "everyone"}),
        json!([{"channel": "fake", "body": "hello", "rate_per_sec": FAST}]),
    )
    .await;
    start(&app, id).await;
    app.campaigns.run_once().await.expect("pass");
    let before = sent_ids(&app).len();
    assert!(
        (1..=20).contains(&before),
        "one pass sends at most four batches: {before}"
    );
    let paused = app
        .post_json(&format!("/api/v1/campaigns/{id}/pause"), json!({}))
        .await;
    assert_eq!(paused.status(), 200);
    for _ in 0..5 {
        let outcome = app.campaigns.run_once().await.expect("pass");
        assert_eq!(outcome.leased, 0);
    }
    assert_eq!(sent_ids(&app).len(), before);
    // A paused campaign cannot be paused again or started twice.
    let again = app
        .post_json(&format!("/api/v1/campaigns/{id}/pause"), json!({}))
        .await;
    assert_eq!(again.status(), 409);
    let resumed = app
        .post_json(&format!("/api/v1/campaigns/{id}/resume"), json!({}))
        .await;
    assert_eq!(resumed.status(), 200);
    drain(&app, id).await;
    let ids = sent_ids(&app);
    assert_eq!(ids.len(), 30);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        30,
        "no duplicates"
    );
    app.stop().await;
}

#[tokio::test]
async fn transient_failures_retry_and_blocked_recipients_are_suppressed() {
    let app = TestApp::spawn().await;
    import(
        &app,
        "identity:telegram,consent:telegram\n1,yes\n2,yes\n3,yes\n",
    )
    .await;
    app.fake.fail_next([
        FakeFailure::Unreachable("bot was blocked by the user".into()),
        FakeFailure::Unavailable(None),
        FakeFailure::Rejected("message is too long".into()),
    ]);
    let id = campaign(
        &app,
        "Retry",
        json!({"op": "everyone"}),
        json!([{"channel": "fake", "body": "hello", "rate_per_sec": FAST}]),
    )
    .await;
    start(&app, id).await;
    let view = drain(&app, id).await;
    let total = &view["funnel"]["total"];
    assert_eq!(total["sent"], 1, "{total}");
    assert_eq!(total["failed"], 1, "{total}");
    assert_eq!(total["suppressed"], 1, "{total}");
    // The blocked recipient is on the suppression list: the next campaign skips them.
    let blocked = app.fake.sent().len();
    assert_eq!(blocked, 1);
    let next = campaign(
        &app,
        "Next",
        json!({"op": "everyone"}),
        json!([{"channel": "fake", "body": "again", "rate_per_sec": FAST}]),
    )
    .await;
    start(&app, next).await;
    let view = drain(&app, next).await;
    assert_eq!(view["funnel"]["total"]["sent"], 2);
    assert_eq!(view["funnel"]["total"]["suppressed"], 1);
    app.stop().await;
}

/// The unsubscribe page, its confirmation and the page for a link that is not valid pass
/// axe-core (WCAG 2.1 A and AA and its best practices) at laptop and phone widths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unsubscribe_pages_pass_axe_at_laptop_and_phone_widths() {
    use crate::browser::{Driver, wait_for};
    use crate::web::{axe_source, axe_violations};

    let axe = axe_source();
    let app = TestApp::spawn().await;
    import(&app, "identity:telegram,consent:telegram\n42,yes\n").await;
    let id = campaign(
        &app,
        "Links",
        json!({"op": "everyone"}),
        json!([{"channel": "fake", "body": "{{ custom.unsubscribe_url }}", "rate_per_sec": FAST}]),
    )
    .await;
    start(&app, id).await;
    drain(&app, id).await;
    let link = app.fake.sent()[0].text.clone();
    let path = link
        .split_once("/unsubscribe/")
        .map(|(_, token)| format!("/unsubscribe/{token}"))
        .expect("link");
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    let mut faults = Vec::new();
    for (width, height) in [(1280, 900), (390, 844)] {
        browser.set_window_size(width, height).await.expect("size");
        browser.goto(&app.url(&path)).await.expect("page");
        wait_for(&browser, "form").await;
        for violation in axe_violations(&browser, &axe).await {
            faults.push(format!("{width}px confirm: {violation}"));
        }
        wait_for(&browser, "form button, form input[type=submit]")
            .await
            .click()
            .await
            .expect("unsubscribe");
        wait_for(&browser, "h1").await;
        for violation in axe_violations(&browser, &axe).await {
            faults.push(format!("{width}px done: {violation}"));
        }
        browser
            .goto(&app.url("/unsubscribe/not-a-token"))
            .await
            .expect("goto");
        wait_for(&browser, "h1").await;
        for violation in axe_violations(&browser, &axe).await {
            faults.push(format!("{width}px not valid: {violation}"));
        }
    }
    assert!(faults.is_empty(), "axe-core: {faults:#?}");
    app.stop().await;
}

#[tokio::test]
async fn one_click_unsubscribe_follows_rfc_8058() {
    let app = TestApp::spawn().await;
    import(&app, "identity:telegram,consent:telegram\n42,yes\n").await;
    let id = campaign(
        &app,
        "Links",
        json!({"op": "everyone"}),
        json!([{"channel": "fake", "body": "{{ custom.unsubscribe_url }}", "rate_per_sec": FAST}]),
    )
    .await;
    start(&app, id).await;
    drain(&app, id).await;
    let link = app.fake.sent()[0].text.clone();
    let path = link
        .split_once("/unsubscribe/")
        .map(|(_, token)| format!("/unsubscribe/{token}"))
        .expect("link");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    // GET shows a confirmation page and changes nothing.
    let page = client.get(app.url(&path)).send().await.expect("get");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("<form method=\"post\"")
    );
    let contact = app.get_json("/api/v1/contacts?q=42").await["items"][0]["id"]
        .as_i64()
        .expect("id");
    let consents = app
        .get_json(&format!("/api/v1/contacts/{contact}/consents"))
        .await;
    assert_eq!(consents["items"][0]["granted"], true);

    // The one-click POST: 200, no redirect, no cookie.
    let post = client
        .post(app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("post");
    assert_eq!(post.status(), 200);
    assert!(post.headers().get("location").is_none());
    assert!(post.headers().get("set-cookie").is_none());
    let consents = app
        .get_json(&format!("/api/v1/contacts/{contact}/consents"))
        .await;
    assert_eq!(consents["items"][0]["granted"], false);
    assert_eq!(consents["items"][0]["source"], "unsubscribe");
    let view = app.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(view["funnel"]["total"]["unsubscribed"], 1);

    // Tracking links: the pixel counts an open, a signed redirect counts a click and goes
    // only where it was signed to go.
    let signer = app.campaigns.signer().await.expect("signer");
    let claims = LinkClaims {
        campaign: CampaignId::new(id),
        contact,
        kind: "telegram".into(),
    };
    let pixel = client
        .get(app.url(&format!(
            "/c/open/{}",
            signer.sign(Purpose::Open, &claims, "")
        )))
        .send()
        .await
        .expect("pixel");
    assert_eq!(pixel.headers()["content-type"], "image/gif");
    let target = "https://shop.example/sale?a=1&b=2";
    let token = signer.sign(Purpose::Click, &claims, target);
    let click = client
        .get(app.url(&format!("/c/click/{token}?to={}", hex::encode(target))))
        .send()
        .await
        .expect("click");
    assert_eq!(click.status(), 302);
    assert_eq!(click.headers()["location"], target);
    let elsewhere = client
        .get(app.url(&format!(
            "/c/click/{token}?to={}",
            hex::encode("https://evil.example/")
        )))
        .send()
        .await
        .expect("click");
    assert_eq!(elsewhere.status(), 404);
    let view = app.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(view["funnel"]["total"]["opened"], 1);
    assert_eq!(view["funnel"]["total"]["clicked"], 1);

    // The chat address the message went to is suppressed, not only the consent withdrawn: a
    // consent granted again later (a re-import, an API call) does not bring it back.
    let regranted = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/contacts/{contact}/consents"),
            &app.admin_token,
            json!({"items": [{"channel": "telegram", "granted": true}]}),
        )
        .await;
    assert!(regranted.status().is_success(), "{}", regranted.status());
    let again = campaign(
        &app,
        "After unsubscribing",
        json!({"op": "everyone"}),
        json!([{"channel": "fake", "body": "Hello again", "rate_per_sec": FAST}]),
    )
    .await;
    start(&app, again).await;
    drain(&app, again).await;
    let view = app.get_json(&format!("/api/v1/campaigns/{again}")).await;
    assert_eq!(view["funnel"]["total"]["sent"], 0, "{view}");
    assert_eq!(view["funnel"]["total"]["suppressed"], 1, "{view}");

    // A forged token is refused, on both methods.
    let forged = path.replacen(&format!("{id}."), &format!("{}.", id + 1), 1);
    assert_eq!(
        client
            .get(app.url(&forged))
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
    assert_eq!(
        client
            .post(app.url(&forged))
            .send()
            .await
            .expect("post")
            .status(),
        404
    );
    app.stop().await;
}

#[tokio::test]
async fn stop_keyword_opts_out_once_and_replies_are_linked_to_the_campaign() {
    let app = TestApp::spawn().await;
    // Both contacts first write in, so they have shop conversations.
    for (id, from) in [("m1", "s-1"), ("m2", "s-2")] {
        assert_eq!(
            app.post_hook(&hook_body(id, from, "hello")).await.status(),
            200
        );
    }
    app.campaigns.run_once().await.expect("tail");
    for from in ["s-1", "s-2"] {
        let contact = app.get_json(&format!("/api/v1/contacts?q={from}")).await["items"][0]["id"]
            .as_i64()
            .expect("id");
        let response = app
            .send(
                Method::PUT,
                &format!("/api/v1/contacts/{contact}/consents"),
                &app.admin_token,
                json!({"items": [{"channel": "webhook", "granted": true, "proof": "203.0.113.9"}]}),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    let id = campaign(
        &app,
        "Autumn",
        json!({"op": "consent", "channel": "webhook"}),
        json!([{"channel": "shop", "body": "Autumn sale", "rate_per_sec": FAST}]),
    )
    .await;
    start(&app, id).await;
    drain(&app, id).await;
    let received = app.callback.received.lock().expect("lock").len();
    assert_eq!(received, 2);

    // s-1 answers STOP (twice), s-2 answers with a question.
    assert_eq!(
        app.post_hook(&hook_body("m3", "s-1", " stop "))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_hook(&hook_body("m4", "s-1", "STOP"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_hook(&hook_body("m5", "s-2", "Is it on shoes too?"))
            .await
            .status(),
        200
    );
    let outcome = app.campaigns.run_once().await.expect("tail");
    assert_eq!(outcome.opt_outs, 2);
    assert_eq!(outcome.replies, 1);
    app.drain_outbox().await;
    let confirmations = app
        .callback
        .received
        .lock()
        .expect("lock")
        .iter()
        .filter(|(_, body)| String::from_utf8_lossy(body).contains("no more campaign messages"))
        .count();
    assert_eq!(confirmations, 1, "the opt-out is confirmed once");

    let contact = app.get_json("/api/v1/contacts?q=s-1").await["items"][0]["id"]
        .as_i64()
        .expect("id");
    let consents = app
        .get_json(&format!("/api/v1/contacts/{contact}/consents"))
        .await;
    assert_eq!(consents["items"][0]["granted"], false);
    assert_eq!(consents["items"][0]["source"], "keyword");
    assert!(
        app.store
            .is_suppressed("webhook:shop", "s-1")
            .await
            .expect("suppressed")
    );

    let view = app.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(view["funnel"]["total"]["unsubscribed"], 1);
    assert_eq!(view["funnel"]["total"]["replied"], 1);
    let conversations = app.get_json("/api/v1/conversations").await;
    let labelled = conversations["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|c| {
            c["labels"]
                .as_array()
                .is_some_and(|l| l.contains(&json!("campaign:Autumn")))
        })
        .count();
    assert_eq!(labelled, 1, "{conversations}");

    // The next campaign skips the opted-out contact.
    let next = campaign(
        &app,
        "Winter",
        json!({"op": "everyone"}),
        json!([{"channel": "shop", "body": "Winter", "rate_per_sec": FAST}]),
    )
    .await;
    start(&app, next).await;
    let view = drain(&app, next).await;
    assert_eq!(view["funnel"]["total"]["sent"], 1);
    assert_eq!(view["funnel"]["total"]["suppressed"], 1);
    app.stop().await;
}

#[tokio::test]
async fn roles_and_validation() {
    let app = TestApp::spawn().await;
    let agent = app.token("agent").await;
    let marketer = app.token("marketer").await;
    let body = json!({"name": "X", "filter": {"op": "everyone"}, "channels": [{"channel": "fake", "body": "x"}]});
    let as_agent = app
        .send(Method::POST, "/api/v1/campaigns", &agent, body.clone())
        .await;
    assert_eq!(as_agent.status(), 403);
    let as_marketer = app
        .send(Method::POST, "/api/v1/campaigns", &marketer, body)
        .await;
    assert_eq!(as_marketer.status(), 201);
    assert_eq!(app.get("/api/v1/campaigns", &agent).await.status(), 200);
    for (channels, needle) in [
        (json!([{"channel": "nope", "body": "x"}]), "no channel"),
        (json!([{"channel": "fake"}]), "template"),
        (
            json!([{"channel": "fake", "template": "missing"}]),
            "no template",
        ),
        (json!([]), "at least one"),
        (
            json!([{"channel": "fake", "body": "Hi {{ contact.nope.deeper }}"}]),
            "channels[0].body",
        ),
        // Near f64::MAX a rate does not survive PostgreSQL's JSONB (printed as a 309-digit
        // integer that reads back as out of range), so absurd rates are refused up front.
        (
            json!([{"channel": "fake", "body": "x", "rate_per_sec": 1.0e300}]),
            "channels[0].rate_per_sec",
        ),
        (
            json!([{"channel": "fake", "body": "x", "rate_per_sec": 0.0}]),
            "channels[0].rate_per_sec",
        ),
    ] {
        let response = app
            .post_json(
                "/api/v1/campaigns",
                json!({"name": "Bad", "filter": {"op": "everyone"}, "channels": channels}),
            )
            .await;
        assert_eq!(response.status(), 422);
        assert!(
            response.text().await.expect("body").contains(needle),
            "{needle}"
        );
    }
    let bad_filter = app
        .post_json("/api/v1/segments", json!({"name": "S", "filter": {"op": "attribute", "key": "a b", "cmp": "eq", "value": 1}}))
        .await;
    assert_eq!(bad_filter.status(), 422);
    let saved = app
        .post_json(
            "/api/v1/segments",
            json!({"name": "VIP", "filter": {"op": "tag", "tag": "vip"}}),
        )
        .await;
    assert_eq!(saved.status(), 201);
    let saved: Value = saved.json().await.expect("json");
    let preview = app
        .get_json(&format!("/api/v1/segments/{}/preview", saved["id"]))
        .await;
    assert_eq!(preview["count"], 0);
    app.stop().await;
}

#[tokio::test]
async fn an_agent_reply_goes_out_at_once_during_a_large_campaign() {
    let app = TestApp::spawn().await;
    let mut csv = String::from("identity:telegram,consent:telegram\n");
    for n in 0..3_000 {
        csv.push_str(&format!("{n},yes\n"));
    }
    let report = import(&app, &csv).await;
    assert_eq!(report["created"], 3_000);
    let id = campaign(
        &app,
        "Big",
        json!({"op": "everyone"}),
        json!([{"channel": "fake", "body": "big sale", "rate_per_sec": 200.0}]),
    )
    .await;
    start(&app, id).await;
    // The campaign worker runs for real in the background, as in production.
    let shutdown = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(app.campaigns.clone().run(shutdown.clone()));
    let started = std::time::Instant::now();
    while app.fake.sent().len() < 50 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the campaign never got going"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        app.post_hook(&hook_body("q1", "cust", "where is my order?"))
            .await
            .status(),
        200
    );
    let conversation = app.get_json("/api/v1/conversations").await["items"][0]["id"]
        .as_i64()
        .expect("id");
    let reply = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": "On its way!"}),
        )
        .await;
    assert!(reply.status().is_success());
    app.drain_outbox().await;
    let delivered = app
        .callback
        .received
        .lock()
        .expect("lock")
        .iter()
        .any(|(_, body)| String::from_utf8_lossy(body).contains("On its way!"));
    assert!(delivered, "the reply went out");
    // It overtook the campaign's backlog: more than a thousand campaign messages were still
    // waiting when it was delivered.
    let view = app.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(view["state"], "running", "the campaign was still sending");
    assert!(
        view["funnel"]["total"]["pending"]
            .as_i64()
            .expect("pending")
            > 1_000
    );
    shutdown.cancel();
    worker.await.expect("worker").expect("clean stop");
    app.stop().await;
}

#[tokio::test]
async fn cli_imports_with_a_report_and_shows_campaign_status() {
    let db = crate::helpers::TestDb::new(crate::helpers::app_backend()).await;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("people.csv"),
        "Mail,Name,consent:email\nana@example.com,Ana,yes\nnot-mail,Bob,yes\n",
    )
    .expect("csv");
    std::fs::write(dir.path().join("switchboard.toml"), "").expect("config");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(args)
            .current_dir(dir.path())
            .env("SWITCHBOARD_DATABASE_URL", &db.url)
            .env("SWITCHBOARD_LOG_LEVEL", "warn")
            .output()
            .expect("run switchboard");
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let report = run(&["contacts", "import", "people.csv", "--map", "Mail=email"]);
    assert!(
        report.contains("1 created, 0 updated, 1 rejected"),
        "{report}"
    );
    assert!(
        report.contains("line 3: email \"not-mail\" is not an address"),
        "{report}"
    );

    std::fs::write(
        dir.path().join("campaign.json"),
        r#"{"name": "Hello", "filter": {"op": "everyone"}, "channels": []}"#,
    )
    .expect("json");
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["campaign", "create", "campaign.json"])
        .current_dir(dir.path())
        .env("SWITCHBOARD_DATABASE_URL", &db.url)
        .output()
        .expect("run");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("at least one channel"));

    let store = db.store().await;
    let campaign = store
        .create_campaign("Hello", &Filter::Everyone, &json!({"channels": []}), None)
        .await
        .expect("campaign");
    store.close().await;
    let status = run(&["campaign", "status", &campaign.id.to_string()]);
    assert!(status.contains("Hello (draft)"), "{status}");
    assert!(status.contains("total"), "{status}");
    let released = run(&["campaign", "resend-in-doubt", &campaign.id.to_string()]);
    assert!(
        released.contains("0 in-doubt sends will go out again"),
        "{released}"
    );
    let cancelled = run(&["campaign", "cancel", &campaign.id.to_string()]);
    assert!(cancelled.contains("is now cancelled"), "{cancelled}");
    db.cleanup().await;
}

#[tokio::test]
async fn a_draft_is_edited_in_place_until_it_starts() {
    let app = TestApp::spawn().await;
    let marketer = app.token("marketer").await;
    let agent = app.token("agent").await;
    let id = campaign(
        &app,
        "Draft",
        json!({"op": "everyone"}),
        json!([{"channel": "fake", "body": "Hello"}]),
    )
    .await;
    let path = format!("/api/v1/campaigns/{id}");
    let edited = json!({
        "name": "  Spring sale  ",
        "filter": {"op": "tag", "tag": "vip"},
        "channels": [{"channel": "shop", "body": "Sale for {{ contact.name }}", "rate_per_sec": 5.0}],
        "track_clicks": true,
    });
    let response = app.send(Method::PUT, &path, &marketer, edited).await;
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    let view = app.get_json(&path).await;
    assert_eq!(body, view, "the answer is the stored campaign");
    assert_eq!(view["name"], "Spring sale");
    assert_eq!(view["state"], "draft");
    assert_eq!(view["filter"], json!({"op": "tag", "tag": "vip"}));
    assert_eq!(view["channels"].as_array().map(Vec::len), Some(1));
    assert_eq!(view["channels"][0]["channel"], "shop");
    assert_eq!(view["channels"][0]["rate_per_sec"], 5.0);
    assert_eq!(view["track_clicks"], true);

    // A saved segment's filter is copied, as on create.
    let saved = app
        .post_json(
            "/api/v1/segments",
            json!({"name": "Gold", "filter": {"op": "tag", "tag": "gold"}}),
        )
        .await;
    assert_eq!(saved.status(), 201);
    let saved: Value = saved.json().await.expect("json");
    let by_segment = app
        .send(
            Method::PUT,
            &path,
            &marketer,
            json!({"name": "Gold sale", "segment_id": saved["id"], "channels": [{"channel": "fake", "body": "Gold"}]}),
        )
        .await;
    assert_eq!(by_segment.status(), 200);
    let view = app.get_json(&path).await;
    assert_eq!(view["filter"], json!({"op": "tag", "tag": "gold"}));

    // Bad bodies are refused as on create and change nothing.
    let channels = json!([{"channel": "fake", "body": "x"}]);
    for (body, expected, needle) in [
        (
            json!({"name": " ", "filter": {"op": "everyone"}, "channels": channels}),
            422,
            "name",
        ),
        (
            json!({"name": "X", "filter": {"op": "everyone"}, "channels": [{"channel": "nope", "body": "x"}]}),
            422,
            "no channel",
        ),
        (
            json!({"name": "X", "filter": {"op": "everyone"}, "channels": []}),
            422,
            "at least one",
        ),
        (
            json!({"name": "X", "channels": channels}),
            422,
            "segment_id",
        ),
        (
            json!({"name": "X", "filter": {"op": "everyone"}, "channels": channels, "colour": "red"}),
            400,
            "colour",
        ),
        (json!({"name": 5}), 400, "name"),
    ] {
        let response = app.send(Method::PUT, &path, &marketer, body).await;
        assert_eq!(response.status(), expected, "{needle}");
        let error: Value = response.json().await.expect("json");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|message| message.contains(needle)),
            "{needle}: {error}"
        );
    }
    let missing_segment = app
        .send(
            Method::PUT,
            &path,
            &marketer,
            json!({"name": "X", "segment_id": 999_999, "channels": channels}),
        )
        .await;
    assert_eq!(missing_segment.status(), 404);
    assert_eq!(app.get_json(&path).await, view, "nothing changed");

    // Agents read campaigns but may not edit them; an unknown campaign is 404.
    let good = json!({"name": "Agent's", "filter": {"op": "everyone"}, "channels": channels});
    let as_agent = app.send(Method::PUT, &path, &agent, good.clone()).await;
    assert_eq!(as_agent.status(), 403);
    let unknown = app
        .send(
            Method::PUT,
            "/api/v1/campaigns/999999",
            &marketer,
            good.clone(),
        )
        .await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(app.get_json(&path).await, view, "nothing changed");

    // Once started (scheduled, then running) the definition is fixed.
    start(&app, id).await;
    app.campaigns.run_once().await.expect("campaign pass");
    let started = app.get_json(&path).await;
    assert_ne!(started["state"], "draft");
    let late = app.send(Method::PUT, &path, &marketer, good).await;
    assert_eq!(late.status(), 409);
    let error: Value = late.json().await.expect("json");
    assert_eq!(error["error"]["code"], "conflict");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("only a draft")),
        "{error}"
    );
    let after = app.get_json(&path).await;
    assert_eq!(after["name"], "Gold sale");
    assert_eq!(after["channels"], view["channels"]);
    assert_eq!(after["state"], started["state"]);
    app.stop().await;
}

/// Right after a bulk import PostgreSQL's statistics still describe the old, small tables, and
/// it planned the per-contact lookups of a campaign's planning as scans of everything (over six
/// minutes for 200,000 contacts). Planning refreshes them first. (SQLite has no such step.)
#[tokio::test]
async fn planning_refreshes_postgresql_statistics_first() {
    if crate::helpers::postgres_server().is_none() {
        return;
    }
    let db = crate::helpers::TestDb::new(switchboard::store::Backend::Postgres).await;
    let store = db.store().await;
    store
        .seed_campaign_contacts(50, "webhook:hook", "webhook")
        .await
        .expect("seed");
    let filter = Filter::HasIdentity {
        scope: "webhook:hook".into(),
    };
    let spec = json!({"channels": [{"channel": "hook", "body": "Hi"}]});
    let campaign = store
        .create_campaign("Statistics", &filter, &spec, None)
        .await
        .expect("create");
    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
    let analyzed = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL \
             AND relname IN ('contacts', 'contact_identities', 'contact_consents', 'suppressions')",
        )
        .fetch_one(&pool)
        .await
        .expect("statistics")
    };
    assert_eq!(analyzed().await, 0);
    let channel = switchboard::store::campaigns::PlanChannel {
        name: "hook".into(),
        scope: "webhook:hook".into(),
        kind: "webhook".into(),
        receiver_deduplicates: true,
    };
    let (planned, _) = store
        .plan_campaign(campaign.id, &[channel])
        .await
        .expect("plan");
    assert_eq!(planned.targeted, 50);
    assert_eq!(analyzed().await, 4);
    pool.close().await;
    store.close().await;
    db.cleanup().await;
}

/// Plans a campaign over everyone reachable in `scope` on one channel and returns its id.
async fn planned(store: &Store, scope: &str, channel: &PlanChannel) -> CampaignId {
    let filter = Filter::HasIdentity {
        scope: scope.into(),
    };
    let created = store
        .create_campaign("leases", &filter, &json!({"channels": []}), None)
        .await
        .expect("create");
    store
        .plan_campaign(created.id, std::slice::from_ref(channel))
        .await
        .expect("plan");
    created.id
}

/// How long the ledger tests lease their batches.
const LEASE_MS: i64 = 60_000;

/// The webhook channel `shop` as the ledger sees it.
fn shop_channel(receiver_deduplicates: bool) -> PlanChannel {
    PlanChannel {
        name: "shop".into(),
        scope: "webhook:shop".into(),
        kind: "webhook".into(),
        receiver_deduplicates,
    }
}

/// Leases up to `limit` rows of `channel` as of `at`, for [`LEASE_MS`].
async fn lease(
    store: &Store,
    id: CampaignId,
    channel: &PlanChannel,
    limit: i64,
    at: Millis,
) -> Option<Lease> {
    store
        .lease_sends(id, channel, limit, at, LEASE_MS)
        .await
        .expect("lease")
}

fn contacts(lease: &Lease) -> Vec<i64> {
    lease.sends.iter().map(|send| send.contact.get()).collect()
}

fn sent(lease: &Lease) -> Vec<(ContactId, SendResult)> {
    lease
        .sends
        .iter()
        .map(|send| {
            let external_id = Some(format!("x{}", send.contact.get()));
            (send.contact, SendResult::Sent { external_id })
        })
        .collect()
}

#[tokio::test]
async fn leases_never_overlap_and_a_lease_that_ran_out_is_taken_over_or_held_in_doubt() {
    on_each_backend(|store| async move {
        let now = Millis::now();
        let later = Millis(now.0 + 2 * LEASE_MS);
        let mut channel = shop_channel(true);
        store
            .seed_campaign_contacts(10, "webhook:shop", "webhook")
            .await
            .expect("seed");

        // A receiver that drops repeats: live leases never share a row; one that ran out is
        // taken over whole, as a new lease.
        let id = planned(&store, "webhook:shop", &channel).await;
        let first = lease(&store, id, &channel, 4, now)
            .await
            .expect("first batch");
        let second = lease(&store, id, &channel, 4, now)
            .await
            .expect("second batch");
        let third = lease(&store, id, &channel, 4, now)
            .await
            .expect("third batch");
        assert!(
            lease(&store, id, &channel, 4, now).await.is_none(),
            "every row is leased"
        );
        let mut all: Vec<i64> = [&first, &second, &third]
            .iter()
            .flat_map(|lease| contacts(lease))
            .collect();
        assert_eq!(all.len(), 10);
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 10, "no row in two live leases");
        store
            .finish_sends(id, second.id, &sent(&second))
            .await
            .expect("finish");
        let taken_over = lease(&store, id, &channel, 10, later)
            .await
            .expect("the first lease, taken over");
        assert_eq!(contacts(&taken_over), contacts(&first));
        assert_ne!(taken_over.id, first.id);
        let taken_over_too = lease(&store, id, &channel, 10, later)
            .await
            .expect("the third lease, taken over");
        assert_eq!(contacts(&taken_over_too), contacts(&third));
        assert!(lease(&store, id, &channel, 10, later).await.is_none());
        // The dead worker's late result counts; the lease that replaced it ends normally.
        store
            .finish_sends(id, first.id, &sent(&first))
            .await
            .expect("late finish");
        for lease in [&taken_over, &taken_over_too] {
            store
                .finish_sends(id, lease.id, &sent(lease))
                .await
                .expect("finish");
        }
        let funnel = store.campaign_funnel(id).await.expect("funnel");
        assert_eq!((funnel.total.sent, funnel.total.pending), (10, 0));
        assert!(
            store
                .finish_campaign_if_done(id)
                .await
                .expect("done")
                .is_some()
        );

        // A receiver that cannot drop a repeat: the rows of a lease that ran out are held in
        // doubt, and the next batch goes on with the rest.
        channel.receiver_deduplicates = false;
        let id = planned(&store, "webhook:shop", &channel).await;
        let stalled = lease(&store, id, &channel, 4, now).await.expect("a batch");
        let rest = lease(&store, id, &channel, 10, later)
            .await
            .expect("the rest");
        assert_eq!(rest.sends.len(), 6);
        assert!(
            contacts(&rest)
                .iter()
                .all(|c| !contacts(&stalled).contains(c))
        );
        let funnel = store.campaign_funnel(id).await.expect("funnel");
        assert_eq!((funnel.total.in_doubt, funnel.total.pending), (4, 6));
        // A stalled worker's late result still settles its rows.
        let late: Vec<(ContactId, SendResult)> = sent(&stalled).into_iter().take(1).collect();
        store
            .finish_sends(id, stalled.id, &late)
            .await
            .expect("late finish");
        store
            .finish_sends(id, rest.id, &sent(&rest))
            .await
            .expect("finish");
        let funnel = store.campaign_funnel(id).await.expect("funnel");
        assert_eq!((funnel.total.sent, funnel.total.in_doubt), (7, 3));

        // Released by hand, the rows in doubt are leased again.
        let (released, _) = store.resend_in_doubt(id).await.expect("resend");
        assert_eq!(released, 3);
        let again = lease(&store, id, &channel, 10, Millis::now())
            .await
            .expect("released rows");
        assert_eq!(again.sends.len(), 3);
    })
    .await;
}

#[tokio::test]
async fn cancelling_leaves_sends_in_flight_to_their_worker_and_settles_a_dead_workers() {
    on_each_backend(|store| async move {
        let channel = shop_channel(false);
        store
            .seed_campaign_contacts(10, "webhook:shop", "webhook")
            .await
            .expect("seed");
        let cancel = |id: CampaignId| {
            let store = store.clone();
            async move {
                store
                    .transition_campaign(id, CampaignState::Cancelled, None)
                    .await
                    .expect("cancel");
            }
        };

        // Four sends are with the channel when the campaign is cancelled: the other six never
        // go out, and the four count as sent once their worker records them.
        let id = planned(&store, "webhook:shop", &channel).await;
        let in_flight = lease(&store, id, &channel, 4, Millis::now())
            .await
            .expect("a batch");
        cancel(id).await;
        let funnel = store.campaign_funnel(id).await.expect("funnel");
        assert_eq!((funnel.total.failed, funnel.total.pending), (6, 4));
        store
            .finish_sends(id, in_flight.id, &sent(&in_flight))
            .await
            .expect("finish");
        let funnel = store.campaign_funnel(id).await.expect("funnel");
        assert_eq!(
            (funnel.total.sent, funnel.total.failed, funnel.total.pending),
            (4, 6, 0)
        );

        // The worker dies instead: once its lease runs out, its rows fail as cancelled.
        let id = planned(&store, "webhook:shop", &channel).await;
        lease(&store, id, &channel, 4, Millis::now())
            .await
            .expect("a batch");
        cancel(id).await;
        let live = store
            .settle_cancelled_leases(Millis::now())
            .await
            .expect("settle");
        assert_eq!(live, 0, "a live lease is left to its worker");
        let later = Millis(Millis::now().0 + 2 * LEASE_MS);
        let settled = store.settle_cancelled_leases(later).await.expect("settle");
        assert_eq!(settled, 4);
        let funnel = store.campaign_funnel(id).await.expect("funnel");
        assert_eq!((funnel.total.failed, funnel.total.pending), (10, 0));
    })
    .await;
}

#[tokio::test]
async fn a_campaign_send_that_panics_fails_its_row_and_the_batch_goes_on() {
    let app = TestApp::spawn().await;
    import(&app, "identity:telegram,consent:telegram\n1,yes\n2,yes\n").await;
    app.fake
        .fail_next([FakeFailure::Panic("template engine tripped".into())]);
    let id = campaign(
        &app,
        "Panics",
        json!({"op": "everyone"}),
        json!([{"channel": "fake", "body": "hello", "rate_per_sec": FAST}]),
    )
    .await;
    start(&app, id).await;
    let view = drain(&app, id).await;
    let total = &view["funnel"]["total"];
    assert_eq!(total["sent"], 1, "{total}");
    assert_eq!(total["failed"], 1, "{total}");
    assert_eq!(app.fake.sent().len(), 1);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("switchboard_job_panics_total{worker=\"campaigns\"} 1\n"),
        "{metrics}"
    );
    app.stop().await;
}
