//! Mail that pretends to be ours or someone else's: a delivery report suppresses an address
//! and fails our message only when it names a message we really sent to that address; a
//! customer's mail is never dropped for carrying an id of our shape; and a Message-ID is a
//! duplicate only when the same sender sends it again.

use std::time::{Duration, Instant};

use connector_sdk::{InboundEvent, InboundMessage, Sender, Threading};
use serde_json::{Value, json};

use crate::helpers::{TestApp, on_each_backend};
use crate::mail_peers::{MAILBOX_USER, SmtpSink, header};

const SECRET: &str = "mail-forgery-secret-0123456789";
/// An id of our shape (`sb.<id>.<unique>.<tag>@our domain`) that we never issued.
const MADE_UP_ID: &str = "sb.1.0123456789abcdef.0123456789abcdef@example.test";

/// An app whose mail channel receives through its raw-mail hook and sends to `sink`.
async fn app(sink: &SmtpSink, blobs: &tempfile::TempDir) -> TestApp {
    TestApp::spawn_with(&format!(
        "[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = {MAILBOX_USER:?}\n\
         display_name = \"ACME Support\"\ndomain = \"example.test\"\nsecret = {SECRET:?}\n\
         smtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_tls = \"none\"\nblob_dir = {:?}\n",
        sink.port,
        blobs.path().display().to_string(),
    ))
    .await
}

/// Posts a raw mail to the hook as an MTA's pipe does; returns the JSON answer.
async fn post_raw(app: &TestApp, raw: &str) -> Value {
    let response = app
        .client
        .post(app.url("/hooks/mail"))
        .bearer_auth(SECRET)
        .header("content-type", "message/rfc822")
        .body(raw.replace('\n', "\r\n"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// A delivery report on `original_id`, failed permanently for `final_recipient`.
fn dsn(report_id: &str, original_id: &str, final_recipient: &str) -> String {
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\nTo: {MAILBOX_USER}\n\
         Subject: Undelivered Mail Returned to Sender\nMessage-ID: <{report_id}>\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n\
         --B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\
         --B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.customer.test\n\
         Original-Message-ID: <{original_id}>\n\n\
         Final-Recipient: rfc822; {final_recipient}\nAction: failed\nStatus: 5.1.1\n\
         Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n--B--\n"
    )
}

async fn is_suppressed(app: &TestApp, address: &str) -> bool {
    app.store
        .is_suppressed("email", address)
        .await
        .expect("read")
}

/// Every message of every mail conversation.
async fn all_messages(app: &TestApp) -> Vec<Value> {
    let list = app.get_json("/api/v1/conversations?channel=mail").await;
    let mut found = Vec::new();
    for conversation in list["items"].as_array().expect("items") {
        let id = conversation["id"].as_i64().expect("id");
        let page = app
            .get_json(&format!("/api/v1/conversations/{id}/messages"))
            .await;
        found.extend(page["items"].as_array().expect("items").iter().cloned());
    }
    found
}

async fn message(app: &TestApp, external_id: &str) -> Option<Value> {
    all_messages(app)
        .await
        .into_iter()
        .find(|m| m["external_id"] == external_id)
}

/// A customer's mail from `gone@customer.test`, answered by an agent; returns our Message-ID.
async fn a_reply_we_sent(app: &TestApp, sink: &SmtpSink) -> String {
    let answer = post_raw(
        app,
        &format!(
            "From: Gone <gone@customer.test>\nTo: {MAILBOX_USER}\nSubject: Help\n\
             Message-ID: <g1@customer.test>\n\nHelp me\n"
        ),
    )
    .await;
    assert_eq!(answer["accepted"], 1);
    let list = app.get_json("/api/v1/conversations?channel=mail").await;
    let conversation = list["items"][0]["id"].as_i64().expect("id");
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": "Here is help"}),
        )
        .await;
    assert_eq!(response.status(), 202);
    app.drain_outbox().await;
    let sent = sink.wait_for(1).await.remove(0);
    header(&sent, "Message-ID")
        .expect("Message-ID")
        .trim_matches(['<', '>'])
        .to_owned()
}

#[tokio::test]
async fn forged_and_misaddressed_reports_suppress_nothing_and_are_kept_for_a_person() {
    let (sink, blobs) = (SmtpSink::start().await, tempfile::tempdir().expect("dir"));
    let app = app(&sink, &blobs).await;
    let ours = a_reply_we_sent(&app, &sink).await;

    // A made-up id of our shape, naming a victim and then our real recipient.
    for (report, recipient) in [
        ("f1@mx.test", "victim@customer.test"),
        ("f2@mx.test", "gone@customer.test"),
    ] {
        let answer = post_raw(&app, &dsn(report, MADE_UP_ID, recipient)).await;
        assert_eq!(answer["accepted"], 1, "kept as mail: {answer}");
        assert!(!is_suppressed(&app, recipient).await, "{recipient}");
        let kept = message(&app, report).await.expect("the report is stored");
        assert_eq!(kept["automated"], true, "flagged for a person");
    }
    // Our real id, but a recipient it was not sent to.
    let answer = post_raw(&app, &dsn("f3@mx.test", &ours, "other@customer.test")).await;
    assert_eq!(answer["accepted"], 1, "kept as mail: {answer}");
    assert!(!is_suppressed(&app, "other@customer.test").await);
    assert!(!is_suppressed(&app, "gone@customer.test").await);
    let sent = message(&app, &ours).await.expect("ours");
    assert_ne!(sent["delivery_status"], "failed");
    app.stop().await;
}

#[tokio::test]
async fn a_report_on_a_message_we_sent_to_that_address_fails_it_and_suppresses_the_address() {
    let (sink, blobs) = (SmtpSink::start().await, tempfile::tempdir().expect("dir"));
    let app = app(&sink, &blobs).await;
    let ours = a_reply_we_sent(&app, &sink).await;
    let answer = post_raw(&app, &dsn("real@mx.test", &ours, "Gone@Customer.test")).await;
    assert_eq!(
        answer["accepted"], 0,
        "a report is no customer message: {answer}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sent = message(&app, &ours).await.expect("ours");
        if sent["delivery_status"] == "failed" {
            break;
        }
        assert!(Instant::now() < deadline, "never failed: {sent}");
        app.wait_for_event("message.updated").await;
    }
    assert!(is_suppressed(&app, "gone@customer.test").await);
    assert!(message(&app, "real@mx.test").await.is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_customer_mail_with_a_message_id_of_our_shape_is_stored() {
    let (sink, blobs) = (SmtpSink::start().await, tempfile::tempdir().expect("dir"));
    let app = app(&sink, &blobs).await;
    let answer = post_raw(
        &app,
        &format!(
            "From: Jane <jane@customer.test>\nTo: {MAILBOX_USER}\nSubject: Order\n\
             Message-ID: <{MADE_UP_ID}>\n\nWhere is my order?\n"
        ),
    )
    .await;
    assert_eq!(answer["accepted"], 1, "{answer}");
    let stored = message(&app, MADE_UP_ID).await.expect("stored");
    assert_eq!(stored["text"], "Where is my order?");
    app.stop().await;
}

fn mail_from(sender: &str, message_id: &str) -> InboundEvent {
    let from = Sender::new("email", sender).with_email(sender);
    let mut message = InboundMessage::text("mail", message_id, from, format!("from {sender}"));
    message.threading = Some(Threading::new(None, Vec::new(), None, Some("Order".into())));
    InboundEvent::Message(message)
}

#[tokio::test]
async fn a_message_id_is_a_duplicate_only_from_the_same_sender() {
    on_each_backend(|store| async move {
        let first = [mail_from("jane@c.test", "m1@c.test")];
        let (stored, _) = store
            .record_inbound_events(&first, &[])
            .await
            .expect("stored");
        assert!(!stored[0].duplicate);

        // Another sender reusing Jane's id, in its own batch and beside a redelivery.
        let reused = [mail_from("mallory@evil.test", "m1@c.test")];
        let (again, _) = store
            .record_inbound_events(&reused, &[])
            .await
            .expect("stored");
        assert!(!again[0].duplicate, "a new message from another sender");
        assert_ne!(again[0].message_id, stored[0].message_id);
        let batch = [
            mail_from("bob@c.test", "m1@c.test"),
            mail_from("jane@c.test", "m1@c.test"),
            mail_from("bob@c.test", "m1@c.test"),
        ];
        let (mixed, _) = store
            .record_inbound_events(&batch, &[])
            .await
            .expect("stored");
        assert!(
            !mixed[0].duplicate,
            "Bob's first use of the id is his message"
        );
        assert!(mixed[1].duplicate, "Jane's redelivery");
        assert_eq!(mixed[1].message_id, stored[0].message_id);
        assert!(mixed[2].duplicate, "Bob's redelivery in the same batch");
        assert_eq!(mixed[2].message_id, mixed[0].message_id);

        // The genuine sender's redelivery (IMAP re-fetch, MTA retry) is still one message.
        let (redelivered, _) = store
            .record_inbound_events(&first, &[])
            .await
            .expect("stored");
        assert!(redelivered[0].duplicate);
        assert_eq!(redelivered[0].message_id, stored[0].message_id);
        assert_eq!(store.count_messages().await.expect("count"), 3);
    })
    .await;
}
