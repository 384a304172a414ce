//! Oversized request bodies: every route family that reads a body (JSON API, imports, raw
//! bodies, channel hooks, the inbox's forms) refuses one over `server.max_body_bytes` with 413
//! and a JSON error naming the limit, whether the size is announced or the body is chunked,
//! and nothing changes.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, hook_body};

const LIMIT: usize = 2048;

async fn spawn() -> TestApp {
    TestApp::spawn_with(&format!("[server]\nmax_body_bytes = {LIMIT}\n")).await
}

/// Asserts the one answer to an oversized body: 413 with the JSON error naming the limit.
async fn assert_too_large(what: &str, response: reqwest::Response) {
    assert_eq!(response.status(), 413, "{what}");
    let content_type = response.headers()["content-type"].to_str().expect("ascii");
    assert_eq!(content_type, "application/json", "{what}");
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(
        body,
        json!({"error": {
            "code": "payload_too_large",
            "message": format!("request body is larger than {LIMIT} bytes"),
        }}),
        "{what}"
    );
}

#[tokio::test]
async fn every_route_family_refuses_an_oversized_body_naming_the_limit() {
    let app = spawn().await;
    let big = "x".repeat(2 * LIMIT);

    // A JSON API route.
    let contact = app
        .post_json("/api/v1/contacts", json!({"name": big}))
        .await;
    assert_too_large("JSON API", contact).await;

    // An import (a JSON body carrying a CSV file).
    let csv = format!("email,name\n{}", "a@example.com,Ann\n".repeat(LIMIT / 10));
    let import = app
        .post_json("/api/v1/contacts/import", json!({"csv": csv}))
        .await;
    assert_too_large("contact import", import).await;

    // A route that reads the raw body (starting a campaign takes an optional JSON body); the
    // body is refused before the campaign is even looked up.
    let start = app
        .client
        .post(app.url("/api/v1/campaigns/1/start"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/json")
        .body(format!("{{\"at\": \"{big}\"}}"))
        .send()
        .await
        .expect("send");
    assert_too_large("raw body", start).await;

    // A channel hook.
    let hook = app.post_hook(&hook_body("m1", "u1", &big)).await;
    assert_too_large("channel hook", hook).await;

    // The inbox's sign-in and sign-out forms.
    for path in ["/login", "/logout"] {
        let form = app
            .client
            .post(app.url(path))
            .form(&[
                ("email", "a@example.com"),
                ("password", &big),
                ("csrf", "x"),
            ])
            .send()
            .await
            .expect("send");
        assert_eq!(form.headers().get("set-cookie"), None, "{path}: no session");
        assert_too_large(path, form).await;
    }

    let contacts = app.get_json("/api/v1/contacts").await;
    assert_eq!(contacts["items"], json!([]), "nothing was stored");
    assert_eq!(app.store.count_messages().await.expect("count"), 0);
    app.stop().await;
}

/// Sends `path` a chunked body of `size` bytes over a raw connection (no `Content-Length`,
/// so the server learns the size only while reading) and returns status and body.
async fn post_chunked(app: &TestApp, path: &str, size: usize) -> (u16, Value) {
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.admin_token
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let text = format!("{{\"name\": \"{}\"}}", "y".repeat(size));
    // In chunks of 512 bytes, as a client streaming a body would send it; the server may
    // answer and close before the last one, so a failed write is not an error here.
    for chunk in text.as_bytes().chunks(512) {
        let framed = [
            format!("{:x}\r\n", chunk.len()).as_bytes(),
            chunk,
            b"\r\n".as_slice(),
        ]
        .concat();
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    // Ignored for the same reason: the answer may already be on its way.
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    // Reading stops at the server's close (or a reset after its answer was read).
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    let (_, body) = answer.split_once("\r\n\r\n").expect("head and body");
    (status, serde_json::from_str(body).expect("JSON body"))
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_refused_naming_the_limit() {
    let app = spawn().await;
    let (status, body) = post_chunked(&app, "/api/v1/contacts", 2 * LIMIT).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(
        body["error"]["message"],
        format!("request body is larger than {LIMIT} bytes")
    );
    // The same route takes a chunked body under the limit (a name within its 256 characters).
    let (status, body) = post_chunked(&app, "/api/v1/contacts", 100).await;
    assert_eq!(status, 201, "{body}");
    let contacts = app.get_json("/api/v1/contacts").await;
    assert_eq!(
        contacts["items"].as_array().map(Vec::len),
        Some(1),
        "only the small one"
    );
    app.stop().await;
}
