//! Campaign test sends: they reach only contacts the campaign itself would reach (consent
//! granted, address not suppressed), say who was skipped and why, and are rate-limited per
//! campaign.

use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn contact_id(app: &TestApp, q: &str) -> i64 {
    app.get_json(&format!("/api/v1/contacts?q={q}")).await["items"][0]["id"]
        .as_i64()
        .expect("contact")
}

async fn import(app: &TestApp, csv: &str) {
    let response = app
        .post_json("/api/v1/contacts/import", json!({"csv": csv}))
        .await;
    assert_eq!(response.status(), 200);
}

async fn test_send(app: &TestApp, campaign: i64, contacts: &[i64]) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/campaigns/{campaign}/test"),
        json!({"contact_ids": contacts}),
    )
    .await
}

#[tokio::test]
async fn test_sends_skip_unsubscribed_and_unconsented_contacts_and_are_rate_limited() {
    let app = TestApp::spawn_with("[campaigns]\ntest_sends_per_minute = 2\n").await;
    import(
        &app,
        "identity:telegram,consent:telegram\n4101,yes\n4103,\n",
    )
    .await;
    let created = app
        .post_json(
            "/api/v1/campaigns",
            json!({"name": "Sale", "filter": {"op": "everyone"}, "channels": [
                {"channel": "fake", "body": "Sale! {{ custom.unsubscribe_url }}", "rate_per_sec": 1000000.0}]}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let campaign = created.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    // The campaign runs; 4101 unsubscribes with the one-click link of its message.
    let start = app
        .post_json(&format!("/api/v1/campaigns/{campaign}/start"), json!({}))
        .await;
    assert_eq!(start.status(), 200);
    for _ in 0..5_000 {
        app.campaigns.run_once().await.expect("campaign pass");
        if app.get_json(&format!("/api/v1/campaigns/{campaign}")).await["state"] == "finished" {
            break;
        }
    }
    let link = app.fake.sent()[0].text.clone();
    let path = link
        .split_once("/unsubscribe/")
        .map(|(_, token)| format!("/unsubscribe/{token}"))
        .expect("unsubscribe link");
    let unsubscribed = app
        .client
        .post(app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("one-click");
    assert_eq!(unsubscribed.status(), 200);
    import(&app, "identity:telegram,consent:telegram\n4102,yes\n").await;
    let (leaving, staying, never) = (
        contact_id(&app, "4101").await,
        contact_id(&app, "4102").await,
        contact_id(&app, "4103").await,
    );

    // The unsubscribed contact and the one who never consented are skipped, with the reason.
    let response = test_send(&app, campaign, &[leaving, staying, never]).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.expect("json");
    let items = report["items"].as_array().expect("items");
    assert_eq!(items[0]["contact_id"], leaving);
    assert_eq!(items[0]["channel"], Value::Null, "{report}");
    assert_eq!(items[0]["skipped"], "suppressed: unsubscribed", "{report}");
    assert_eq!(items[1]["channel"], "fake", "{report}");
    assert_eq!(items[1]["skipped"], Value::Null, "{report}");
    assert_eq!(items[2]["skipped"], "no consent", "{report}");
    let sent: Vec<String> = app
        .fake
        .sent()
        .into_iter()
        .map(|m| m.to.external_id)
        .collect();
    assert_eq!(
        sent,
        ["4101", "4102"],
        "the campaign's message, then one test"
    );

    // Two tests of the campaign a minute: the third is refused.
    assert_eq!(test_send(&app, campaign, &[staying]).await.status(), 200);
    let response = test_send(&app, campaign, &[staying]).await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_requests");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("test_sends_per_minute 2")),
        "{body}"
    );
    assert_eq!(app.fake.sent().len(), 3, "nothing more went out");
    app.stop().await;
}
