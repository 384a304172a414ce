//! What polling connectors rely on: edits keep history, checkpoints commit with the events,
//! thread moves keep the conversation, contact facts merge, attachments download safely.

use connector_sdk::{Attachment, Checkpoint, InboundEvent, MessageEdit};
use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn edits_checkpoints_and_thread_moves_are_committed_together() {
    let app = TestApp::spawn().await;
    let mut first = app.fake.message("chat1:1", "u1", "helo").in_thread("chat1");
    first
        .contact_attributes
        .insert("start_payload".into(), "ad-campaign-7".into());
    let receipts = app
        .fake
        .inject_events(
            vec![InboundEvent::Message(first)],
            Some(Checkpoint::new("fake", "offset", "11")),
        )
        .await
        .expect("deliver");
    let message = receipts[0].message_id;
    let inbox = app.fake.inbox().await;
    assert_eq!(
        inbox.checkpoint("fake", "offset").await.expect("read"),
        Some("11".into())
    );

    let edit = MessageEdit::new("fake", "chat1:1", "hello");
    app.fake
        .inject_events(
            vec![InboundEvent::Edited(edit.clone())],
            Some(Checkpoint::new("fake", "offset", "12")),
        )
        .await
        .expect("edit");
    // A redelivered edit changes nothing more.
    app.fake
        .inject_events(vec![InboundEvent::Edited(edit)], None)
        .await
        .expect("edit again");
    assert_eq!(
        inbox.checkpoint("fake", "offset").await.expect("read"),
        Some("12".into())
    );

    let conversation = receipts[0].conversation_id;
    let thread = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    assert_eq!(thread["items"][0]["text"], "hello");
    assert!(thread["items"][0]["edited_at"].is_string());
    let revisions = app
        .get_json(&format!("/api/v1/messages/{message}/revisions"))
        .await;
    assert_eq!(revisions.as_array().map(Vec::len), Some(1));
    assert_eq!(revisions[0]["text"], "helo");

    let contact = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await["contact_id"]
        .clone();
    let contact = app.get_json(&format!("/api/v1/contacts/{contact}")).await;
    assert_eq!(contact["attributes"]["start_payload"], "ad-campaign-7");

    let moved = InboundEvent::ThreadMoved {
        channel: "fake".into(),
        from: "chat1".into(),
        to: "chat1-super".into(),
    };
    let later = app
        .fake
        .message("chat1-super:1", "u2", "we moved")
        .in_thread("chat1-super");
    let receipts = app
        .fake
        .inject_events(vec![moved, InboundEvent::Message(later)], None)
        .await
        .expect("move");
    assert_eq!(
        receipts[0].conversation_id, conversation,
        "the conversation follows the thread"
    );
    app.stop().await;
}

#[tokio::test]
async fn attachments_download_through_the_api_as_inert_files() {
    let app = TestApp::spawn().await;
    let mut page = Attachment::channel_file("F-1");
    page.name = Some("invoice<script>.html".into());
    page.mime_type = Some("text/html".into());
    app.fake
        .add_file("F-1", b"<script>alert(1)</script>".to_vec());
    let message = app
        .fake
        .message("m-1", "u1", "see attached")
        .with_attachments(vec![page]);
    let receipts = app.fake.inject(vec![message]).await.expect("deliver");
    let id = receipts[0].message_id;

    let response = app
        .get(
            &format!("/api/v1/messages/{id}/attachments/0"),
            &app.admin_token,
        )
        .await;
    if response.status() != 200 {
        panic!("download failed: {}", response.text().await.expect("body"));
    }
    let headers = response.headers().clone();
    assert_eq!(
        headers["content-type"], "application/octet-stream",
        "active content is never served as such"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"invoicescript.html\""
    );
    assert_eq!(
        response.bytes().await.expect("bytes").as_ref(),
        b"<script>alert(1)</script>"
    );

    let missing = app
        .get(
            &format!("/api/v1/messages/{id}/attachments/5"),
            &app.admin_token,
        )
        .await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");
    app.stop().await;
}
