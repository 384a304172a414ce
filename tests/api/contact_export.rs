//! A contact's export (right of access): everything held about them, theirs only, as JSON or
//! as a zip with their stored attachment files byte-exact; and the schema coverage check
//! that fails when a table is neither exported nor said to hold no contact data.

use std::io::Read;

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use switchboard::privacy::coverage::{self, Coverage};
use switchboard::store::Backend;

use crate::helpers::{TestApp, TestDb, app_backend, on_each_backend};

pub const MAIL_SECRET: &str = "mail-channel-secret-0123456789";
/// A word only Jan writes (search finds it before erasure, never after).
pub const JAN_WORD: &str = "zanzibarquux";
/// A word only Bob writes.
pub const BOB_WORD: &str = "quokkaflorin";
/// Jan's own attachment, and a logo Bob sends too (one blob, shared).
pub const INVOICE: &[u8] = b"%PDF-1.4 Jan's invoice 2026-0042\n\x00\x01\x02binary";
pub const LOGO: &[u8] = b"\x89PNG\r\n\x1a\nshared logo bytes";

/// The blob file of `bytes` in `dir` (the email blob store names files by SHA-256).
pub fn blob_path(dir: &std::path::Path, bytes: &[u8]) -> std::path::PathBuf {
    let hex = hex::encode(Sha256::digest(bytes));
    dir.join(&hex[..2]).join(hex)
}

/// An app with an email channel that receives through its hook, storing blobs in `blobs`.
pub async fn mail_app(db: TestDb, blobs: &std::path::Path, extra: &str) -> TestApp {
    TestApp::spawn_on(
        db,
        &format!(
            "{extra}\n[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"support@example.test\"\n\
             domain = \"example.test\"\nsecret = {MAIL_SECRET:?}\nblob_dir = {:?}\n",
            blobs.display().to_string()
        ),
    )
    .await
}

/// A raw mail with base64 attachments.
pub fn mail(from: &str, id: &str, subject: &str, text: &str, files: &[(&str, &[u8])]) -> String {
    use base64::Engine;
    let mut raw = format!(
        "From: {from}\r\nTo: support@example.test\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    );
    for (name, bytes) in files {
        raw.push_str(&format!(
            "--B\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\n\
             Content-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ));
    }
    raw.push_str("--B--\r\n");
    raw
}

pub async fn post_mail(app: &TestApp, raw: &str) {
    let response = app
        .client
        .post(app.url("/hooks/mail"))
        .header("content-type", "message/rfc822")
        .header("authorization", format!("Bearer {MAIL_SECRET}"))
        .body(raw.to_owned())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}

/// Posts a chat message on the `shop` webhook channel from `from` with `email`.
pub async fn post_chat(app: &TestApp, id: &str, from: &str, email: &str, text: &str) {
    let body =
        json!({"id": id, "from": {"id": from, "name": "Jan Novák", "email": email}, "text": text})
            .to_string();
    let response = app.post_hook(&body).await;
    assert!(
        response.status().is_success(),
        "{:?}",
        response.text().await
    );
}

/// Runs SQL on the test database (for rows no public route writes directly).
pub async fn execute(url: &str, backend: Backend, sql: &str) {
    match backend {
        Backend::Sqlite => {
            let options: sqlx::sqlite::SqliteConnectOptions = url.parse().expect("url");
            let pool = sqlx::SqlitePool::connect_with(options)
                .await
                .expect("connect");
            sqlx::raw_sql(sql).execute(&pool).await.expect("sql");
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.expect("connect");
            sqlx::raw_sql(sql).execute(&pool).await.expect("sql");
            pool.close().await;
        }
    }
}

/// Who is who after [`seed`].
pub struct Seeded {
    pub jan: i64,
    pub bob: i64,
}

/// Jan: an email with an invoice and the shared logo, a chat message, a note, tags, a
/// consent with proof, a suppressed address and a campaign send. Bob: an email with the
/// same logo.
pub async fn seed(app: &TestApp, url: &str) -> Seeded {
    post_mail(
        app,
        &mail(
            "Jan Novák <jan@customer.test>",
            "jan-1@customer.test",
            "Invoice 42",
            &format!("Hello, my invoice is attached {JAN_WORD}."),
            &[("invoice.pdf", INVOICE), ("logo.png", LOGO)],
        ),
    )
    .await;
    post_mail(
        app,
        &mail(
            "Bob <bob@other.test>",
            "bob-1@other.test",
            "Logo",
            &format!("Our logo {BOB_WORD}."),
            &[("logo.png", LOGO)],
        ),
    )
    .await;
    post_chat(
        app,
        "chat-1",
        "jan-shop-7",
        "jan@customer.test",
        &format!("chat {JAN_WORD}"),
    )
    .await;
    let contacts = app.get_json("/api/v1/contacts?q=jan%40customer.test").await;
    let jan = contacts["items"][0]["id"].as_i64().expect("jan");
    let contacts = app.get_json("/api/v1/contacts?q=bob%40other.test").await;
    let bob = contacts["items"][0]["id"].as_i64().expect("bob");
    assert_ne!(jan, bob);
    let conversations = app
        .get_json(&format!("/api/v1/conversations?contact={jan}"))
        .await;
    let items = conversations["items"].as_array().expect("items");
    assert_eq!(
        items.len(),
        2,
        "the mail and the chat are Jan's: {conversations}"
    );
    let mail_conversation = items.iter().find(|c| c["channel"] == "mail").expect("mail");
    let note = app
        .post_json(
            &format!("/api/v1/conversations/{}/notes", mail_conversation["id"]),
            json!({"text": "internal: Jan is a VIP"}),
        )
        .await;
    assert!(note.status().is_success(), "{:?}", note.text().await);
    let patched = app
        .send(
            Method::PATCH,
            &format!("/api/v1/contacts/{jan}"),
            &app.admin_token,
            json!({"tags": ["vip"], "attributes": {"plan": "gold"}, "phone": "+420 777 123 456"}),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let consents = app
        .send(
            Method::PUT,
            &format!("/api/v1/contacts/{jan}/consents"),
            &app.admin_token,
            json!({"items": [{"channel": "email", "granted": true, "proof": "form at 203.0.113.7"}]}),
        )
        .await;
    assert_eq!(consents.status(), 200);
    let now = chrono::Utc::now().timestamp_millis();
    execute(
        url,
        app_backend(),
        &format!(
            "INSERT INTO suppressions (scope, address, reason, channel, created_at) \
             VALUES ('email', 'jan@customer.test', 'hard bounce', 'mail', {now}), \
                    ('email', 'bob@other.test', 'hard bounce', 'mail', {now}); \
             INSERT INTO campaigns (name, filter, spec, state, created_at, updated_at) \
             VALUES ('spring', '{{\"op\": \"everyone\"}}', '{{\"channels\": []}}', 'finished', {now}, {now}); \
             INSERT INTO campaign_sends (campaign_id, contact_id, channel, address, state, sent_at, opened_at) \
             SELECT id, {jan}, 'mail', 'jan@customer.test', 'delivered', {now}, {now} FROM campaigns WHERE name = 'spring'; \
             INSERT INTO campaign_sends (campaign_id, contact_id, channel, address, state, sent_at) \
             SELECT id, {bob}, 'mail', 'bob@other.test', 'sent', {now} FROM campaigns WHERE name = 'spring';"
        ),
    )
    .await;
    Seeded { jan, bob }
}

async fn export_json(app: &TestApp, id: i64) -> Value {
    let response = app
        .get(&format!("/api/v1/contacts/{id}/export"), &app.admin_token)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.expect("json")
}

#[tokio::test]
async fn the_export_holds_everything_about_the_contact_and_nothing_of_others() {
    let blobs = tempfile::tempdir().expect("dir");
    let db = TestDb::new(app_backend()).await;
    let url = db.url.clone();
    let app = mail_app(db, blobs.path(), "").await;
    let seeded = seed(&app, &url).await;
    let export = export_json(&app, seeded.jan).await;
    let text = export.to_string();

    assert_eq!(export["format_version"], 1);
    assert!(export["exported_at"].is_string());
    assert_eq!(export["contact"]["email"], "jan@customer.test");
    assert_eq!(export["contact"]["tags"], json!(["vip"]));
    assert_eq!(export["contact"]["attributes"]["plan"], "gold");
    let identities = export["contact"]["identities"].to_string();
    assert!(identities.contains("jan@customer.test") && identities.contains("jan-shop-7"));
    assert_eq!(export["consents"][0]["proof"], "form at 203.0.113.7");
    assert_eq!(export["suppressions"].as_array().expect("list").len(), 1);
    assert_eq!(export["suppressions"][0]["address"], "jan@customer.test");
    assert_eq!(export["campaign_sends"][0]["state"], "delivered");
    assert!(export["campaign_sends"][0]["opened_at"].is_string());
    // Who saw the data is part of it: this very export is in its own audit section, as
    // are the views of the contact's profile above, and nothing about another contact.
    let audit = export["audit"].as_array().expect("audit");
    assert!(
        audit
            .iter()
            .any(|entry| entry["action"] == "contact.exported"
                && entry["detail"]["format"] == "json"),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .all(|entry| entry["contact_id"] == export["contact"]["id"]),
        "{audit:?}"
    );
    assert_eq!(export["erasure"], Value::Null);

    let conversations = export["conversations"].as_array().expect("conversations");
    assert_eq!(conversations.len(), 2);
    let messages: Vec<&Value> = conversations
        .iter()
        .flat_map(|c| c["messages"].as_array().expect("messages"))
        .collect();
    assert_eq!(
        messages
            .iter()
            .filter(|m| m["text"].as_str().unwrap_or("").contains(JAN_WORD))
            .count(),
        2
    );
    let note = messages.iter().find(|m| m["kind"] == "note").expect("note");
    assert_eq!(note["internal"], true);
    assert_eq!(note["text"], "internal: Jan is a VIP");
    let mail = messages
        .iter()
        .find(|m| m["channel"] == "mail" && m["kind"] == "message")
        .expect("mail");
    assert_eq!(mail["internal"], false);
    assert_eq!(
        mail["attachments"].as_array().expect("attachments").len(),
        2
    );
    assert_eq!(
        mail["files"][0]["path"],
        Value::Null,
        "files travel in the zip only"
    );
    assert!(!export["events"].as_array().expect("events").is_empty());
    assert!(
        export["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["kind"] == "message.created")
    );

    // Bob's data is not in it.
    assert!(!text.contains("bob@other.test"), "{text}");
    assert!(!text.contains(BOB_WORD));
    app.stop().await;
}

#[tokio::test]
async fn the_zip_carries_the_document_and_the_stored_files_byte_exact() {
    let blobs = tempfile::tempdir().expect("dir");
    let db = TestDb::new(app_backend()).await;
    let url = db.url.clone();
    let app = mail_app(db, blobs.path(), "").await;
    let seeded = seed(&app, &url).await;
    let response = app
        .get(
            &format!("/api/v1/contacts/{}/export?format=zip", seeded.jan),
            &app.admin_token,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.expect("body");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
    let mut document = String::new();
    zip.by_name("contact.json")
        .expect("contact.json")
        .read_to_string(&mut document)
        .expect("read");
    let document: Value = serde_json::from_str(&document).expect("json");
    let mail = document["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .flat_map(|c| c["messages"].as_array().expect("messages"))
        .find(|m| m["channel"] == "mail" && m["kind"] == "message")
        .expect("mail")
        .clone();
    let invoice_path = mail["files"][0]["path"].as_str().expect("path").to_owned();
    assert_eq!(
        invoice_path,
        format!("attachments/{}-0-invoice.pdf", mail["id"])
    );
    let mut invoice = Vec::new();
    zip.by_name(&invoice_path)
        .expect("invoice")
        .read_to_end(&mut invoice)
        .expect("read");
    assert_eq!(invoice, INVOICE);
    let mut logo = Vec::new();
    zip.by_name(mail["files"][1]["path"].as_str().expect("path"))
        .expect("logo")
        .read_to_end(&mut logo)
        .expect("read");
    assert_eq!(logo, LOGO);
    // The chat's files would be the provider's: none here, and nothing else in the zip.
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    app.stop().await;
}

#[tokio::test]
async fn only_admins_export_and_unknown_contacts_are_404() {
    let app = TestApp::spawn().await;
    app.post_hook(&crate::helpers::hook_body("m1", "u1", "hello"))
        .await;
    let contacts = app.get_json("/api/v1/contacts").await;
    let id = contacts["items"][0]["id"].as_i64().expect("id");
    for role in ["agent", "marketer"] {
        let token = app.token(role).await;
        let response = app
            .get(&format!("/api/v1/contacts/{id}/export"), &token)
            .await;
        assert_eq!(response.status(), 403, "{role}");
        let body: Value = response.json().await.expect("json");
        assert!(body["error"]["code"].is_string());
    }
    let missing = app
        .get("/api/v1/contacts/999999/export", &app.admin_token)
        .await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.expect("json");
    assert!(body["error"]["message"].is_string());
    let bad = app
        .get(
            &format!("/api/v1/contacts/{id}/export?format=tar"),
            &app.admin_token,
        )
        .await;
    assert_eq!(bad.status(), 400);
    app.stop().await;
}

/// Every table of the real schema is either exported or said to hold no contact data, every
/// listed table exists, and every table keyed by a contact, conversation or message is
/// exported.
#[tokio::test]
async fn every_table_is_covered_by_the_export() {
    on_each_backend(|store| async move {
        let backend = store.backend();
        let tables = store.schema_tables().await.expect("tables");
        assert!(tables.iter().any(|t| t.table == "messages"), "{tables:?}");
        for table in &tables {
            let coverage = coverage::of(&table.table).unwrap_or_else(|| {
                panic!(
                    "table {} ({backend:?}) is not in privacy::coverage::TABLES: say whether a \
                     contact's export carries it (and erase it too) or why it holds no contact data",
                    table.table
                )
            });
            let keyed = table
                .columns
                .iter()
                .any(|column| coverage::CONTACT_KEYS.contains(&column.as_str()));
            if keyed {
                assert!(
                    matches!(coverage, Coverage::Exported(_)),
                    "table {} has a contact, conversation or message id: it must be exported",
                    table.table
                );
            }
        }
        for (name, _) in coverage::TABLES {
            let only_sqlite = coverage::SQLITE_ONLY.contains(name);
            if backend == Backend::Postgres && only_sqlite {
                continue;
            }
            assert!(
                tables.iter().any(|t| t.table == *name),
                "privacy::coverage lists {name}, which {backend:?} does not have"
            );
        }
    })
    .await;
}
