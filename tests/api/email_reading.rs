//! What an agent reads of an email, end to end through the raw-mail hook: the sender's own
//! words with quotes collapsed and the whole text beside them (`full_text`, "Show quoted
//! text"), inline `cid:` images served from the stored part, and no tracking pixel.

use fantoccini::key::Key;
use serde_json::Value;

use crate::browser::{Driver, wait_for, wait_until};
use crate::helpers::TestApp;
use crate::mail_peers::SmtpSink;
use crate::web::{agent_with_password, sign_in};

const SECRET: &str = "mail-channel-secret-0123456789";

/// The start of a PNG file, as the inline image's bytes.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

/// An email channel that receives through the hook only (no IMAP).
async fn app(sink: &SmtpSink, blobs: &tempfile::TempDir) -> TestApp {
    TestApp::spawn_with(&format!(
        "[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"support@example.test\"\n\
         display_name = \"ACME Support\"\ndomain = \"example.test\"\nsecret = {SECRET:?}\n\
         smtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_tls = \"none\"\nblob_dir = {:?}\n",
        sink.port,
        blobs.path().display().to_string(),
    ))
    .await
}

async fn post_raw(app: &TestApp, raw: &str) {
    let response = app
        .client
        .post(app.url("/hooks/mail"))
        .header("content-type", "message/rfc822")
        .header("authorization", format!("Bearer {SECRET}"))
        .body(raw.replace('\n', "\r\n"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}

/// The stored message with this Message-ID and its conversation.
async fn message(app: &TestApp, external_id: &str) -> (i64, Value) {
    let list = app.get_json("/api/v1/conversations?channel=mail").await;
    for conversation in list["items"].as_array().expect("items") {
        let id = conversation["id"].as_i64().expect("id");
        let messages = app
            .get_json(&format!("/api/v1/conversations/{id}/messages"))
            .await;
        if let Some(found) = messages["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|m| m["external_id"] == external_id)
        {
            return (id, found.clone());
        }
    }
    panic!("no message {external_id}");
}

/// A bottom-posted plain-text answer from Thunderbird.
fn bottom_posted() -> String {
    "From: Jan Novák <jan@customer.test>\nTo: support@example.test\nSubject: Re: Objednávka\n\
     Date: Mon, 3 Feb 2025 11:00:00 +0100\nMessage-ID: <bottom-1@customer.test>\n\
     MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
     Dobrý den,\n\nDne 3. 2. 2025 v 10:00 ACME Support <support@example.test> napsal(a):\n\
     > Jaké je číslo objednávky? <b>not bold</b>\n>\n> ACME\n\nJe to 12345.\n\n-- \nJan Novák\n"
        .to_owned()
}

/// Outlook's HTML reply with a pasted screenshot (an inline part) and a tracking pixel.
fn with_inline_image() -> String {
    "From: Jane <jane@customer.test>\nTo: support@example.test\nSubject: Broken box\n\
     Message-ID: <inline-1@customer.test>\nMIME-Version: 1.0\n\
     Content-Type: multipart/related; boundary=\"R\"; type=\"text/html\"\n\n\
     --R\nContent-Type: text/html; charset=utf-8\n\n\
     <html><body><p>The box arrived like this:</p><p><img src=\"cid:image001.png@01DB7A2C\" width=\"300\"></p>\
     <img src=\"https://track.example/open.gif?m=42\" width=\"1\" height=\"1\" style=\"border:0\"></body></html>\n\
     --R\nContent-Type: image/png; name=\"image001.png\"\nContent-ID: <image001.png@01DB7A2C>\n\
     Content-Disposition: inline; filename=\"image001.png\"\nContent-Transfer-Encoding: base64\n\n\
     iVBORw0KGgo=\n--R--\n"
        .to_owned()
}

#[tokio::test]
async fn the_api_gives_the_answer_the_whole_text_and_inline_images_without_pixels() {
    let (sink, blobs) = (SmtpSink::start().await, tempfile::tempdir().expect("dir"));
    let app = app(&sink, &blobs).await;
    post_raw(&app, &bottom_posted()).await;
    post_raw(&app, &with_inline_image()).await;

    let (_, answer) = message(&app, "bottom-1@customer.test").await;
    assert_eq!(
        answer["text"],
        "Dobrý den,\n\n> Jaké je číslo objednávky? <b>not bold</b> …\n\nJe to 12345."
    );
    let full = answer["full_text"].as_str().expect("full_text");
    assert!(
        full.contains("napsal(a):") && full.contains("Jan Novák"),
        "{full}"
    );

    let (_, mail) = message(&app, "inline-1@customer.test").await;
    assert_eq!(mail["text"], "The box arrived like this:");
    assert!(mail["full_text"].is_null(), "nothing was cut: {mail}");
    let id = mail["id"].as_i64().expect("id");
    assert_eq!(
        mail["attachments"][0]["content_id"],
        "image001.png@01DB7A2C"
    );
    let html = mail["html"].as_str().expect("html");
    let part = format!("/api/v1/messages/{id}/attachments/0");
    assert!(html.contains(&format!("src=\"{part}\"")), "{html}");
    assert!(!html.contains("cid:"), "{html}");
    assert!(!html.contains("track.example"), "the pixel is gone: {html}");

    let image = app.get(&part, &app.admin_token).await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert_eq!(&image.bytes().await.expect("bytes")[..], PNG);
    let anonymous = app
        .client
        .get(app.url(&part))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 401, "the part needs a signed-in agent");
    app.stop().await;
}

#[tokio::test]
async fn the_inbox_toggles_quoted_text_and_shows_inline_images_in_chromium() {
    let (sink, blobs) = (SmtpSink::start().await, tempfile::tempdir().expect("dir"));
    let app = app(&sink, &blobs).await;
    let (_, email, password) = agent_with_password(&app, "Petra", "agent").await;
    post_raw(&app, &bottom_posted()).await;
    post_raw(&app, &with_inline_image()).await;
    let (answer_conversation, answer) = message(&app, "bottom-1@customer.test").await;
    let (image_conversation, _) = message(&app, "inline-1@customer.test").await;
    let answer_id = answer["id"].as_i64().expect("id");

    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;
    browser
        .goto(&app.url(&format!("/#/inbox/all/{answer_conversation}")))
        .await
        .expect("goto");
    let toggle = wait_for(
        &browser,
        "#messages button.show-quoted[aria-expanded='false']",
    )
    .await;
    let full = format!("document.getElementById('full-text-{answer_id}')");
    wait_until(
        &browser,
        "the whole text starts hidden",
        &format!("{full}.hidden"),
    )
    .await;
    // By keyboard: Enter on the focused button.
    toggle
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("enter");
    wait_until(
        &browser,
        "the whole text shown, as text",
        &format!(
            "document.querySelector('#messages button.show-quoted').getAttribute('aria-expanded') === 'true' \
             && !{full}.hidden && {full}.textContent.includes('napsal(a):') \
             && {full}.textContent.includes('<b>not bold</b>') && !{full}.querySelector('b')"
        ),
    )
    .await;
    toggle
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("enter");
    wait_until(
        &browser,
        "collapsed again",
        &format!(
            "{full}.hidden && document.querySelector('#messages button.show-quoted').getAttribute('aria-expanded') === 'false'"
        ),
    )
    .await;

    browser
        .goto(&app.url(&format!("/#/inbox/all/{image_conversation}")))
        .await
        .expect("goto");
    wait_until(
        &browser,
        "the inline image shown without asking",
        "document.querySelector('#messages iframe.email-frame')?.dataset.parts === 'inlined' \
         && document.querySelector('#messages iframe.email-frame').srcdoc.includes('data:image/png')",
    )
    .await;
    let leftovers = browser
        .execute(
            "const html = document.querySelector('#messages iframe.email-frame').srcdoc; \
             return [html.includes('track.example'), html.includes('/attachments/'), \
                     document.querySelector('#messages button.load-images') !== null];",
            vec![],
        )
        .await
        .expect("inspect");
    assert_eq!(leftovers, serde_json::json!([false, false, false]));
    app.stop().await;
}
