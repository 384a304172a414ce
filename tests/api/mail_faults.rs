//! Faults: mail servers hanging up mid-command. SMTP: a reply is retried (the dispatcher's
//! transient failure), a dropped pooled session does not poison the next send, and a mail cut
//! after its final dot (in doubt: the server may have kept it) goes again with the same
//! Message-ID, so the receiving side can recognise the repeat. IMAP: the connection dropped
//! in IDLE (and refused for a while) is re-established and reading resumes from the UID
//! checkpoint, every mail stored once.

use serde_json::{Value, json};

use crate::cut_proxy::CutProxy;
use crate::helpers::TestApp;
use crate::mail_peers::{Dovecot, MAILBOX_PASSWORD, header};
use crate::smtp_dropper::{DropAt, SmtpDropper};

const SECRET: &str = "mail-channel-secret-0123456789";

fn channel_config(smtp_port: u16, blobs: &std::path::Path) -> String {
    format!(
        "[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"support@example.test\"\n\
         display_name = \"ACME Support\"\ndomain = \"example.test\"\nsecret = {SECRET:?}\n\
         smtp_host = \"127.0.0.1\"\nsmtp_port = {smtp_port}\nsmtp_tls = \"none\"\nblob_dir = {:?}\n",
        blobs.display().to_string(),
    )
}

/// A customer's mail over the raw-MIME hook; returns its conversation.
async fn customer_writes(app: &TestApp, id: &str) -> i64 {
    let raw = format!(
        "From: Jane <jane@customer.test>\r\nTo: support@example.test\r\nSubject: Order {id}\r\n\
         Message-ID: <{id}@customer.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nWhere is it?\r\n"
    );
    let response = app
        .client
        .post(app.url("/hooks/mail"))
        .header("content-type", "message/rfc822")
        .header("authorization", format!("Bearer {SECRET}"))
        .body(raw)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let receipt: Value = response.json().await.expect("json");
    receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("conversation")
}

/// Cut after MAIL FROM, then after 354, then (on a pooled session) after the final dot: each
/// is a retry (the test config allows three attempts, so at most two cuts per reply), the
/// broken session is not reused, and every reply is delivered once the server behaves, the
/// in-doubt one again under the Message-ID of its first try.
#[tokio::test]
async fn smtp_sessions_dropped_mid_command_are_retried_and_delivered() {
    let server = SmtpDropper::start(&[
        Some(DropAt::MailFrom),
        Some(DropAt::AfterDataGo),
        None,
        // On the session the first reply left open in the pool.
        Some(DropAt::BeforeFinalAnswer),
    ])
    .await;
    let blobs = tempfile::tempdir().expect("temp dir");
    let app = TestApp::spawn_with(&channel_config(server.port, blobs.path())).await;
    let conversation = customer_writes(&app, "order-1").await;
    let path = format!("/api/v1/conversations/{conversation}/reply");
    let reply = |text: &'static str| app.post_json(&path, json!({ "text": text }));

    // Dropped after MAIL FROM, then after 354: nothing reached the server; third time lucky.
    assert_eq!(reply("first answer").await.status(), 202);
    for cut in ["MAIL FROM", "354"] {
        let outcome = app.dispatcher.run_once().await.expect("pass");
        assert_eq!((outcome.retried, outcome.failed), (1, 0), "cut after {cut}");
    }
    assert_eq!(app.dispatcher.run_once().await.expect("pass").sent, 1);

    // Dropped after the final dot: the server has the mail but never said 250.
    assert_eq!(reply("second answer").await.status(), 202);
    let outcome = app.dispatcher.run_once().await.expect("pass");
    assert_eq!(outcome.retried, 1, "no 250, so not known to be sent");
    assert_eq!(app.dispatcher.run_once().await.expect("pass").sent, 1);

    let received = server.wait_for_acknowledged(2).await;
    let texts: Vec<(String, bool, String)> = received
        .iter()
        .map(|(mail, acknowledged)| {
            let id = header(mail, "Message-ID").expect("Message-ID");
            (id, *acknowledged, mail.clone())
        })
        .collect();
    assert_eq!(
        texts.len(),
        3,
        "first once; second in doubt, then again: {received:?}"
    );
    assert!(texts[0].1 && texts[0].2.contains("first answer"));
    assert!(!texts[1].1 && texts[1].2.contains("second answer"));
    assert!(texts[2].1 && texts[2].2.contains("second answer"));
    assert_eq!(texts[1].0, texts[2].0, "the repeat keeps its Message-ID");
    assert_ne!(texts[0].0, texts[1].0);
    assert_eq!(app.dispatcher.run_once().await.expect("pass").claimed, 0);
    app.stop().await;
}

/// A customer's mail as Dovecot delivers it.
fn customer_mail(n: usize) -> String {
    format!(
        "From: Customer {n} <c{n}@customer.test>\nTo: support@example.test\nSubject: Question {n}\n\
         Message-ID: <imap-{n}@customer.test>\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\n\nQuestion number {n}\n"
    )
}

/// The IMAP connection drops while the listener idles, and the server stays unreachable while
/// mail arrives: the listener reconnects by itself and reads from its checkpoint.
#[tokio::test]
async fn imap_dropped_in_idle_reconnects_and_reads_every_mail_once() {
    let dovecot = Dovecot::start().await;
    let upstream = std::net::SocketAddr::from(([127, 0, 0, 1], dovecot.port));
    let proxy = CutProxy::start(upstream).await;
    let blobs = tempfile::tempdir().expect("temp dir");
    let smtp = SmtpDropper::start(&[]).await;
    let config = format!(
        "{}imap_host = \"127.0.0.1\"\nimap_port = {}\nimap_tls = \"none\"\n\
         imap_password = {MAILBOX_PASSWORD:?}\nidle_secs = 60\n",
        channel_config(smtp.port, blobs.path()),
        proxy.addr.port(),
    );
    let app = TestApp::spawn_with(&config).await;
    dovecot.deliver(&customer_mail(0));
    app.wait_for_event("message.created").await;

    // Cut while the listener sits in IDLE; the mail arriving now waits in the mailbox.
    proxy.cut();
    for n in 1..=3 {
        dovecot.deliver(&customer_mail(n));
    }
    // The server stays away until the listener has noticed and failed to reconnect.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let channels = app.get_json("/api/v1/channels").await;
        let mail = channels
            .as_array()
            .expect("channels")
            .iter()
            .find(|channel| channel["name"] == "mail")
            .cloned()
            .expect("the mail channel");
        if mail["last_error"].is_string() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the listener never noticed the drop: {mail}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    proxy.restore().await;
    for _ in 1..=3 {
        app.wait_for_event("message.created").await;
    }
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        4,
        "each once"
    );
    let checkpoint = app
        .store
        .checkpoint("mail", "imap:INBOX")
        .await
        .expect("checkpoint")
        .expect("stored");
    assert!(
        checkpoint.ends_with(":4"),
        "the checkpoint covers every UID: {checkpoint}"
    );
    app.stop().await;
}
