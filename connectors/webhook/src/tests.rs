use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use connector_sdk::{Recipient, WebhookError};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::*;

const SECRET: &str = "s3cret";

fn channel(callback_url: Option<String>) -> Webhook {
    channel_with(callback_url, 32)
}

fn channel_with(callback_url: Option<String>, max_connections: usize) -> Webhook {
    channel_configured(callback_url, max_connections, false)
}

fn channel_requiring_timestamp() -> Webhook {
    channel_configured(None, 32, true)
}

fn channel_configured(
    callback_url: Option<String>,
    max_connections: usize,
    require_timestamp: bool,
) -> Webhook {
    Webhook::new(
        "shop",
        Config {
            secret: SECRET.into(),
            require_timestamp,
            callback_url,
            timeout_secs: 5,
            receiver_deduplicates: true,
            max_connections,
        },
    )
    .expect("valid config")
}

/// HMAC-SHA256 of `text` under the test secret, as `sha256=<hex>`, computed here rather than
/// with the code under test.
fn hmac_hex(text: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(text);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Headers of an integration written before timestamps: the body alone is signed.
fn signed_headers(body: &[u8]) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(SIGNATURE_HEADER, hmac_hex(body).parse().expect("ascii"));
    headers
}

/// Headers of the timestamped scheme: `"<timestamp>.<body>"` is signed.
fn timestamped_headers(timestamp: i64, body: &[u8]) -> http::HeaderMap {
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    let mut headers = http::HeaderMap::new();
    headers.insert(SIGNATURE_HEADER, hmac_hex(&signed).parse().expect("ascii"));
    headers.insert(
        TIMESTAMP_HEADER,
        timestamp.to_string().parse().expect("ascii"),
    );
    headers
}

const BODY: &[u8] = br#"{"id":"m1","from":{"id":"u1"},"text":"hi"}"#;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn is_unauthenticated(result: Result<Vec<InboundEvent>, WebhookError>) -> bool {
    matches!(result, Err(WebhookError::Unauthenticated(_)))
}

#[test]
fn a_fresh_timestamped_request_is_accepted_with_or_without_require_timestamp() {
    let headers = timestamped_headers(now(), BODY);
    for webhook in [channel(None), channel_requiring_timestamp()] {
        let events = webhook.parse_webhook(&headers, BODY).expect("accepted");
        assert_eq!(events.len(), 1);
    }
}

#[test]
fn a_body_only_signature_is_accepted_unless_the_channel_requires_a_timestamp() {
    let headers = signed_headers(BODY);
    assert_eq!(
        channel(None)
            .parse_webhook(&headers, BODY)
            .expect("accepted")
            .len(),
        1
    );
    assert!(is_unauthenticated(
        channel_requiring_timestamp().parse_webhook(&headers, BODY)
    ));
}

#[test]
fn a_stale_timestamp_is_refused_in_either_direction_even_without_require_timestamp() {
    for sent in [now() - 301, now() + 301] {
        let headers = timestamped_headers(sent, BODY);
        assert!(is_unauthenticated(
            channel(None).parse_webhook(&headers, BODY)
        ));
        assert!(is_unauthenticated(
            channel_requiring_timestamp().parse_webhook(&headers, BODY)
        ));
    }
}

#[test]
fn a_captured_request_replayed_after_the_window_is_refused() {
    let sent = 1_800_000_000;
    let captured = timestamped_headers(sent, BODY);
    let webhook = channel(None);
    assert!(webhook.authenticate(&captured, BODY, sent + 60).is_ok());
    assert!(matches!(
        webhook.authenticate(&captured, BODY, sent + 301),
        Err(WebhookError::Unauthenticated(_))
    ));
    // Moving the timestamp forward breaks the signature instead.
    let mut moved = captured.clone();
    moved.insert(
        TIMESTAMP_HEADER,
        (sent + 300).to_string().parse().expect("ascii"),
    );
    assert!(matches!(
        webhook.authenticate(&moved, BODY, sent + 301),
        Err(WebhookError::Unauthenticated(_))
    ));
    // Dropping the timestamp leaves a signature that is not the body-only one.
    let mut stripped = captured;
    stripped.remove(TIMESTAMP_HEADER);
    assert!(matches!(
        webhook.authenticate(&stripped, BODY, sent + 301),
        Err(WebhookError::Unauthenticated(_))
    ));
}

#[test]
fn a_signed_message_is_parsed_with_every_field() {
    let body = br#"{"id":"m1","from":{"id":"u1","name":"Ann","email":"ann@example.com","phone":"+420123"},
        "thread":"t9","text":"hello","attachments":[{"url":"https://x/y.png","name":"y.png","mime_type":"image/png","size":3}],
        "timestamp":"2026-01-02T03:04:05Z"}"#;
    let events = channel(None)
        .parse_webhook(&signed_headers(body), body)
        .expect("valid");
    assert_eq!(events.len(), 1);
    let connector_sdk::InboundEvent::Message(m) = &events[0] else {
        panic!("expected a message, got {:?}", events[0]);
    };
    assert_eq!(m.channel, "shop");
    assert_eq!(m.external_id, "m1");
    assert_eq!(m.sender.scope, "webhook:shop");
    assert_eq!(m.sender.external_id, "u1");
    assert_eq!(m.sender.email.as_deref(), Some("ann@example.com"));
    assert_eq!(m.thread.as_deref(), Some("t9"));
    assert_eq!(m.attachments[0].mime_type.as_deref(), Some("image/png"));
    assert_eq!(
        m.sent_at.map(|t| t.to_rfc3339()),
        Some("2026-01-02T03:04:05+00:00".into())
    );
}

#[test]
fn a_wrong_or_missing_signature_is_unauthenticated() {
    let body = br#"{"id":"m1","from":{"id":"u1"},"text":"hi"}"#;
    let mut headers = signed_headers(b"another body");
    assert!(matches!(
        channel(None).parse_webhook(&headers, body),
        Err(WebhookError::Unauthenticated(_))
    ));
    headers.clear();
    assert!(matches!(
        channel(None).parse_webhook(&headers, body),
        Err(WebhookError::Unauthenticated(_))
    ));
    headers.insert(SIGNATURE_HEADER, "md5=abc".parse().expect("ascii"));
    assert!(matches!(
        channel(None).parse_webhook(&headers, body),
        Err(WebhookError::Unauthenticated(_))
    ));
}

#[test]
fn a_malformed_body_names_the_field() {
    let cases: [(&[u8], &str); 5] = [
        (br#"{"id":"m1","from":{},"text":"hi"}"#, "from"),
        (br#"{"id":"m1","from":{"id":7},"text":"hi"}"#, "from.id"),
        (br#"{"from":{"id":"u"},"text":"hi"}"#, "id"),
        (
            br#"{"id":"","from":{"id":"u"},"text":"hi"}"#,
            "id: must not be empty",
        ),
        (
            br#"{"id":"m1","from":{"id":"u"},"text":"hi"} trailing"#,
            "invalid JSON",
        ),
    ];
    for (body, expected) in cases {
        match channel(None).parse_webhook(&signed_headers(body), body) {
            Err(WebhookError::Malformed(message)) => assert!(
                message.contains(expected),
                "{message:?} should mention {expected:?}"
            ),
            other => panic!("expected Malformed for {body:?}, got {other:?}"),
        }
    }
}

/// A request the peer received: headers and raw body.
type Received = (HeaderMap, Vec<u8>);
/// A scripted answer: status and `Retry-After` seconds.
type Answer = (StatusCode, Option<&'static str>);

#[derive(Clone, Default)]
struct Peer {
    received: Arc<Mutex<Vec<Received>>>,
    answer: Arc<Mutex<Vec<Answer>>>,
    /// Requests being answered now, and the most at once.
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

async fn receive(
    State(peer): State<Peer>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, HeaderMap, &'static str) {
    let now = peer.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    peer.peak.fetch_max(now, Ordering::SeqCst);
    // Let other requests in while this one is open, as a real receiver's work would.
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
    peer.in_flight.fetch_sub(1, Ordering::SeqCst);
    peer.received
        .lock()
        .expect("lock")
        .push((headers, body.to_vec()));
    let (status, retry_after) = peer
        .answer
        .lock()
        .expect("lock")
        .pop()
        .unwrap_or((StatusCode::OK, None));
    let mut headers = HeaderMap::new();
    if let Some(seconds) = retry_after {
        headers.insert("retry-after", seconds.parse().expect("ascii"));
    }
    (status, headers, r#"{"id":"remote-1"}"#)
}

async fn spawn_peer() -> (Peer, String) {
    let peer = Peer::default();
    let app = axum::Router::new()
        .route("/cb", post(receive))
        .with_state(peer.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/cb", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (peer, url)
}

fn reply() -> OutboundMessage {
    OutboundMessage::text("42", "shop", 7, Recipient::new("u1"), "on its way")
}

#[tokio::test]
async fn a_reply_is_posted_signed_and_the_remote_id_recorded() {
    let (peer, url) = spawn_peer().await;
    let delivery = channel(Some(url)).send(&reply()).await.expect("sent");
    assert_eq!(delivery.external_id.as_deref(), Some("remote-1"));
    let received = peer.received.lock().expect("lock").clone();
    assert_eq!(received.len(), 1);
    let (headers, body) = &received[0];
    let signature = headers.get(SIGNATURE_HEADER).expect("signed");
    let timestamp = headers.get(TIMESTAMP_HEADER).expect("timestamped");
    let sent: i64 = timestamp.to_str().expect("ascii").parse().expect("seconds");
    assert!((now() - sent).abs() <= 60, "signed at sending time");
    let mut signed = format!("{sent}.").into_bytes();
    signed.extend_from_slice(body);
    assert_eq!(
        signature.to_str().expect("ascii"),
        hmac_hex(&signed),
        "the callback signs \"<timestamp>.<body>\""
    );
    let payload: OutboundPayload = serde_json::from_slice(body).expect("json");
    assert_eq!(payload.id, "42");
    assert_eq!(payload.to.id, "u1");
    assert_eq!(payload.text, "on its way");
    assert_eq!(headers.get("idempotency-key").expect("key"), "42");
}

#[tokio::test]
async fn peer_failures_are_classified_for_the_dispatcher() {
    let (peer, url) = spawn_peer().await;
    let webhook = channel(Some(url));
    peer.answer
        .lock()
        .expect("lock")
        .push((StatusCode::TOO_MANY_REQUESTS, Some("30")));
    match webhook.send(&reply()).await {
        Err(ConnectorError::Unavailable { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(30)))
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    peer.answer
        .lock()
        .expect("lock")
        .push((StatusCode::UNPROCESSABLE_ENTITY, None));
    assert!(matches!(
        webhook.send(&reply()).await,
        Err(ConnectorError::Rejected { .. })
    ));
    peer.answer
        .lock()
        .expect("lock")
        .push((StatusCode::FORBIDDEN, None));
    assert!(matches!(
        webhook.send(&reply()).await,
        Err(ConnectorError::Unauthorized)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_are_capped_at_max_connections() {
    let (peer, url) = spawn_peer().await;
    let webhook = channel_with(Some(url), 4);
    let messages: Vec<OutboundMessage> = (0..64)
        .map(|n| OutboundMessage::text(format!("m{n}"), "shop", 7, Recipient::new("u1"), "hi"))
        .collect();
    let results =
        futures_util::future::join_all(messages.iter().map(|message| webhook.send(message))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(peer.received.lock().expect("lock").len(), 64);
    let peak = peer.peak.load(Ordering::SeqCst);
    assert!(peak <= 4, "{peak} requests were in flight at once");
    assert!(
        Webhook::new(
            "shop",
            Config {
                secret: SECRET.into(),
                require_timestamp: false,
                callback_url: None,
                timeout_secs: 5,
                receiver_deduplicates: true,
                max_connections: 0,
            },
        )
        .is_err(),
        "no request could ever be sent"
    );
}

#[tokio::test]
async fn an_unreachable_callback_is_transient() {
    // Bind and drop a listener to get a loopback port that refuses connections.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/cb", listener.local_addr().expect("addr"));
    drop(listener);
    assert!(matches!(
        channel(Some(url)).send(&reply()).await,
        Err(ConnectorError::Unavailable { .. })
    ));
}

/// A small deterministic generator (xorshift) so the fuzz cases are the same on every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn mutated_bodies_never_panic_the_parser() {
    let valid = br#"{"id":"m1","from":{"id":"u1","name":"Ann","email":"a@b.c"},"thread":"t","text":"hi","attachments":[{"url":"x"}],"timestamp":"2026-01-02T03:04:05Z"}"#;
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let webhook = channel(None);
    for _ in 0..5_000 {
        let mut body = valid.to_vec();
        for _ in 0..(noise.next() % 4 + 1) {
            if body.is_empty() {
                break;
            }
            let at = (noise.next() as usize) % body.len();
            match noise.next() % 3 {
                0 => body[at] = noise.next() as u8,
                1 => {
                    body.remove(at);
                }
                _ => body.insert(at, b"{}[]\",:\\0\xff"[(noise.next() % 10) as usize]),
            }
        }
        // Any outcome but a panic is fine; a valid signature makes the parser run.
        let _ = webhook.parse_webhook(&signed_headers(&body), &body);
    }
}
