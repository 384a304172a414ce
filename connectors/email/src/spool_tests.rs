use base64::Engine;
use mail_parser::{MessageParser, MimeHeaders};

use proptest::prelude::*;

use super::*;

fn store() -> (BlobStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    (BlobStore::new(dir.path().join("blobs")), dir)
}

/// Bytes that are no text: every value, in a pattern that does not repeat quickly.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Base64 in lines of 76 characters, as mail writes it.
fn base64_lines(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn mail_with(part_headers: &str, part_body: &str) -> String {
    format!(
        "From: jane@customer.test\r\nSubject: big\r\nMessage-ID: <big@c>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\npreamble\r\n--outer\r\n\
         Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n--inner\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n--inner\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n<p>See the file.</p>\r\n--inner--\r\n\
         --outer\r\n{part_headers}\r\n{part_body}\r\n--outer--\r\nepilogue\r\n"
    )
}

fn spooled_bytes(blobs: &BlobStore, skeleton: &Skeleton) -> Vec<u8> {
    let mail = MessageParser::default()
        .parse(&skeleton.raw)
        .expect("the skeleton parses");
    let part = mail.attachments().next().expect("the attachment");
    let spooled = skeleton.part_of(part).expect("named by the spooler");
    blobs
        .get(&spooled.reference)
        .expect("read")
        .expect("stored")
}

#[test]
fn a_large_base64_attachment_goes_to_the_blob_store_byte_exact() {
    let (blobs, _dir) = store();
    let file = payload(1024 * 1024 + 3);
    let raw = mail_with(
        "Content-Type: application/pdf; name=\"big.pdf\"\r\nContent-Disposition: attachment; filename=\"big.pdf\"\r\nContent-Transfer-Encoding: base64\r\n",
        &base64_lines(&file),
    );
    let skeleton = skeletonize(raw.as_bytes(), &blobs, Limits::new(u64::MAX)).expect("spool");
    assert!(skeleton.raw.len() < 4096, "{}", skeleton.raw.len());
    assert_eq!(skeleton.parts.len(), 1);
    assert_eq!(skeleton.parts[0].size, file.len() as u64);
    assert_eq!(spooled_bytes(&blobs, &skeleton), file);
    let mail = MessageParser::default()
        .parse(&skeleton.raw)
        .expect("parse");
    assert_eq!(
        mail.body_text(0).as_deref().map(str::trim),
        Some("See the file.")
    );
    assert_eq!(
        mail.attachments().next().and_then(|a| a.attachment_name()),
        Some("big.pdf")
    );
}

#[test]
fn quoted_printable_raw_and_one_long_line_decode_exactly() {
    let (blobs, _dir) = store();
    let limits = Limits {
        spool_above: 1024,
        ..Limits::new(u64::MAX)
    };
    // Quoted-printable with soft breaks and escapes.
    let text: String = (0..3000).map(|i| format!("line {i} = é\r\n")).collect();
    let mut qp = String::new();
    for line in text.split_inclusive("\r\n") {
        let content = line.trim_end_matches("\r\n");
        let escaped = content.replace('=', "=3D").replace('é', "=C3=A9");
        // A soft break after "line", never inside an escape.
        let (head, tail) = escaped.split_at(4);
        qp.push_str(&format!("{head}=\r\n{tail}\r\n"));
    }
    let raw = mail_with(
        "Content-Type: text/csv\r\nContent-Disposition: attachment; filename=\"a.csv\"\r\nContent-Transfer-Encoding: quoted-printable\r\n",
        qp.trim_end_matches("\r\n"),
    );
    let skeleton = skeletonize(raw.as_bytes(), &blobs, limits).expect("spool");
    let decoded = String::from_utf8(spooled_bytes(&blobs, &skeleton)).expect("utf8");
    assert!(
        decoded == text.trim_end_matches("\r\n"),
        "quoted-printable decoded wrong: {:?}",
        decoded.get(..200)
    );
    // 8bit: the bytes are the content, the line break before the delimiter is not.
    let body: String = (0..500).map(|i| format!("row {i};ä\r\n")).collect();
    let body = body.trim_end_matches("\r\n");
    let raw = mail_with(
        "Content-Type: text/csv\r\nContent-Disposition: attachment; filename=\"b.csv\"\r\nContent-Transfer-Encoding: 8bit\r\n",
        body,
    );
    let skeleton = skeletonize(raw.as_bytes(), &blobs, limits).expect("spool");
    assert_eq!(spooled_bytes(&blobs, &skeleton), body.as_bytes());
    // Base64 on one line of 200 KiB: read in pieces, never mistaken for a boundary.
    let file = payload(150 * 1024);
    let raw = mail_with(
        "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"c.bin\"\r\nContent-Transfer-Encoding: base64\r\n",
        &base64::engine::general_purpose::STANDARD.encode(&file),
    );
    let skeleton = skeletonize(raw.as_bytes(), &blobs, limits).expect("spool");
    assert_eq!(spooled_bytes(&blobs, &skeleton), file);
}

#[test]
fn a_part_over_the_keep_limit_is_measured_not_kept() {
    let (blobs, dir) = store();
    let file = payload(600 * 1024);
    let raw = mail_with(
        "Content-Type: video/mp4\r\nContent-Disposition: attachment; filename=\"v.mp4\"\r\nContent-Transfer-Encoding: base64\r\n",
        &base64_lines(&file),
    );
    let skeleton = skeletonize(raw.as_bytes(), &blobs, Limits::new(500 * 1024)).expect("spool");
    assert_eq!(
        skeleton.parts,
        vec![Spooled {
            reference: String::new(),
            size: file.len() as u64
        }]
    );
    let mail = MessageParser::default()
        .parse(&skeleton.raw)
        .expect("parse");
    let part = mail.attachments().next().expect("the attachment");
    assert_eq!(
        skeleton.part_of(part).map(|p| p.size),
        Some(file.len() as u64)
    );
    assert!(
        String::from_utf8_lossy(&skeleton.raw)
            .contains(&format!("{SPOOL_HEADER}: - {}", file.len()))
    );
    let files = walk(dir.path());
    assert!(files.is_empty(), "nothing kept: {files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_spool_header_from_outside_is_removed() {
    let (blobs, _dir) = store();
    let raw = format!(
        "From: jane@customer.test\r\nSubject: forged\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: application/pdf\r\n{SPOOL_HEADER}: sha256:{} 5\r\n\
         \x20continued\r\n\r\nAAAA\r\n--b--\r\n",
        "a".repeat(64)
    );
    let skeleton = skeletonize(raw.as_bytes(), &blobs, Limits::new(u64::MAX)).expect("spool");
    let text = String::from_utf8(skeleton.raw).expect("utf8");
    assert!(!text.contains(SPOOL_HEADER), "{text}");
    assert!(!text.contains("continued"), "{text}");
    assert!(skeleton.parts.is_empty());
}

proptest! {
    /// Mail with nothing to move comes out byte for byte as it went in, whatever its shape.
    #[test]
    fn small_mail_passes_through_unchanged(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("--b\r\n".to_owned()),
                Just("--b--\r\n".to_owned()),
                Just("--c\r\n".to_owned()),
                Just("\r\n".to_owned()),
                Just("\n".to_owned()),
                Just("Content-Type: multipart/mixed; boundary=b\r\n".to_owned()),
                Just("Content-Type: multipart/related; boundary=\"c\"\r\n".to_owned()),
                Just("Content-Transfer-Encoding: base64\r\n".to_owned()),
                Just(" folded\r\n".to_owned()),
                "[ -~]{0,40}\r\n",
                "[ -~]{0,10}",
            ],
            0..60,
        )
    ) {
        let raw = lines.concat();
        let (blobs, _dir) = store();
        let skeleton = skeletonize(raw.as_bytes(), &blobs, Limits::new(u64::MAX)).expect("spool");
        prop_assert!(skeleton.parts.is_empty());
        prop_assert_eq!(String::from_utf8_lossy(&skeleton.raw), raw);
    }
}
