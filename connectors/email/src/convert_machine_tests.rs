//! Mail as real servers and clients write it: auto-replies without RFC 3834 headers, delay
//! notices and old-style bounces, every charset, and the odd shapes (no final newline, parts
//! without a name).

use base64::Engine;
use connector_sdk::{DeliveryState, InboundEvent};

use super::tests::Fixture;

/// A reply from `from` with the extra `headers` (each ending in CRLF).
fn reply_with(headers: &str, subject: &str) -> String {
    format!(
        "From: Jane <jane@customer.test>\r\nTo: support@example.test\r\n{headers}\
         Subject: {subject}\r\nMessage-ID: <auto-{}@customer.test>\r\n\r\n\
         I am away until Monday.\r\n",
        subject.len() + headers.len()
    )
}

#[test]
fn vacation_replies_of_real_servers_are_automated() {
    let fixture = Fixture::new();
    let cases = [
        ("X-Apple-Action: VACATION\r\n", "Re: Order 15"),
        ("X-Autoreply: yes\r\n", "Re: Order 15"),
        ("X-Autorespond: Re: Order 15\r\n", "Re: Order 15"),
        ("Precedence: auto_reply\r\n", "Re: Order 15"),
        (
            "",
            "AUTO: Jane Doe is out of the office (returning 01/12/2026)",
        ),
        ("", "Automatická odpověď: Re: Objednávka 15"),
        (
            "",
            "=?UTF-8?Q?Automatick=C3=A1_odpov=C4=9B=C4=8F=3A?= Re: 15",
        ),
        ("", "Abwesenheitsnotiz: Re: Bestellung 15"),
        ("", "=?iso-8859-1?Q?R=E9ponse_automatique_:_Re:_Commande?="),
        ("", "Out of Office: Re: Order 15"),
        ("", "Automatic reply: Re: Order 15"),
    ];
    for (headers, subject) in cases {
        let message = fixture.message(&reply_with(headers, subject));
        assert!(message.automated, "{headers}{subject}");
    }
    let person = fixture.message(&reply_with("", "Out of office hours support?"));
    assert!(!person.automated);
}

#[test]
fn a_delay_notice_becomes_a_note_on_our_message() {
    let fixture = Fixture::new();
    let ours = fixture
        .signer
        .message_id("7", 1_700_000_000_000, "slow@customer.test");
    let dsn = crate::bounce::tests::DSN
        .replace("sb.5.abc@example.test", &ours)
        .replace("gone@customer.test", "slow@customer.test")
        .replace("Action: failed", "Action: delayed")
        .replace("Status: 5.1.1", "Status: 4.4.7");
    let events = fixture.reader().read(dsn.as_bytes()).expect("read");
    let [InboundEvent::Delivery(update)] = events.as_slice() else {
        panic!("expected one delivery note, got {events:?}");
    };
    assert_eq!(update.external_id, ours);
    assert_eq!(update.state, DeliveryState::Sent);
    assert_eq!(update.error, None);
    assert!(
        update
            .note
            .as_deref()
            .is_some_and(|note| note.starts_with("delayed 4.4.7")),
        "{update:?}"
    );
}

#[test]
fn a_qmail_bounce_fails_our_message_and_suppresses_the_address() {
    let fixture = Fixture::new();
    let ours = fixture
        .signer
        .message_id("5", 1_700_000_000_000, "gone@customer.test");
    let notice = crate::bounce::tests::QMAIL.replace("sb.5.abc@example.test", &ours);
    let events = fixture.reader().read(notice.as_bytes()).expect("read");
    match events.as_slice() {
        [
            InboundEvent::Delivery(update),
            InboundEvent::Suppressed(suppressed),
        ] => {
            assert_eq!(update.state, DeliveryState::Failed);
            assert_eq!(update.external_id, ours);
            assert_eq!(suppressed.address, "gone@customer.test");
        }
        other => panic!("expected a failure and a suppression, got {other:?}"),
    }
    // The same notice about a message we did not send to that address stays mail.
    let forged = crate::bounce::tests::QMAIL.replace(
        "sb.5.abc@example.test",
        &fixture
            .signer
            .message_id("5", 1_700_000_000_000, "other@customer.test"),
    );
    let events = fixture.reader().read(forged.as_bytes()).expect("read");
    assert!(
        matches!(events.as_slice(), [InboundEvent::Message(m)] if m.automated),
        "{events:?}"
    );
}

/// A single-part mail in `charset` with body `body` (already encoded bytes) sent as base64.
fn mail_in(charset: &str, subject: &str, from_name: &str, body: &[u8]) -> String {
    format!(
        "From: {from_name} <tanaka@customer.test>\r\nTo: support@example.test\r\n\
         Subject: {subject}\r\nMessage-ID: <cs-{charset}@customer.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        base64::engine::general_purpose::STANDARD.encode(body)
    )
}

#[test]
fn cjk_charsets_decode_in_bodies_and_encoded_words() {
    let fixture = Fixture::new();
    // "ハロー・ワールド" in Shift_JIS, and "안녕하세요" in EUC-KR under Microsoft's label.
    let sjis = b"\x83n\x83\x8D\x81[\x81E\x83\x8F\x81[\x83\x8B\x83h";
    let message = fixture.message(&mail_in("Shift_JIS", "hi", "Tanaka", sjis));
    assert_eq!(message.text, "ハロー・ワールド");
    let korean = b"\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc\xbf\xe4";
    let message = fixture.message(&mail_in("ks_c_5601-1987", "hi", "Kim", korean));
    assert_eq!(message.text, "안녕하세요");
    // ISO-2022-JP is 7-bit: sent as is.
    let jis = "From: a@customer.test\r\nSubject: =?ISO-2022-JP?B?GyRCJU8lbSE8GyhC?=\r\n\
               Message-ID: <jis@c>\r\nMIME-Version: 1.0\r\n\
               Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\x1b$B%O%m!<!&%o!<%k%I\x1b(B\r\n";
    let message = fixture.message(jis);
    assert_eq!(message.text, "ハロー・ワールド");
    let subject = message.threading.and_then(|t| t.subject);
    assert_eq!(subject.as_deref(), Some("ハロー"));
    // GB2312, quoted-printable body and encoded-words in Subject and the From name:
    // "你好，世界" = C4E3 BAC3 A3AC CAC0 BDE7.
    let gb = "From: =?GB2312?B?xOO6ww==?= <li@customer.test>\r\n\
              Subject: =?GB2312?Q?=C4=E3=BA=C3?=\r\nMessage-ID: <gb@c>\r\nMIME-Version: 1.0\r\n\
              Content-Type: text/plain; charset=\"gb2312\"\r\n\
              Content-Transfer-Encoding: quoted-printable\r\n\r\n=C4=E3=BA=C3=A3=AC=CA=C0=BD=E7\r\n";
    let message = fixture.message(gb);
    assert_eq!(message.text, "你好，世界");
    assert_eq!(message.sender.name.as_deref(), Some("你好"));
    let subject = message.threading.and_then(|t| t.subject);
    assert_eq!(subject.as_deref(), Some("你好"));
}

#[test]
fn every_whatwg_label_decodes() {
    let fixture = Fixture::new();
    // A label of each WHATWG encoding family with a sample its decoder must turn into text.
    let cases: [(&str, &[u8], &str); 12] = [
        (
            "windows-1250",
            b"Dobr\xfd den, \xe8\xedslo",
            "Dobrý den, číslo",
        ),
        (
            "iso-8859-2",
            b"Dobr\xfd den, \xe8\xedslo",
            "Dobrý den, číslo",
        ),
        ("cp1251", b"\xcf\xf0\xe8\xe2\xe5\xf2", "Привет"),
        ("koi8-r", b"\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"),
        ("big5", b"\xa7A\xa6n", "你好"),
        ("gbk", b"\xc4\xe3\xba\xc3", "你好"),
        ("gb18030", b"\xc4\xe3\xba\xc3", "你好"),
        ("euc-jp", b"\xa5\xcf\xa5\xed", "ハロ"),
        ("windows-31j", b"\x83n\x83\x8D", "ハロ"),
        ("euc-kr", b"\xbe\xc8\xb3\xe7", "안녕"),
        ("windows-874", b"\xca\xc7\xd1\xca\xb4\xd5", "สวัสดี"),
        ("x-mac-cyrillic", b"\x8f\xf0\xe8\xe2\xe5\xf2", "Привет"),
    ];
    for (label, bytes, expected) in cases {
        let message = fixture.message(&mail_in(label, "x", "A", bytes));
        assert_eq!(message.text, expected, "{label}");
    }
}

#[test]
fn a_header_only_mail_without_a_final_newline_keeps_its_subject() {
    let fixture = Fixture::new();
    let message =
        fixture.message("From: jane@customer.test\r\nMessage-ID: <h@c>\r\nSubject: Call me back");
    let subject = message.threading.and_then(|t| t.subject);
    assert_eq!(subject.as_deref(), Some("Call me back"));
}

#[test]
fn parts_without_a_file_name_get_one() {
    let fixture = Fixture::new();
    let message = fixture.message(
        "From: jane@customer.test\r\nSubject: parts\r\nMessage-ID: <p@c>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n--M\r\n\
         Content-Type: text/plain\r\n\r\nSee the invite and the forwarded mail.\r\n--M\r\n\
         Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n--M\r\n\
         Content-Type: message/rfc822\r\n\r\nFrom: x@y.test\r\nSubject: Old: thing/1\r\n\r\nold\r\n--M\r\n\
         Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--M--\r\n",
    );
    let names: Vec<Option<&str>> = message
        .attachments
        .iter()
        .map(|a| a.name.as_deref())
        .collect();
    assert_eq!(
        names,
        vec![
            Some("invite.ics"),
            Some("Old_ thing_1.eml"),
            Some("attachment-3.pdf")
        ]
    );
}

#[test]
fn a_big_mail_read_as_a_stream_keeps_its_attachment_byte_exact() {
    let fixture = Fixture::new();
    let file: Vec<u8> = (0..700_000u32).map(|i| (i * 13 % 251) as u8).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&file);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|chunk| std::str::from_utf8(chunk).expect("ascii"))
        .collect();
    let raw = format!(
        "From: jane@customer.test\r\nSubject: scan\r\nMessage-ID: <scan@c>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n--M\r\n\
         Content-Type: text/plain\r\n\r\nThe scan is attached.\r\n--M\r\n\
         Content-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
         {}\r\n--M--\r\n",
        lines.join("\r\n")
    );
    let mut reader = fixture.reader();
    reader.max_attachment_bytes = 1024 * 1024;
    let events = reader.read_from(raw.as_bytes()).expect("read");
    let [InboundEvent::Message(message)] = events.as_slice() else {
        panic!("expected one message, got {events:?}");
    };
    assert_eq!(message.text, "The scan is attached.");
    let [attachment] = message.attachments.as_slice() else {
        panic!("expected one attachment: {:?}", message.attachments);
    };
    assert_eq!(attachment.name.as_deref(), Some("scan.pdf"));
    assert_eq!(attachment.size, Some(file.len() as u64));
    let stored = fixture
        .blobs
        .get(attachment.file_id.as_deref().expect("kept"))
        .expect("read")
        .expect("stored");
    assert!(stored == file, "the stored attachment differs");
    // The same mail read whole gives the same message: one reader, two ways in.
    let whole = reader.read(raw.as_bytes()).expect("read");
    assert_eq!(whole, events);
}
