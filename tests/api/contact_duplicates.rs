//! Duplicate suggestions: the contacts that share an email address, a phone number (in E.164)
//! or a signed-in website user with another, for agents only and within what they may see.

use serde_json::{Value, json};

use crate::contact_export::execute;
use crate::helpers::{TestApp, app_backend};

async fn create(app: &TestApp, body: Value) -> i64 {
    let response = app.post_json("/api/v1/contacts", body).await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let contact: Value = response.json().await.expect("json");
    contact["id"].as_i64().expect("id")
}

fn suggested(page: &Value) -> Vec<(i64, Vec<(String, String)>)> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            let reasons = item["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .map(|reason| {
                    (
                        reason["kind"].as_str().expect("kind").to_owned(),
                        reason["value"].as_str().expect("value").to_owned(),
                    )
                })
                .collect();
            (item["contact"]["id"].as_i64().expect("id"), reasons)
        })
        .collect()
}

#[tokio::test]
async fn contacts_sharing_an_email_a_phone_or_a_website_user_are_suggested_with_the_reason() {
    let blobs = tempfile::tempdir().expect("blob dir");
    let channels = ["site", "help"]
        .iter()
        .map(|name| {
            format!(
                "[[channels]]\nname = \"{name}\"\nkind = \"web_chat\"\n\
                 allowed_origins = [\"https://{name}.example\"]\nidentity_secret = \"identity-secret-of-{name}\"\n\
                 blob_dir = {:?}\n",
                blobs.path().join(name).display().to_string()
            )
        })
        .collect::<String>();
    let app = TestApp::spawn_with(&channels).await;

    let jana = create(
        &app,
        json!({"name": "Jana", "email": "Jana@Example.com", "phone": "777 123 456"}),
    )
    .await;
    // The same address in other letters, on another contact.
    // Addresses are unique identities, so duplicates hold them in their own columns: a
    // phone typed before numbers were read alike, an address kept from an older import.
    let by_email = create(&app, json!({"name": "J. Nováková"})).await;
    let by_phone = create(&app, json!({"name": "Jana (SMS)"})).await;
    let stranger = create(
        &app,
        json!({"name": "Petr", "email": "petr@example.com", "phone": "+420 608 111 222"}),
    )
    .await;
    let by_user = create(&app, json!({"name": "Visitor"})).await;
    let anonymous = create(&app, json!({"name": "Anonymous visitor"})).await;
    let erased = create(&app, json!({"name": "Gone"})).await;
    let now = chrono::Utc::now().timestamp_millis();
    execute(
        app.database_url(),
        app_backend(),
        &format!(
            "UPDATE contacts SET email = 'Jana@example.COM' WHERE id = {by_email}; \
             UPDATE contacts SET phone = '+420777123456' WHERE id = {by_phone}; \
             INSERT INTO contact_identities (contact_id, scope, external_id, created_at) VALUES \
               ({jana}, 'web_chat:site', 'user:42', {now}), \
               ({by_user}, 'web_chat:help', 'user:42', {now}), \
               ({jana}, 'web_chat:help', 'anon:0f0f', {now}), \
               ({anonymous}, 'web_chat:site', 'anon:0f0f', {now}), \
               ({erased}, 'email', 'jana@example.com.old', {now}); \
             UPDATE contacts SET email = 'jana@example.com', erased_at = {now} WHERE id = {erased};"
        ),
    )
    .await;

    let page = app
        .get_json(&format!("/api/v1/contacts/{jana}/duplicates"))
        .await;
    let mut expected = vec![
        (
            by_email,
            vec![("email".to_owned(), "jana@example.com".to_owned())],
        ),
        (
            by_phone,
            vec![("phone".to_owned(), "+420777123456".to_owned())],
        ),
        (
            by_user,
            vec![("web_chat_user".to_owned(), "user:42".to_owned())],
        ),
    ];
    expected.sort();
    assert_eq!(suggested(&page), expected, "{page}");
    assert!(page["items"][0]["contact"]["name"].is_string());

    // It works both ways, and a contact with nothing shared has no suggestions.
    let back = app
        .get_json(&format!("/api/v1/contacts/{by_phone}/duplicates"))
        .await;
    assert_eq!(
        suggested(&back),
        vec![(jana, vec![("phone".to_owned(), "+420777123456".to_owned())])]
    );
    let none = app
        .get_json(&format!("/api/v1/contacts/{stranger}/duplicates"))
        .await;
    assert_eq!(suggested(&none), Vec::new());

    // Agents ask; marketers do not merge, so they are refused; unknown contacts are 404.
    let agent = app.token("agent").await;
    let as_agent = app
        .get(&format!("/api/v1/contacts/{jana}/duplicates"), &agent)
        .await;
    assert_eq!(as_agent.status(), 200);
    let marketer = app.token("marketer").await;
    let as_marketer = app
        .get(&format!("/api/v1/contacts/{jana}/duplicates"), &marketer)
        .await;
    assert_eq!(as_marketer.status(), 403);
    let unknown = app
        .get("/api/v1/contacts/987654/duplicates", &app.admin_token)
        .await;
    assert_eq!(unknown.status(), 404);

    app.stop().await;
}

#[tokio::test]
async fn gmail_addresses_that_differ_in_dots_or_a_plus_tag_are_one_mailbox_where_configured() {
    let app = TestApp::spawn().await;
    let tagged = create(
        &app,
        json!({"name": "Jana", "email": "Jana.Novak+shop@gmail.com"}),
    )
    .await;
    let dotted = create(&app, json!({"email": "j.a.n.a.novak@gmail.com"})).await;
    let alias = create(&app, json!({"email": "jananovak@googlemail.com"})).await;
    // Elsewhere dots matter: not the same mailbox.
    create(&app, json!({"email": "jana.novak@example.com"})).await;
    create(&app, json!({"email": "jana.nova@gmail.com"})).await;

    let page = app
        .get_json(&format!("/api/v1/contacts/{tagged}/duplicates"))
        .await;
    assert_eq!(
        suggested(&page),
        vec![
            (
                dotted,
                vec![("mailbox".to_owned(), "jananovak@gmail.com".to_owned())]
            ),
            (
                alias,
                vec![("mailbox".to_owned(), "jananovak@googlemail.com".to_owned())]
            ),
        ],
        "{page}"
    );
    app.stop().await;

    // Turned off, addresses compare as written.
    let app = TestApp::spawn_with("[contacts]\nmailbox_domains = []\n").await;
    let tagged = create(&app, json!({"email": "Jana.Novak+shop@gmail.com"})).await;
    create(&app, json!({"email": "jananovak@gmail.com"})).await;
    let page = app
        .get_json(&format!("/api/v1/contacts/{tagged}/duplicates"))
        .await;
    assert_eq!(suggested(&page), Vec::new(), "{page}");
    app.stop().await;
}
