//! Big mail on the raw-mail hook: each channel has its own body limit (raw mail 50 MiB by
//! default, far above the server's 1 MiB for JSON), big attachments arrive byte-exact, and
//! the served binary's memory stays flat while a 50 MiB mail goes in.

use base64::Engine;
use serde_json::Value;

use crate::helpers::{ServedBinary, TestApp, TestDb, app_backend};

const SECRET: &str = "mail-size-secret-0123456789";

fn channels(blobs: &std::path::Path, email_limit: Option<usize>) -> String {
    let limit = email_limit.map_or(String::new(), |bytes| format!("max_body_bytes = {bytes}\n"));
    format!(
        "[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"support@example.test\"\n\
         display_name = \"ACME\"\ndomain = \"example.test\"\nsecret = {SECRET:?}\n\
         smtp_host = \"127.0.0.1\"\nsmtp_port = 9\nsmtp_tls = \"none\"\nblob_dir = {:?}\n{limit}\
         [[channels]]\nname = \"hook\"\nkind = \"webhook\"\nsecret = \"webhook-secret-0123456789\"\n",
        blobs.display().to_string()
    )
}

/// Deterministic bytes that do not compress into a pattern.
fn file_of(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 509) as u8).collect()
}

/// A mail carrying `file` as a base64 attachment in lines of 76 characters.
fn mail_with_file(id: &str, file: &[u8]) -> Vec<u8> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(file);
    let mut raw = format!(
        "From: Jane <jane@customer.test>\r\nTo: support@example.test\r\nSubject: The scans\r\n\
         Message-ID: <{id}>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"M\"\r\n\r\n\
         --M\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe scans are attached.\r\n\
         --M\r\nContent-Type: application/pdf; name=\"scans.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"scans.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    for line in encoded.as_bytes().chunks(76) {
        raw.extend_from_slice(line);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"--M--\r\n");
    raw
}

async fn post(client: &reqwest::Client, url: &str, body: Vec<u8>) -> reqwest::Response {
    client
        .post(url)
        .header("content-type", "message/rfc822")
        .bearer_auth(SECRET)
        .body(body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn each_channel_has_its_own_body_limit_and_big_attachments_arrive_whole() {
    let blobs = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn_with(&channels(blobs.path(), None)).await;
    // 3 MiB of attachment: four times the server's limit for JSON bodies.
    let file = file_of(3 * 1024 * 1024);
    let response = post(
        &app.client,
        &app.url("/hooks/mail"),
        mail_with_file("big-1@c", &file),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let message_id = body["messages"][0]["message_id"].as_i64().expect("id");
    let download = app
        .client
        .get(app.url(&format!("/api/v1/messages/{message_id}/attachments/0")))
        .bearer_auth(app.token("admin").await)
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 200);
    let bytes = download.bytes().await.expect("bytes");
    assert!(bytes.as_ref() == file.as_slice(), "the attachment differs");
    // Other channels keep the server's limit.
    let json = crate::helpers::hook_body("j1", "u1", &"x".repeat(2 * 1024 * 1024));
    let refused = app
        .client
        .post(app.url("/hooks/hook"))
        .header("content-type", "application/json")
        .body(json)
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 413);
    app.stop().await;

    // A channel's own limit wins, and a refused mail leaves nothing behind.
    let app = TestApp::spawn_with(&channels(blobs.path(), Some(2 * 1024 * 1024))).await;
    let response = post(
        &app.client,
        &app.url("/hooks/mail"),
        mail_with_file("big-2@c", &file),
    )
    .await;
    assert_eq!(response.status(), 413);
    let error: Value = response.json().await.expect("json");
    assert!(
        error["error"]["message"].to_string().contains("2097152"),
        "{error}"
    );
    assert_eq!(app.store.count_messages().await.expect("count"), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_bad_channel_body_limit_is_refused_naming_the_key() {
    let blobs = tempfile::tempdir().expect("dir");
    let config = channels(blobs.path(), None).replace("blob_dir", "max_body_bytes = -5\nblob_dir");
    let error = switchboard::config::Config::from_parts(
        Some(("switchboard.toml".into(), &config)),
        Vec::new(),
        |_| None,
    )
    .err()
    .map(|err| err.to_string())
    .unwrap_or_default();
    assert!(
        error.contains("switchboard.toml")
            && error.contains("max_body_bytes: must be a number of bytes above 0"),
        "{error}"
    );
}

/// Peak resident memory of process `pid` (kB), from the kernel's high-water mark.
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[tokio::test]
async fn memory_stays_flat_while_a_50_mib_mail_is_ingested() {
    let dir = tempfile::tempdir().expect("dir");
    let blobs = dir.path().join("blobs");
    std::fs::write(dir.path().join("switchboard.toml"), channels(&blobs, None)).expect("config");
    let db = TestDb::new(app_backend()).await;
    let mut served = ServedBinary::start(dir.path(), &db.url);
    let pid = served.child.id();
    let client = reqwest::Client::new();
    let url = format!("{}/hooks/mail", served.base);
    // Warm up every path once with a mail above the in-memory threshold.
    let warm = post(
        &client,
        &url,
        mail_with_file("warm@c", &file_of(2 * 1024 * 1024)),
    )
    .await;
    assert_eq!(warm.status(), 200);
    let before = peak_rss_kb(pid);
    // 36 MiB of attachment is 49 MiB of mail.
    let file = file_of(36 * 1024 * 1024);
    let mail = mail_with_file("huge@c", &file);
    let mail_mib = mail.len() / (1024 * 1024);
    assert!(
        mail.len() > 48 * 1024 * 1024 && mail.len() <= 50 * 1024 * 1024,
        "{}",
        mail.len()
    );
    let response = post(&client, &url, mail).await;
    assert_eq!(response.status(), 200);
    let after = peak_rss_kb(pid);
    let growth_mib = after.saturating_sub(before) / 1024;
    eprintln!("peak memory growth while a {mail_mib} MiB mail went in: {growth_mib} MiB");
    // Held whole, the mail alone is 49 MiB, and its decoded attachment 36 MiB more.
    assert!(
        growth_mib < 16,
        "peak memory grew by {growth_mib} MiB while a 49 MiB mail was ingested ({before} → {after} kB)"
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["accepted"], 1, "{body}");
    let _ = served.child.kill();
    let _ = served.child.wait();
}
