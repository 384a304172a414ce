use connector_sdk::{DeliveryState, InboundEvent, InboundMessage};

use super::Reader;
use crate::address::Signer;
use crate::blobs::BlobStore;

pub(super) struct Fixture {
    pub(super) signer: Signer,
    pub(super) blobs: BlobStore,
    own: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    pub(super) fn new() -> Self {
        let dir = tempfile::tempdir().expect("dir");
        Self {
            signer: Signer::new(b"secret", "support@example.test", "example.test"),
            blobs: BlobStore::new(dir.path()),
            own: vec!["support@example.test".into()],
            _dir: dir,
        }
    }

    pub(super) fn reader(&self) -> Reader<'_> {
        Reader {
            channel: "mail",
            scope: "email",
            signer: &self.signer,
            own: &self.own,
            blobs: &self.blobs,
            max_attachment_bytes: 1024,
            spooled: None,
        }
    }

    pub(super) fn message(&self, raw: &str) -> InboundMessage {
        match self.reader().read(raw.as_bytes()).expect("read").as_slice() {
            [InboundEvent::Message(message)] => message.clone(),
            other => panic!("expected one message, got {other:?}"),
        }
    }
}

#[test]
fn a_new_mail_becomes_a_message_with_hints() {
    let fixture = Fixture::new();
    let message = fixture.message(
        "From: \"Jane Doe\" <Jane@Customer.test>\r\nTo: support@example.test\r\n\
         Subject: Order 15 is late\r\nDate: Tue, 24 Nov 2026 10:00:00 +0100\r\n\
         Message-ID: <c1@customer.test>\r\n\r\nWhere is my order?\r\n\r\n-- \r\nJane\r\n",
    );
    assert_eq!(message.external_id, "c1@customer.test");
    assert_eq!(message.sender.external_id, "jane@customer.test");
    assert_eq!(message.sender.scope, "email");
    assert_eq!(message.sender.name.as_deref(), Some("Jane Doe"));
    assert_eq!(message.sender.email.as_deref(), Some("jane@customer.test"));
    assert_eq!(message.text, "Where is my order?");
    assert!(
        message
            .full_text
            .as_deref()
            .is_some_and(|full| full.contains("Jane"))
    );
    assert_eq!(
        message.sent_at.map(|at| at.timestamp()),
        Some(1_795_510_800)
    );
    assert!(!message.automated);
    let threading = message.threading.expect("hints");
    assert_eq!(threading.subject.as_deref(), Some("Order 15 is late"));
    assert_eq!(threading.conversation, None);
    assert!(threading.references.is_empty());
}

#[test]
fn replies_carry_references_tag_and_signed_address() {
    let fixture = Fixture::new();
    let reply_to = fixture.signer.reply_address(42);
    let message = fixture.message(&format!(
        "From: jane@customer.test\r\nTo: ACME <{reply_to}>\r\nSubject: AW: Order 15 [#42]\r\n\
         Message-ID: <c3@customer.test>\r\nIn-Reply-To: <sb.2.x@example.test>\r\n\
         References: <c1@customer.test>\r\n <sb.2.x@example.test>\r\n\r\nThanks\r\n"
    ));
    let threading = message.threading.expect("hints");
    assert_eq!(threading.conversation, Some(42));
    assert_eq!(threading.subject_tag, Some(42));
    assert_eq!(threading.subject.as_deref(), Some("Order 15"));
    assert_eq!(
        threading.references,
        vec![
            "sb.2.x@example.test".to_owned(),
            "c1@customer.test".to_owned()
        ]
    );
}

#[test]
fn a_forged_reply_address_gives_no_conversation() {
    let fixture = Fixture::new();
    let forged = fixture.signer.reply_address(42).replace("c42.", "c7.");
    let message = fixture.message(&format!(
        "From: eve@evil.test\r\nTo: {forged}\r\nSubject: hi\r\nMessage-ID: <e@evil.test>\r\n\r\nx\r\n"
    ));
    assert_eq!(message.threading.expect("hints").conversation, None);
}

#[test]
fn automated_mail_is_flagged() {
    let fixture = Fixture::new();
    for header in [
        "Auto-Submitted: auto-replied",
        "X-Autoreply: yes",
        "Precedence: list",
        "List-Id: News <news.shop.test>",
        "List-Unsubscribe: <mailto:unsub@shop.test>",
        "Return-Path: <>",
    ] {
        let message = fixture.message(&format!(
            "From: jane@customer.test\r\n{header}\r\nSubject: Out of office\r\nMessage-ID: <oof@c>\r\n\r\nAway\r\n"
        ));
        assert!(message.automated, "{header}");
    }
    let own = fixture
        .message("From: support@example.test\r\nSubject: x\r\nMessage-ID: <own@e>\r\n\r\nx\r\n");
    assert!(own.automated);
}

#[test]
fn html_is_sanitised_and_text_derived_when_missing() {
    let fixture = Fixture::new();
    let message = fixture.message(
        "From: jane@customer.test\r\nSubject: html\r\nMessage-ID: <h@c>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Hello <b>there</b><script>alert(1)</script><img src=x onerror=\"alert(2)\"></p>\r\n",
    );
    let html = message.html.expect("html");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("onerror"), "{html}");
    assert!(html.contains("<b>there</b>"), "{html}");
    assert_eq!(message.text, "Hello there");
}

#[test]
fn attachments_go_to_the_blob_store_within_the_limit() {
    let fixture = Fixture::new();
    let big = "A".repeat(2000);
    let raw = format!(
        "From: jane@customer.test\r\nSubject: files\r\nMessage-ID: <f@c>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"X\"\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\n\
         see attached\r\n--X\r\nContent-Type: text/plain; name=\"note.txt\"\r\n\
         Content-Disposition: attachment; filename=\"note.txt\"\r\n\r\nsmall file\r\n--X\r\n\
         Content-Type: application/octet-stream; name=\"big.bin\"\r\n\
         Content-Disposition: attachment; filename=\"big.bin\"\r\n\r\n{big}\r\n--X--\r\n"
    );
    let message = fixture.message(&raw);
    assert_eq!(message.text, "see attached");
    assert_eq!(message.attachments.len(), 2);
    let small = &message.attachments[0];
    assert_eq!(small.name.as_deref(), Some("note.txt"));
    let stored = fixture
        .blobs
        .get(small.file_id.as_deref().expect("stored"))
        .expect("get");
    assert_eq!(stored.as_deref(), Some(&b"small file"[..]));
    let large = &message.attachments[1];
    assert_eq!(large.name.as_deref(), Some("big.bin"));
    assert_eq!(large.file_id, None);
    assert!(large.size.is_some_and(|size| size >= 2000));
}

#[test]
fn a_mail_without_message_id_gets_a_stable_one() {
    let fixture = Fixture::new();
    let raw = "From: jane@customer.test\r\nSubject: no id\r\n\r\nhello\r\n";
    let one = fixture.message(raw);
    let two = fixture.message(raw);
    assert_eq!(one.external_id, two.external_id);
    assert!(one.external_id.ends_with("@synthetic.switchboard"));
}

/// The test DSN, reporting on our message 5 as sent to `sent_to`.
fn dsn_on_our_message_to(fixture: &Fixture, sent_to: &str) -> (String, String) {
    let ours = fixture.signer.message_id("5", 1_000, sent_to);
    (
        crate::bounce::tests::DSN.replace("sb.5.abc@example.test", &ours),
        ours,
    )
}

#[test]
fn a_bounce_fails_our_message_and_suppresses_the_address() {
    let fixture = Fixture::new();
    let (dsn, ours) = dsn_on_our_message_to(&fixture, "Gone@Customer.test");
    let events = fixture.reader().read(dsn.as_bytes()).expect("read");
    match events.as_slice() {
        [
            InboundEvent::Delivery(update),
            InboundEvent::Suppressed(suppression),
        ] => {
            assert_eq!(update.external_id, ours);
            assert_eq!(update.state, DeliveryState::Failed);
            assert!(update.error.as_deref().is_some_and(|e| e.contains("5.1.1")));
            assert_eq!(suppression.address, "gone@customer.test");
            assert_eq!(suppression.scope, "email");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_forged_bounce_with_an_id_of_our_shape_is_kept_as_mail_and_suppresses_nothing() {
    let fixture = Fixture::new();
    let forged = crate::bounce::tests::DSN.replace(
        "sb.5.abc@example.test",
        "sb.5.0123456789abcdef.0123456789abcdef@example.test",
    );
    let message = fixture.message(&forged);
    assert!(message.automated, "a person sees it flagged as automated");
    assert_eq!(message.external_id, "dsn-1@mx.example.test");
}

#[test]
fn a_bounce_naming_another_recipient_than_our_message_had_suppresses_nothing() {
    let fixture = Fixture::new();
    let (dsn, _) = dsn_on_our_message_to(&fixture, "jane@customer.test");
    let message = fixture.message(&dsn);
    assert!(message.automated);
    assert_eq!(message.external_id, "dsn-1@mx.example.test");
}

#[test]
fn a_bounce_on_a_message_id_of_the_previous_form_is_kept_as_mail() {
    // The DSN names `sb.5.abc@example.test`: our old shape, whose MAC names no recipient.
    let message = Fixture::new().message(crate::bounce::tests::DSN);
    assert!(message.automated);
}

#[test]
fn a_customer_mail_whose_message_id_looks_like_ours_is_the_customers() {
    let fixture = Fixture::new();
    let message = fixture.message(
        "From: jane@customer.test\r\nTo: support@example.test\r\nSubject: help\r\n\
         Message-ID: <sb.12.0123456789abcdef.0123456789abcdef@example.test>\r\n\r\nhello\r\n",
    );
    assert_eq!(
        message.external_id,
        "sb.12.0123456789abcdef.0123456789abcdef@example.test"
    );
    assert_eq!(message.text, "hello");
    assert!(!message.automated);
}

#[test]
fn garbage_is_refused() {
    let fixture = Fixture::new();
    assert!(fixture.reader().read(b"").is_err());
    assert!(
        fixture
            .reader()
            .read(b"Subject: no sender\r\n\r\nx")
            .is_err()
    );
}

#[test]
fn every_prefix_of_real_mail_is_read_or_refused_without_panicking() {
    let fixture = Fixture::new();
    let samples = [
        crate::bounce::tests::DSN.to_owned(),
        "From: \"Jane\" <jane@customer.test>\r\nTo: support+c4.ab@example.test\r\nSubject: AW: x [#4]\r\n\
         In-Reply-To: <a@b>\r\nReferences: <a@b> <c@d>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"X\"\r\n\r\n--X\r\nContent-Type: text/html\r\n\r\n\
         <p>hi</p>\r\n--X\r\nContent-Type: image/png; name=a.png\r\n\
         Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--X--\r\n"
            .to_owned(),
    ];
    for sample in samples {
        let bytes = sample.as_bytes();
        for end in 0..=bytes.len() {
            // Ok or a refusal are both fine; a panic is the failure this looks for.
            let _ = fixture.reader().read(&bytes[..end]);
        }
        // And with bytes flipped in the middle.
        let mut mangled = bytes.to_vec();
        for index in (0..mangled.len()).step_by(7) {
            mangled[index] ^= 0x5a;
        }
        let _ = fixture.reader().read(&mangled);
    }
}

#[test]
fn a_report_on_someone_elses_mail_is_kept_as_an_automated_message() {
    let fixture = Fixture::new();
    let foreign =
        crate::bounce::tests::DSN.replace("sb.5.abc@example.test", "personal-1@customer.test");
    let message = fixture.message(&foreign);
    assert!(message.automated);
    assert_eq!(message.external_id, "dsn-1@mx.example.test");
}

#[test]
fn inline_images_are_kept_with_their_content_id() {
    let fixture = Fixture::new();
    let message = fixture.message(
        "From: jane@customer.test\r\nSubject: logo\r\nMessage-ID: <i@c>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=\"R\"\r\n\r\n--R\r\n\
         Content-Type: text/html\r\n\r\n<p>Look <img src=\"cid:logo@c\"></p>\r\n--R\r\n\
         Content-Type: image/png\r\nContent-ID: <logo@c>\r\nContent-Disposition: inline\r\n\
         Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--R--\r\n",
    );
    assert!(
        message
            .html
            .as_deref()
            .is_some_and(|html| html.contains("cid:logo@c"))
    );
    assert_eq!(message.attachments.len(), 1, "{:?}", message.attachments);
    let image = &message.attachments[0];
    assert_eq!(image.name.as_deref(), Some("inline-logo@c"));
    assert_eq!(image.content_id.as_deref(), Some("logo@c"));
    assert_eq!(image.mime_type.as_deref(), Some("image/png"));
    let bytes = fixture
        .blobs
        .get(image.file_id.as_deref().expect("stored"))
        .expect("read");
    assert_eq!(bytes.as_deref(), Some(&b"\x89PNG\r\n\x1a\n"[..]));
    assert_eq!(message.text, "Look");
}

#[test]
fn copies_of_our_own_mail_are_skipped() {
    let fixture = Fixture::new();
    let ours = fixture.signer.message_id("12", 1_000, "jane@customer.test");
    let raw = format!(
        "From: ACME <support@example.test>\r\nTo: jane@customer.test\r\nSubject: Re: x\r\n\
         Message-ID: <{ours}>\r\n\r\nour answer\r\n"
    );
    assert!(
        fixture
            .reader()
            .read(raw.as_bytes())
            .expect("read")
            .is_empty()
    );
}

#[test]
fn a_named_inline_image_keeps_its_content_id_and_a_tracking_pixel_is_dropped() {
    let fixture = Fixture::new();
    let message = fixture.message(
        "From: jane@customer.test\r\nSubject: photo\r\nMessage-ID: <p@c>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=\"R\"\r\n\r\n--R\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n<p>Broken box:</p><img src=\"cid:image001.png@01DB7A\">\
         <img src=\"https://track.example/o.gif?id=7\" width=\"1\" height=\"1\" border=\"0\">\r\n--R\r\n\
         Content-Type: image/png; name=\"image001.png\"\r\nContent-ID: <image001.png@01DB7A>\r\n\
         Content-Disposition: inline; filename=\"image001.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--R--\r\n",
    );
    let html = message.html.expect("html");
    assert!(!html.contains("track.example"), "{html}");
    assert!(html.contains("cid:image001.png@01DB7A"), "{html}");
    let image = &message.attachments[0];
    assert_eq!(image.name.as_deref(), Some("image001.png"));
    assert_eq!(image.content_id.as_deref(), Some("image001.png@01DB7A"));
}

#[test]
fn an_answer_below_the_quote_is_the_text_and_the_whole_mail_is_kept() {
    let fixture = Fixture::new();
    let body = "Hello,\r\n\r\nOn Mon, 3 Feb 2025 at 10:00, Support <support@example.test> wrote:\r\n\
                > what is your order number?\r\n\r\nSure, it is 12345.\r\n";
    let message = fixture.message(&format!(
        "From: jane@customer.test\r\nSubject: Re: order\r\nMessage-ID: <b@c>\r\n\r\n{body}"
    ));
    assert_eq!(
        message.text,
        "Hello,\n\n> what is your order number?\n\nSure, it is 12345."
    );
    assert_eq!(message.full_text.as_deref(), Some(body));
}

#[test]
fn html_only_mail_becomes_readable_text() {
    let fixture = Fixture::new();
    let message = fixture.message(&format!(
        "From: jan@customer.test\r\nSubject: objednavka\r\nMessage-ID: <cz@c>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p {{ margin: 0 }}</style></head>\
         <body><p>Dobr&yacute; den,</p>{}<p>objedn&aacute;vka &#268;. 12345 &ndash; kde je?</p>\
         <ul><li>boty</li><li>ta&scaron;ka</li></ul><p><a href=\"https://shop.test/o/12345\">Detail</a></p></body></html>\r\n",
        "<p><br></p>\r\n".repeat(30)
    ));
    assert_eq!(
        message.text,
        "Dobrý den,\n\nobjednávka Č. 12345 – kde je?\n\n- boty\n- taška\n\n\
         Detail (https://shop.test/o/12345)"
    );
}

/// The log lines of everything `run` does, as the service's text format writes them, with
/// `log` records (html5ever's) turned into events as the service does.
fn logs_of(run: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // The `log` → `tracing` bridge is process-wide and may be installed already: fine.
    let _ = tracing_log::LogTracer::init();
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        // Another test thread may have met the reader's span with no subscriber and cached
        // "never" for it; recompute with this thread's subscriber in place.
        tracing::callsite::rebuild_interest_cache();
        run();
    });
    let bytes = buffer.0.lock().expect("buffer").clone();
    String::from_utf8(bytes).expect("utf-8")
}

#[test]
fn html_parser_warnings_name_the_channel_and_message() {
    let fixture = Fixture::new();
    let warning_of_one_run = || {
        let logs = logs_of(|| {
            fixture.message(
                "From: jane@customer.test\r\nSubject: table\r\nMessage-ID: <warn-1@customer.test>\r\n\
                 MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<table><b>misplaced</b><tr><td>x</td></tr></table>\r\n",
            );
        });
        logs.lines()
            .find(|line| line.contains("foster parenting"))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no parser warning in {logs:?}"))
    };
    let names_them = |warning: &str| {
        (warning.contains("channel=\"mail\"") || warning.contains("channel=mail"))
            && warning.contains("warn-1@customer.test")
    };
    // tracing caches, per call site and for the whole process, whether anyone listens; a
    // test thread running at the same moment without a subscriber can cache "never" for the
    // span between our rebuild of that cache and its use (the service has one global
    // subscriber and never meets this). A few runs make the check deterministic; a span that
    // never names them still fails every one.
    let mut warning = warning_of_one_run();
    for _ in 0..4 {
        if names_them(&warning) {
            break;
        }
        warning = warning_of_one_run();
    }
    assert!(names_them(&warning), "{warning}");
}
