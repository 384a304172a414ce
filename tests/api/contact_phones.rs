//! Phone numbers in one form (E.164): typed by agents, imported from CSV, sent by channels
//! and stored by earlier releases, the same number is the same `phone` identity.

use reqwest::Method;
use serde_json::{Value, json};

use crate::contact_export::execute;
use crate::helpers::{TestApp, app_backend};

const JANA: &str = "+420777123456";

fn phone_identities(contact: &Value) -> Vec<String> {
    contact["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .filter(|identity| identity["scope"] == "phone")
        .map(|identity| identity["external_id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn numbers_typed_imported_and_received_meet_as_one_identity() {
    let app = TestApp::spawn().await;

    let created = app
        .post_json(
            "/api/v1/contacts",
            json!({"name": "Jana", "phone": "777 123 456"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let jana: Value = created.json().await.expect("json");
    assert_eq!(jana["phone"], JANA);
    assert_eq!(phone_identities(&jana), vec![JANA.to_owned()]);

    // The same number in the international form of the default region is taken.
    let again = app
        .post_json(
            "/api/v1/contacts",
            json!({"name": "Jana again", "phone": "00420 777 123 456"}),
        )
        .await;
    assert_eq!(again.status(), 409, "{:?}", again.text().await);

    // A patch is read the same way.
    let other: Value = app
        .post_json("/api/v1/contacts", json!({"name": "Petr"}))
        .await
        .json()
        .await
        .expect("json");
    let patched = app
        .send(
            Method::PATCH,
            &format!("/api/v1/contacts/{}", other["id"]),
            &app.admin_token,
            json!({"phone": "+420 (608) 111-222"}),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let petr: Value = patched.json().await.expect("json");
    assert_eq!(petr["phone"], "+420608111222");

    // What is not a number is refused, naming the field, and changes nothing.
    for bad in ["12345", "+420 12", "call me"] {
        let refused = app
            .send(
                Method::PATCH,
                &format!("/api/v1/contacts/{}", other["id"]),
                &app.admin_token,
                json!({"phone": bad}),
            )
            .await;
        assert_eq!(refused.status(), 422, "{bad}");
        let body: Value = refused.json().await.expect("json");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(
            message.starts_with("phone: ") && message.contains("is not a phone number"),
            "{message}"
        );
    }
    let unchanged = app
        .get_json(&format!("/api/v1/contacts/{}", other["id"]))
        .await;
    assert_eq!(unchanged["phone"], "+420608111222");

    // A channel's sender with the number in another form lands on Jana.
    let hook = json!({
        "id": "m-1",
        "from": {"id": "shop-customer-7", "name": "J.", "phone": "+420 777 123 456"},
        "text": "Is my order on its way?",
    });
    let accepted = app.post_hook(&hook.to_string()).await;
    assert!(
        accepted.status().is_success(),
        "{:?}",
        accepted.text().await
    );
    let page = app.get_json("/api/v1/conversations").await;
    let conversation = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|conversation| conversation["channel"] == "shop")
        .expect("the shop conversation")
        .clone();
    assert_eq!(conversation["contact_id"], jana["id"]);
    let jana_now = app
        .get_json(&format!("/api/v1/contacts/{}", jana["id"]))
        .await;
    assert_eq!(phone_identities(&jana_now), vec![JANA.to_owned()]);

    // An imported row with the number written the old way updates Jana, not a new contact.
    let imported = app
        .post_json(
            "/api/v1/contacts/import",
            json!({"csv": "phone,name,city\n00420777123456,Jana,Brno\n777 999 888,Eva,Praha\n12,Nobody,\n"}),
        )
        .await;
    assert_eq!(imported.status(), 200);
    let report: Value = imported.json().await.expect("json");
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["updated"], 1, "{report}");
    let rejected = report["rejected"].as_array().expect("rejected");
    assert_eq!(rejected.len(), 1, "{report}");
    assert!(
        rejected[0].to_string().contains("is not a phone number"),
        "{report}"
    );
    let jana_now = app
        .get_json(&format!("/api/v1/contacts/{}", jana["id"]))
        .await;
    assert_eq!(jana_now["attributes"]["city"], "Brno");
    let found = app.get_json("/api/v1/contacts?q=%2B420777999888").await;
    assert_eq!(found["items"][0]["phone"], "+420777999888", "{found}");

    app.stop().await;
}

#[tokio::test]
async fn the_default_region_reads_numbers_written_without_a_country_code() {
    let app = TestApp::spawn_with("[contacts]\ndefault_region = \"SK\"\n").await;
    let created = app
        .post_json("/api/v1/contacts", json!({"phone": "0905 123 456"}))
        .await;
    assert_eq!(created.status(), 201);
    let contact: Value = created.json().await.expect("json");
    assert_eq!(contact["phone"], "+421905123456");
    // A number with its country code is read as written, whatever the region.
    let czech: Value = app
        .post_json("/api/v1/contacts", json!({"phone": "+420 777 123 456"}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(czech["phone"], JANA);
    app.stop().await;
}

#[tokio::test]
async fn numbers_stored_before_e164_are_rewritten_once_at_the_next_start() {
    let app = TestApp::spawn().await;
    let url = app.database_url().to_owned();
    let now = chrono::Utc::now().timestamp_millis();
    // Contacts as an earlier release stored them, and the mark its migration leaves.
    execute(
        &url,
        app_backend(),
        &format!(
            "INSERT INTO contacts (id, name, phone, attributes, created_at, updated_at) VALUES \
               (901, 'Ana', '777 123 456', '{{}}', {now}, {now}), \
               (902, 'Bob', '+420 608 111 222', '{{}}', {now}, {now}), \
               (903, 'Cyril', NULL, '{{}}', {now}, {now}), \
               (904, 'Dana', 'ask at the desk', '{{}}', {now}, {now}); \
             INSERT INTO contact_identities (contact_id, scope, external_id, created_at) VALUES \
               (901, 'phone', '777 123 456', {now}), \
               (902, 'phone', '00420608111222', {now}), \
               (902, 'phone', '+420608111222', {now}), \
               (903, 'phone', '00420 777 123 456', {now}), \
               (904, 'phone', 'ask at the desk', {now}), \
               (904, 'telegram', '777 123 456', {now}); \
             INSERT INTO pending_upkeep (name, created_at) VALUES ('phone_e164', {now});"
        ),
    )
    .await;
    let db = app.stop_keeping_db().await;
    let app = TestApp::spawn_on(db, "").await;

    let ana = app.get_json("/api/v1/contacts/901").await;
    assert_eq!(ana["phone"], JANA);
    assert_eq!(phone_identities(&ana), vec![JANA.to_owned()]);
    // Two forms of Bob's number were two identities: one is left.
    let bob = app.get_json("/api/v1/contacts/902").await;
    assert_eq!(bob["phone"], "+420608111222");
    assert_eq!(phone_identities(&bob), vec!["+420608111222".to_owned()]);
    // Cyril's number is Ana's: the identity is Ana's, the number stays Cyril's phone, and
    // each is the other's duplicate suggestion.
    let cyril = app.get_json("/api/v1/contacts/903").await;
    assert_eq!(phone_identities(&cyril), Vec::<String>::new());
    assert_eq!(cyril["phone"], JANA);
    let suggested = app.get_json("/api/v1/contacts/901/duplicates").await;
    assert_eq!(suggested["items"][0]["contact"]["id"], 903, "{suggested}");
    let suggested = app.get_json("/api/v1/contacts/903/duplicates").await;
    assert_eq!(suggested["items"][0]["contact"]["id"], 901, "{suggested}");
    // What is not a number, and other channels' ids, are left alone.
    let dana = app.get_json("/api/v1/contacts/904").await;
    assert_eq!(dana["phone"], "ask at the desk");
    assert_eq!(phone_identities(&dana), vec!["ask at the desk".to_owned()]);
    let telegram = dana["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|identity| identity["scope"] == "telegram")
        .expect("telegram identity")
        .clone();
    assert_eq!(telegram["external_id"], "777 123 456");

    // Done once: the mark is gone, and a number written the old way since stays as it is.
    execute(
        &url,
        app_backend(),
        "UPDATE contacts SET phone = '777 123 456' WHERE id = 903",
    )
    .await;
    let db = app.stop_keeping_db().await;
    let app = TestApp::spawn_on(db, "").await;
    let cyril = app.get_json("/api/v1/contacts/903").await;
    assert_eq!(cyril["phone"], "777 123 456");
    app.stop().await;
}
