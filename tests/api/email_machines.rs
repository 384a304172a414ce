//! Mail written by machines, posted through the raw-mail hook as an MTA would: auto-replies
//! never reopen or wait, delay notices become a note on our message, old-style bounces fail
//! it, and odd input (NUL bytes, giant subjects) is stored clean.

use serde_json::{Value, json};

use crate::email::{
    Peers, SECRET, agent_reply, conversation_of, conversations, mail, message_id, messages,
    post_raw, wait_for_message,
};
use crate::mail_peers::MAILBOX_USER;

async fn post_mail(app: &crate::helpers::TestApp, raw: &str) -> Value {
    let response = post_raw(app, Some(&format!("Bearer {SECRET}")), raw).await;
    assert_eq!(response.status(), 200, "{raw}");
    response.json().await.expect("json")
}

/// A customer's mail, an agent's reply, and the reply's Message-ID.
async fn answered_conversation(
    app: &crate::helpers::TestApp,
    peers: &Peers,
    customer: &str,
) -> (i64, String) {
    post_mail(
        app,
        &mail(
            &format!("Jane <{customer}>"),
            &format!("q-{customer}"),
            "Order 15",
            "",
            "Where is my order?",
        ),
    )
    .await;
    let conversation = conversation_of(app, &format!("q-{customer}")).await;
    let sent = agent_reply(app, peers, conversation, "It ships tomorrow.").await;
    (conversation, message_id(&sent))
}

#[tokio::test]
async fn an_auto_reply_never_reopens_nor_waits() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    let (conversation, ours) = answered_conversation(&app, &peers, "jane@customer.test").await;
    let resolved = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/status"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(resolved.status(), 200);
    // iCloud's vacation reply: no RFC 3834 header, only X-Apple-Action.
    post_mail(
        &app,
        &mail(
            "Jane <jane@customer.test>",
            "oof-1@customer.test",
            "Re: Order 15",
            &format!("In-Reply-To: <{ours}>\nX-Apple-Action: VACATION\n"),
            "I am on holiday until Monday.",
        ),
    )
    .await;
    assert_eq!(
        conversation_of(&app, "oof-1@customer.test").await,
        conversation
    );
    let after = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(after["status"], "resolved", "{after}");
    assert_eq!(after["waiting_since"], Value::Null, "{after}");
    let stored = messages(&app, conversation).await;
    let auto = stored
        .iter()
        .find(|m| m["external_id"] == "oof-1@customer.test")
        .expect("stored and shown");
    assert_eq!(auto["automated"], true);

    // A localised auto-reply to nothing we know opens a conversation to see, not to answer.
    post_mail(
        &app,
        &mail(
            "Petr <petr@customer.test>",
            "oof-2@customer.test",
            "Automatická odpověď: Nabídka",
            "",
            "Jsem na dovolené.",
        ),
    )
    .await;
    let opened = conversation_of(&app, "oof-2@customer.test").await;
    let opened = app
        .get_json(&format!("/api/v1/conversations/{opened}"))
        .await;
    assert_eq!(opened["waiting_since"], Value::Null, "{opened}");

    // A person's answer still reopens and waits.
    post_mail(
        &app,
        &mail(
            "Jane <jane@customer.test>",
            "back-1@customer.test",
            "Re: Order 15",
            &format!("In-Reply-To: <{ours}>\n"),
            "Back now: it has not arrived.",
        ),
    )
    .await;
    let reopened = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(reopened["status"], "open");
    assert_ne!(reopened["waiting_since"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn delay_notices_and_plain_bounces_land_on_our_message() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    let (conversation, ours) = answered_conversation(&app, &peers, "slow@customer.test").await;
    let before = conversations(&app).await.len();
    let delay = format!(
        "Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\n\
         To: {MAILBOX_USER}\nSubject: Delayed Mail (still being retried)\n\
         Message-ID: <delay-1@mx.customer.test>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n\
         --B\nContent-Type: text/plain\n\nYour message could not be delivered for 4 hours. It will be retried until it is 5 days old.\n\
         --B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.customer.test\n\n\
         Final-Recipient: rfc822; slow@customer.test\nAction: delayed\nStatus: 4.2.2\n\
         Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n\n\
         --B\nContent-Type: text/rfc822-headers\n\nFrom: {MAILBOX_USER}\nTo: slow@customer.test\n\
         Message-ID: <{ours}>\nSubject: Re: Order 15\n\n--B--\n"
    );
    let response = post_mail(&app, &delay).await;
    assert_eq!(
        response["accepted"], 0,
        "a report is not a message: {response}"
    );
    let thread = messages(&app, conversation).await;
    let reply = thread
        .iter()
        .find(|m| m["external_id"] == ours.as_str())
        .expect("our reply");
    assert_eq!(reply["delivery_status"], "sent");
    let note = reply["delivery_error"]
        .as_str()
        .expect("the delay is noted");
    assert!(
        note.contains("4.2.2") && note.contains("still trying"),
        "{note}"
    );

    // qmail gives up: no multipart/report, the original inline.
    let qmail = format!(
        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.customer.test\nTo: {MAILBOX_USER}\n\
         Subject: failure notice\nMessage-ID: <qmail-1@mx.customer.test>\n\n\
         Hi. This is the qmail-send program at mx.customer.test.\n\
         I'm afraid I wasn't able to deliver your message to the following addresses.\n\
         This is a permanent error; I've given up. Sorry it didn't work out.\n\n\
         <slow@customer.test>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n\
         --- Below this line is a copy of the message.\n\n\
         From: {MAILBOX_USER}\nTo: slow@customer.test\nMessage-ID: <{ours}>\nSubject: Re: Order 15\n\n\
         It ships tomorrow.\n"
    );
    post_mail(&app, &qmail).await;
    let thread = messages(&app, conversation).await;
    let reply = thread
        .iter()
        .find(|m| m["external_id"] == ours.as_str())
        .expect("our reply");
    assert_eq!(reply["delivery_status"], "failed");
    let failed = app.get_json("/api/v1/deliveries?state=failed").await;
    assert!(
        failed["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|d| d["message_id"] == reply["id"]),
        "{failed}"
    );
    assert!(
        app.store
            .is_suppressed("email", "slow@customer.test")
            .await
            .expect("read")
    );
    assert_eq!(
        conversations(&app).await.len(),
        before,
        "no conversation with the mail system as the customer"
    );
    app.stop().await;
}

#[tokio::test]
async fn nul_bytes_and_a_giant_subject_are_stored_clean() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    let subject = format!("Order\u{0} {}", "x".repeat(600_000));
    let raw = mail(
        "Jane <jane@customer.test>",
        "nul-1@customer.test",
        &subject,
        "",
        "Hello\u{0} there",
    );
    let response = post_raw(&app, Some(&format!("Bearer {SECRET}")), &raw).await;
    assert_eq!(response.status(), 200);
    let (conversation, message) = wait_for_message(&app, "nul-1@customer.test").await;
    assert_eq!(message["text"], "Hello there");
    let stored = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    let subject = stored["subject"].as_str().expect("subject");
    assert!(subject.starts_with("Order x"), "{subject:.40}");
    assert!(subject.chars().count() <= 256, "{}", subject.len());
    app.stop().await;
}
