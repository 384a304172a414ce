//! The email channel end to end, against a real Dovecot (IMAP IDLE) and a real SMTP server:
//! a customer writes, an agent answers into the customer's thread, replies from Gmail- and
//! Outlook-style clients come back into the same conversation, nothing is lost or doubled
//! across restarts, machines are flagged, bounces fail our message, HTML is made safe.

use connector_sdk::{Checkpoint, InboundEvent, InboundMessage, Sender, Threading};
use serde_json::{Value, json};
use switchboard::domain::{ConversationId, MessageId};
use switchboard::store::{Lane, NewReply, ReplyAuthor};

use crate::helpers::{TestApp, TestDb, app_backend, on_each_backend};
use crate::mail_peers::{
    Dovecot, MAILBOX_PASSWORD, MAILBOX_USER, SinkTls, SmtpSink, TestCert, header,
};

pub(crate) const SECRET: &str = "mail-channel-secret-0123456789";

pub(crate) struct Peers {
    pub(crate) dovecot: Dovecot,
    pub(crate) sink: SmtpSink,
    pub(crate) blobs: tempfile::TempDir,
}

impl Peers {
    pub(crate) async fn start() -> Self {
        Self {
            dovecot: Dovecot::start().await,
            sink: SmtpSink::start().await,
            blobs: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub(crate) fn channel_config(&self) -> String {
        format!(
            "[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = {MAILBOX_USER:?}\n\
             display_name = \"ACME Support\"\ndomain = \"example.test\"\nsecret = {SECRET:?}\n\
             imap_host = \"127.0.0.1\"\nimap_port = {}\nimap_tls = \"none\"\nimap_password = {MAILBOX_PASSWORD:?}\n\
             smtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_tls = \"none\"\nblob_dir = {:?}\n\
             idle_secs = 60\n",
            self.dovecot.port,
            self.sink.port,
            self.blobs.path().display().to_string(),
        )
    }

    pub(crate) async fn app(&self) -> TestApp {
        TestApp::spawn_with(&self.channel_config()).await
    }
}

/// A customer's mail to the support address.
pub(crate) fn mail(from: &str, id: &str, subject: &str, extra_headers: &str, body: &str) -> String {
    mail_to(
        &format!("ACME Support <{MAILBOX_USER}>"),
        from,
        id,
        subject,
        extra_headers,
        body,
    )
}

/// A customer's mail to `to`.
pub(crate) fn mail_to(
    to: &str,
    from: &str,
    id: &str,
    subject: &str,
    extra_headers: &str,
    body: &str,
) -> String {
    format!(
        "From: {from}\nTo: {to}\nSubject: {subject}\n\
         Date: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <{id}>\n{extra_headers}\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
}

pub(crate) async fn conversations(app: &TestApp) -> Vec<Value> {
    let list = app.get_json("/api/v1/conversations?channel=mail").await;
    list["items"].as_array().expect("items").clone()
}

pub(crate) async fn messages(app: &TestApp, conversation: i64) -> Vec<Value> {
    let list = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    list["items"].as_array().expect("items").clone()
}

/// The conversation holding message `external_id`, and the message.
pub(crate) async fn find_message(app: &TestApp, external_id: &str) -> Option<(i64, Value)> {
    for conversation in conversations(app).await {
        let id = conversation["id"].as_i64().expect("id");
        if let Some(message) = messages(app, id)
            .await
            .into_iter()
            .find(|m| m["external_id"] == external_id)
        {
            return Some((id, message));
        }
    }
    None
}

/// The conversation holding message `external_id`.
pub(crate) async fn conversation_of(app: &TestApp, external_id: &str) -> i64 {
    match find_message(app, external_id).await {
        Some((conversation, _)) => conversation,
        None => panic!("no conversation holds {external_id}"),
    }
}

/// Waits until message `external_id` is stored: checks, then waits for the next
/// `message.created` (events are queued from start-up, so none is missed in between).
pub(crate) async fn wait_for_message(app: &TestApp, external_id: &str) -> (i64, Value) {
    for _ in 0..200 {
        if let Some(found) = find_message(app, external_id).await {
            return found;
        }
        app.wait_for_event("message.created").await;
    }
    panic!("{external_id} never arrived");
}

/// An agent's reply through the API, sent by the dispatcher; returns the mail as received.
pub(crate) async fn agent_reply(
    app: &TestApp,
    peers: &Peers,
    conversation: i64,
    text: &str,
) -> String {
    let before = peers.sink.received().len();
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": text}),
        )
        .await;
    assert_eq!(response.status(), 202);
    app.drain_outbox().await;
    peers.sink.wait_for(before + 1).await.remove(before)
}

pub(crate) fn message_id(raw: &str) -> String {
    header(raw, "Message-ID")
        .expect("Message-ID")
        .trim_matches(['<', '>'])
        .to_owned()
}

#[tokio::test]
async fn a_customer_and_an_agent_talk_in_one_thread() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    peers.dovecot.deliver(&mail_msg_first());
    wait_for_message(&app, "c1@customer.test").await;
    let list = conversations(&app).await;
    assert_eq!(list.len(), 1);
    let conversation = list[0]["id"].as_i64().expect("id");
    assert_eq!(list[0]["subject"], "Order 15 is late");
    let first = &messages(&app, conversation).await[0];
    assert_eq!(first["text"], "Where is my order?");
    let full = app
        .store
        .message_full_text(MessageId::new(first["id"].as_i64().expect("id")))
        .await
        .expect("read")
        .expect("kept");
    assert!(
        full.contains("Customer Inc."),
        "the signature is kept in the full text: {full}"
    );
    assert_eq!(first["external_id"], "c1@customer.test");
    assert_eq!(first["automated"], false);

    let sent = agent_reply(&app, &peers, conversation, "It ships today.").await;
    assert_eq!(
        header(&sent, "In-Reply-To").as_deref(),
        Some("<c1@customer.test>")
    );
    assert_eq!(
        header(&sent, "Subject"),
        Some(format!("Re: Order 15 is late [#{conversation}]"))
    );
    let reply_to = header(&sent, "Reply-To").expect("Reply-To");
    assert!(
        reply_to.contains(&format!("support+c{conversation}.")),
        "{reply_to}"
    );
    assert!(header(&sent, "From").is_some_and(|from| from.contains("support@example.test")));
    assert!(
        header(&sent, "Auto-Submitted").is_none(),
        "an agent's answer is not automatic"
    );
    assert!(sent.contains("It ships today."));
    let ours = message_id(&sent);
    let stored = messages(&app, conversation).await;
    assert_eq!(
        stored[1]["external_id"],
        ours.as_str(),
        "the Message-ID is recorded"
    );

    // The customer answers from their mail client: In-Reply-To our Message-ID.
    peers.dovecot.deliver(&mail(
        "Jane Doe <jane@customer.test>",
        "c2@customer.test",
        &format!("Re: Order 15 is late [#{conversation}]"),
        &format!("In-Reply-To: <{ours}>\nReferences: <c1@customer.test> <{ours}>\n"),
        "Great, thanks!\n\nOn Tue, 24 Nov 2026 at 11:00, ACME Support wrote:\n> It ships today.",
    ));
    wait_for_message(&app, "c2@customer.test").await;
    assert_eq!(conversations(&app).await.len(), 1, "no new conversation");
    let thread = messages(&app, conversation).await;
    assert_eq!(thread.len(), 3);
    assert_eq!(
        thread[2]["text"], "Great, thanks!",
        "the quoted history is trimmed"
    );

    // The agent's second answer carries the whole thread.
    let second = agent_reply(&app, &peers, conversation, "You're welcome.").await;
    assert_eq!(
        header(&second, "In-Reply-To").as_deref(),
        Some("<c2@customer.test>")
    );
    let references = header(&second, "References").expect("References");
    assert_eq!(
        references,
        format!("<c1@customer.test> <{ours}> <c2@customer.test>")
    );
    assert_ne!(message_id(&second), ours);
    app.stop().await;
}

fn mail_msg_first() -> String {
    mail(
        "Jane Doe <jane@customer.test>",
        "c1@customer.test",
        "Order 15 is late",
        "",
        "Where is my order?\n\n-- \nJane Doe\nCustomer Inc.",
    )
}

#[tokio::test]
async fn gmail_and_outlook_replies_stay_in_their_thread_and_strangers_do_not_join() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    peers.dovecot.deliver(&mail_msg_first());
    wait_for_message(&app, "c1@customer.test").await;
    let conversation = conversations(&app).await[0]["id"].as_i64().expect("id");
    let sent = agent_reply(&app, &peers, conversation, "It ships today.").await;
    let ours = message_id(&sent);
    let reply_to = header(&sent, "Reply-To").expect("Reply-To");
    let signed = reply_to
        .rsplit_once('<')
        .map(|(_, address)| address.trim_end_matches('>').to_owned())
        .expect("address");

    // Gmail: to the Reply-To address, In-Reply-To and References intact.
    peers.dovecot.deliver(&mail_to(
        &signed,
        "Jane Doe <jane@customer.test>",
        "gmail-1@mail.gmail.test",
        &format!("Re: Order 15 is late [#{conversation}]"),
        &format!("In-Reply-To: <{ours}>\nReferences: <c1@customer.test> <{ours}>\n"),
        "From Gmail",
    ));
    // Outlook: In-Reply-To replaced by its own id, "AW:" prefix, tag kept, plain address.
    peers.dovecot.deliver(&mail(
        "Jane Doe <jane@customer.test>",
        "outlook-1@customer.test",
        &format!("AW: Order 15 is late [#{conversation}]"),
        "In-Reply-To: <AM0PR01MB1234.outlook.test>\nThread-Index: AQHZabc123==\n",
        "From Outlook",
    ));
    // A client that keeps nothing but the subject: "Odp:" joins the open conversation.
    peers.dovecot.deliver(&mail(
        "Jane Doe <jane@customer.test>",
        "plain-1@customer.test",
        "Odp: Order 15 is late",
        "",
        "From a plain client",
    ));
    // Another customer answering the thread Jane forwarded to them: same references, same tag,
    // even the signed address, yet a conversation of their own.
    peers.dovecot.deliver(&mail(
        "Bob <bob@other.test>",
        "bob-1@other.test",
        &format!("Re: Fwd: Order 15 is late [#{conversation}]"),
        &format!("In-Reply-To: <{ours}>\nReferences: <c1@customer.test> <{ours}>\nCc: {signed}\n"),
        "I am not Jane",
    ));
    for id in [
        "gmail-1@mail.gmail.test",
        "outlook-1@customer.test",
        "plain-1@customer.test",
        "bob-1@other.test",
    ] {
        wait_for_message(&app, id).await;
    }
    for id in [
        "gmail-1@mail.gmail.test",
        "outlook-1@customer.test",
        "plain-1@customer.test",
    ] {
        assert_eq!(
            conversation_of(&app, id).await,
            conversation,
            "{id} joins the thread"
        );
    }
    let bobs = conversation_of(&app, "bob-1@other.test").await;
    assert_ne!(
        bobs, conversation,
        "another customer never joins Jane's conversation"
    );
    assert_eq!(messages(&app, conversation).await.len(), 5);
    app.stop().await;
}

#[tokio::test]
async fn a_new_subject_after_resolution_opens_a_new_conversation() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    peers.dovecot.deliver(&mail_msg_first());
    wait_for_message(&app, "c1@customer.test").await;
    let conversation = conversations(&app).await[0]["id"].as_i64().expect("id");
    let resolved = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/status"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(resolved.status(), 200);
    // A new matter, written as a reply to the old mail (the client kept In-Reply-To).
    peers.dovecot.deliver(&mail(
        "Jane Doe <jane@customer.test>",
        "c9@customer.test",
        "Invoice address",
        "In-Reply-To: <c1@customer.test>\n",
        "Please change my invoice address.",
    ));
    wait_for_message(&app, "c9@customer.test").await;
    // "Re:" of the resolved subject without any reference opens a new one as well.
    peers.dovecot.deliver(&mail(
        "Jane Doe <jane@customer.test>",
        "c10@customer.test",
        "Re: Order 15 is late",
        "",
        "Another thing about it",
    ));
    wait_for_message(&app, "c10@customer.test").await;
    let first = conversation_of(&app, "c9@customer.test").await;
    let second = conversation_of(&app, "c10@customer.test").await;
    assert_ne!(first, conversation);
    assert_ne!(second, conversation);
    assert_ne!(first, second);
    // A real reply on the old subject reopens the resolved conversation.
    peers.dovecot.deliver(&mail(
        "Jane Doe <jane@customer.test>",
        "c11@customer.test",
        "RE: Order 15 is late",
        "In-Reply-To: <c1@customer.test>\n",
        "It is still not here",
    ));
    wait_for_message(&app, "c11@customer.test").await;
    assert_eq!(
        conversation_of(&app, "c11@customer.test").await,
        conversation
    );
    let reopened = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(reopened["status"], "open");
    assert_eq!(conversations(&app).await.len(), 3);
    app.stop().await;
}

#[tokio::test]
async fn fifty_mails_during_an_outage_are_ingested_once_on_restart() {
    let peers = Peers::start().await;
    let app = TestApp::spawn_on(TestDb::new(app_backend()).await, &peers.channel_config()).await;
    peers.dovecot.deliver(&mail_msg_first());
    wait_for_message(&app, "c1@customer.test").await;
    let db = app.stop_keeping_db().await;
    for n in 0..50 {
        peers.dovecot.deliver(&mail(
            &format!("Customer {n} <customer{n}@customer.test>"),
            &format!("outage-{n}@customer.test"),
            &format!("Question {n}"),
            "",
            &format!("Question number {n}"),
        ));
    }
    let app = TestApp::spawn_on(db, &peers.channel_config()).await;
    for _ in 0..50 {
        app.wait_for_event("message.created").await;
    }
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        51,
        "all, each once"
    );
    let checkpoint = app
        .store
        .checkpoint("mail", "imap:INBOX")
        .await
        .expect("checkpoint")
        .expect("stored");
    assert!(
        checkpoint.ends_with(":51"),
        "the checkpoint covers every UID: {checkpoint}"
    );
    let db = app.stop_keeping_db().await;

    // Another restart with nothing new reads nothing again.
    let app = TestApp::spawn_on(db, &peers.channel_config()).await;
    peers.dovecot.deliver(&mail(
        "x <late@customer.test>",
        "late@customer.test",
        "Late",
        "",
        "late",
    ));
    wait_for_message(&app, "late@customer.test").await;
    assert_eq!(app.store.count_messages().await.expect("count"), 52);
    app.stop().await;
}

#[tokio::test]
async fn a_changed_uidvalidity_resyncs_without_duplicates() {
    let peers = Peers::start().await;
    let db = TestDb::new(app_backend()).await;
    {
        let app = TestApp::spawn_on(db, &peers.channel_config()).await;
        peers.dovecot.deliver(&mail_msg_first());
        app.wait_for_event("message.created").await;
        let db = app.stop_keeping_db().await;
        // The server says the folder is another one now (a migration, a restored backup).
        let store = db.store().await;
        store
            .record_inbound_events(&[], &[Checkpoint::new("mail", "imap:INBOX", "1:999")])
            .await
            .expect("checkpoint");
        store.close().await;
        peers.dovecot.deliver(&mail(
            "Jane Doe <jane@customer.test>",
            "c2@customer.test",
            "Second",
            "",
            "second",
        ));
        let app = TestApp::spawn_on(db, &peers.channel_config()).await;
        wait_for_message(&app, "c2@customer.test").await;
        assert_eq!(
            app.store.count_messages().await.expect("count"),
            2,
            "the old mail is not doubled"
        );
        let checkpoint = app
            .store
            .checkpoint("mail", "imap:INBOX")
            .await
            .expect("read")
            .expect("stored");
        assert!(
            checkpoint.ends_with(":2") && !checkpoint.starts_with("1:"),
            "{checkpoint}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn auto_replies_and_mailing_lists_are_flagged_automated() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    peers.dovecot.deliver(&mail(
        "Jane Doe <jane@customer.test>",
        "oof@customer.test",
        "Automatic reply: Order 15",
        "Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n",
        "I am out of office until Monday.",
    ));
    peers.dovecot.deliver(&mail(
        "Shop News <news@shop.test>",
        "news-1@shop.test",
        "Our November deals",
        "List-Id: Shop news <news.shop.test>\nList-Unsubscribe: <mailto:unsubscribe@shop.test>\nPrecedence: bulk\n",
        "Deals!",
    ));
    peers.dovecot.deliver(&mail(
        "Jane Doe <jane@customer.test>",
        "person@customer.test",
        "A real question",
        "",
        "Hello?",
    ));
    for id in [
        "oof@customer.test",
        "news-1@shop.test",
        "person@customer.test",
    ] {
        wait_for_message(&app, id).await;
    }
    for (id, automated) in [
        ("oof@customer.test", true),
        ("news-1@shop.test", true),
        ("person@customer.test", false),
    ] {
        let conversation = conversation_of(&app, id).await;
        let message = messages(&app, conversation)
            .await
            .into_iter()
            .find(|m| m["external_id"] == id)
            .expect("message");
        assert_eq!(message["automated"], automated, "{id}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_bounce_fails_the_outbound_message_and_suppresses_the_address() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    peers.dovecot.deliver(&mail(
        "Gone <gone@customer.test>",
        "g1@customer.test",
        "Help",
        "",
        "Help me",
    ));
    wait_for_message(&app, "g1@customer.test").await;
    let conversation = conversations(&app).await[0]["id"].as_i64().expect("id");
    let sent = agent_reply(&app, &peers, conversation, "Here is help").await;
    let ours = message_id(&sent);
    let dsn = format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\nTo: {MAILBOX_USER}\n\
         Subject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn-1@mx.customer.test>\n\
         Auto-Submitted: auto-replied\nMIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n\
         --B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\
         --B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.customer.test\n\n\
         Final-Recipient: rfc822; gone@customer.test\nAction: failed\nStatus: 5.1.1\n\
         Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n\
         --B\nContent-Type: text/rfc822-headers\n\nFrom: {MAILBOX_USER}\nTo: gone@customer.test\n\
         Message-ID: <{ours}>\nSubject: Re: Help\n\n--B--\n"
    );
    assert!(
        !app.store
            .is_suppressed("email", "gone@customer.test")
            .await
            .expect("read")
    );
    peers.dovecot.deliver(&dsn);
    // The send itself was a message.updated ("sent") too: wait for the failure.
    let mut failed = false;
    for _ in 0..10 {
        let event = app.wait_for_event("message.updated").await;
        if event.data["delivery_status"] == "failed" {
            failed = true;
            break;
        }
    }
    assert!(failed, "the bounce was recorded");
    let thread = messages(&app, conversation).await;
    let outbound = thread
        .iter()
        .find(|m| m["external_id"] == ours.as_str())
        .expect("ours");
    assert_eq!(outbound["delivery_status"], "failed");
    let error = outbound["delivery_error"].as_str().expect("error");
    assert!(
        error.contains("5.1.1") && error.contains("User unknown"),
        "{error}"
    );
    assert!(
        app.store
            .is_suppressed("email", "gone@customer.test")
            .await
            .expect("read")
    );
    // Where agents look for failures: the deliveries list, with the reason.
    let failed = app.get_json("/api/v1/deliveries?state=failed").await;
    let entry = failed["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["message_id"] == outbound["id"])
        .unwrap_or_else(|| panic!("the bounced reply is not among failed deliveries: {failed}"));
    let reason = entry["last_error"].as_str().expect("last_error");
    assert!(reason.contains("User unknown"), "{reason}");
    assert_eq!(
        thread.len(),
        2,
        "the bounce itself opens no conversation and adds no message"
    );
    app.stop().await;
}

/// The raw mail hook, as Postfix's pipe transport posts it.
pub(crate) async fn post_raw(app: &TestApp, auth: Option<&str>, raw: &str) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/hooks/mail"))
        .header("content-type", "message/rfc822")
        .body(raw.replace('\n', "\r\n"));
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    request.send().await.expect("request")
}

#[tokio::test]
async fn raw_mime_over_http_needs_the_secret_and_html_is_sanitised() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    let raw = format!(
        "From: Jane <jane@customer.test>\nTo: {MAILBOX_USER}\nSubject: Pretty mail\n\
         Message-ID: <html-1@customer.test>\nMIME-Version: 1.0\n\
         Content-Type: multipart/alternative; boundary=\"A\"\n\n\
         --A\nContent-Type: text/plain; charset=utf-8\n\nHello there\n\
         --A\nContent-Type: text/html; charset=utf-8\n\n\
         <p onclick=\"steal()\">Hello <b>there</b><script>alert('x')</script>\
         <img src=\"https://img.test/a.png\" onerror=\"alert(1)\"><a href=\"javascript:evil()\">link</a></p>\n\
         --A--\n"
    );
    let refused = post_raw(&app, None, &raw).await;
    assert_eq!(refused.status(), 401);
    let wrong = post_raw(&app, Some("Bearer not-the-secret"), &raw).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        0,
        "nothing stored"
    );
    let garbage = post_raw(&app, Some(&format!("Bearer {SECRET}")), "").await;
    assert_eq!(garbage.status(), 400);

    let accepted = post_raw(&app, Some(&format!("Bearer {SECRET}")), &raw).await;
    assert_eq!(accepted.status(), 200);
    let body: Value = accepted.json().await.expect("json");
    assert_eq!(body["accepted"], 1);
    let again = post_raw(&app, Some(&format!("Bearer {SECRET}")), &raw).await;
    let again: Value = again.json().await.expect("json");
    assert_eq!(
        again["duplicates"], 1,
        "a redelivery is recognised by Message-ID"
    );

    let conversation = conversation_of(&app, "html-1@customer.test").await;
    let message = &messages(&app, conversation).await[0];
    assert_eq!(message["text"], "Hello there");
    let html = message["html"].as_str().expect("html");
    for bad in ["<script", "onerror", "onclick", "javascript:"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    assert!(html.contains("<b>there</b>"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn attachments_are_stored_and_downloadable() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    peers.dovecot.deliver(&format!(
        "From: Jane <jane@customer.test>\nTo: {MAILBOX_USER}\nSubject: Photo\n\
         Message-ID: <att-1@customer.test>\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"M\"\n\n\
         --M\nContent-Type: text/plain\n\nSee the photo\n\
         --M\nContent-Type: image/png; name=\"broken.png\"\nContent-Disposition: attachment; filename=\"broken.png\"\n\
         Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--M--\n"
    ));
    wait_for_message(&app, "att-1@customer.test").await;
    let conversation = conversation_of(&app, "att-1@customer.test").await;
    let message = &messages(&app, conversation).await[0];
    assert_eq!(message["attachments"][0]["name"], "broken.png");
    let id = message["id"].as_i64().expect("id");
    let download = app
        .get(
            &format!("/api/v1/messages/{id}/attachments/0"),
            &app.admin_token,
        )
        .await;
    assert_eq!(download.status(), 200);
    let bytes = download.bytes().await.expect("bytes");
    assert_eq!(&bytes[..], b"\x89PNG\r\n\x1a\n");
    app.stop().await;
}

fn hinted(id: &str, from: &str, references: &[&str], subject: &str) -> InboundEvent {
    let sender = Sender::new("email", from).with_email(from);
    let mut message = InboundMessage::text("mail", id, sender, format!("text of {id}"));
    let mut threading = Threading::new(
        None,
        references.iter().map(|r| (*r).to_owned()).collect(),
        None,
        Some(subject.to_owned()),
    );
    threading.is_reply = !references.is_empty();
    message.threading = Some(threading);
    InboundEvent::Message(message)
}

#[tokio::test]
async fn a_reply_committed_with_its_parent_joins_it_but_not_a_strangers_reply() {
    on_each_backend(|store| async move {
        let batch = [
            hinted("p1@c.test", "jane@c.test", &[], "Order"),
            hinted("r1@c.test", "jane@c.test", &["p1@c.test"], "Order"),
            hinted("s1@c.test", "bob@c.test", &["p1@c.test"], "Order"),
            hinted("n1@c.test", "jane@c.test", &[], "Something else"),
        ];
        let (receipts, _) = store
            .record_inbound_events(&batch, &[])
            .await
            .expect("stored");
        assert_eq!(receipts[1].conversation_id, receipts[0].conversation_id);
        assert_ne!(receipts[2].conversation_id, receipts[0].conversation_id);
        assert_ne!(receipts[3].conversation_id, receipts[0].conversation_id);
        // Committed later, a reply finds its parent in the store the same way.
        let later = [hinted("r2@c.test", "jane@c.test", &["r1@c.test"], "Order")];
        let (again, _) = store
            .record_inbound_events(&later, &[])
            .await
            .expect("stored");
        assert_eq!(again[0].conversation_id, receipts[0].conversation_id);
        let (repeat, _) = store
            .record_inbound_events(&later, &[])
            .await
            .expect("stored");
        assert!(repeat[0].duplicate);
    })
    .await;
}

#[tokio::test]
async fn automatic_replies_carry_the_rfc_3834_markers() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    peers.dovecot.deliver(&mail_msg_first());
    wait_for_message(&app, "c1@customer.test").await;
    let conversation = conversations(&app).await[0]["id"].as_i64().expect("id");
    // What an acknowledgement rule queues: a bot reply with an HTML part.
    app.store
        .add_reply(&NewReply {
            conversation: ConversationId::new(conversation),
            author: ReplyAuthor::Bot,
            text: "We got your mail.".into(),
            html: Some("<p>We got your <b>mail</b>.</p>".into()),
            markup: None,
            attachments: Vec::new(),
            template: None,
            lane: Lane::Reply,
            written_as: None,
        })
        .await
        .expect("queued");
    app.drain_outbox().await;
    let sent = peers.sink.wait_for(1).await.remove(0);
    assert_eq!(
        header(&sent, "Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    assert_eq!(
        header(&sent, "X-Auto-Response-Suppress").as_deref(),
        Some("All")
    );
    assert_eq!(
        header(&sent, "In-Reply-To").as_deref(),
        Some("<c1@customer.test>")
    );
    assert!(
        sent.contains("<b>mail</b>"),
        "the HTML part is sent: {sent}"
    );
    assert!(
        sent.contains("We got your mail."),
        "with its text part: {sent}"
    );
    app.stop().await;
}

/// A channel on TLS: IMAP over `imap_tls` at `imap_port`, SMTP over `smtp_tls`, trusting the
/// test certificate.
fn tls_channel(name: &str, imap: (&str, u16), smtp: (&str, u16), cert: &TestCert) -> String {
    format!(
        "[[channels]]\nname = {name:?}\nkind = \"email\"\naddress = {MAILBOX_USER:?}\n\
         display_name = \"ACME Support\"\ndomain = \"example.test\"\nsecret = {SECRET:?}\n\
         imap_host = \"127.0.0.1\"\nimap_port = {}\nimap_tls = {:?}\nimap_password = {MAILBOX_PASSWORD:?}\n\
         smtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_tls = {:?}\ntls_ca_file = {:?}\n",
        imap.1,
        imap.0,
        smtp.1,
        smtp.0,
        cert.cert.display().to_string(),
    )
}

#[tokio::test]
async fn imap_and_smtp_work_over_implicit_tls_and_starttls() {
    let cert = TestCert::generate();
    let dovecot = Dovecot::start_with(Some(&cert)).await;
    let starttls_sink = SmtpSink::start_with(SinkTls::Starttls(&cert)).await;
    let implicit_sink = SmtpSink::start_with(SinkTls::Implicit(&cert)).await;
    let tls_port = dovecot.tls_port.expect("imaps port");
    // Two channels on the same mailbox: each reads it on its own checkpoint.
    let config = format!(
        "{}{}",
        tls_channel(
            "mail",
            ("implicit", tls_port),
            ("starttls", starttls_sink.port),
            &cert
        ),
        tls_channel(
            "mail2",
            ("starttls", dovecot.port),
            ("implicit", implicit_sink.port),
            &cert
        ),
    );
    let app = TestApp::spawn_with(&config).await;
    dovecot.deliver(&mail_msg_first());
    for (channel, sink) in [("mail", &starttls_sink), ("mail2", &implicit_sink)] {
        let conversation = loop {
            let list = app
                .get_json(&format!("/api/v1/conversations?channel={channel}"))
                .await;
            if let Some(first) = list["items"].as_array().and_then(|items| items.first()) {
                break first["id"].as_i64().expect("id");
            }
            app.wait_for_event("message.created").await;
        };
        let response = app
            .post_json(
                &format!("/api/v1/conversations/{conversation}/reply"),
                json!({"text": format!("over TLS via {channel}")}),
            )
            .await;
        assert_eq!(response.status(), 202);
        app.drain_outbox().await;
        let received = sink.wait_for(1).await;
        assert!(
            received[0].contains(&format!("over TLS via {channel}")),
            "{channel}"
        );
        assert_eq!(
            header(&received[0], "In-Reply-To").as_deref(),
            Some("<c1@customer.test>")
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_sender_name_with_an_encoded_line_break_cannot_add_a_header_to_the_reply() {
    let peers = Peers::start().await;
    let app = peers.app().await;
    // `=?utf-8?b?…?=` of "Mallory\r\nBcc: x@evil.test": the decoded name holds a line break.
    let raw = mail(
        "=?utf-8?b?TWFsbG9yeQ0KQmNjOiB4QGV2aWwudGVzdA==?= <m@example.com>",
        "crlf-1@example.com",
        "Order 9",
        "",
        "Hello",
    );
    let accepted = post_raw(&app, Some(&format!("Bearer {SECRET}")), &raw).await;
    assert_eq!(accepted.status(), 200);
    let conversation = conversation_of(&app, "crlf-1@example.com").await;

    let sent = agent_reply(&app, &peers, conversation, "On its way.").await;
    assert_eq!(header(&sent, "Bcc"), None, "{sent}");
    // The name, on one line, as an encoded word: base64 of "Mallory Bcc: x@evil.test".
    assert_eq!(
        header(&sent, "To").as_deref(),
        Some("=?utf-8?b?TWFsbG9yeSBCY2M6IHhAZXZpbC50ZXN0?= <m@example.com>"),
        "{sent}"
    );
    assert_eq!(header(&sent, "X-RcptTo").as_deref(), Some("m@example.com"));
    // The dispatcher is still there for the next reply.
    let again = agent_reply(&app, &peers, conversation, "Tracking: 42.").await;
    assert!(again.contains("Tracking: 42."), "{again}");
    app.stop().await;
}
