//! Content whose address came from outside: media URLs in Meta payloads never get the page
//! token and go through the SSRF guard, the fetch helper's limits, downloads served inert,
//! and, in a real Chromium, remote email images held back until "Load images", the inbox's
//! URL filter, and customer names isolated from the text around them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use connector_sdk::Attachment;
use connector_sdk::net::{Credential, FetchError, FetchLimits, MediaFetcher, TargetPolicy};
use serde_json::{Value, json};

use crate::browser::{Driver, wait_for, wait_until};
use crate::fake_graph::FakeGraph;
use crate::helpers::{TestApp, rand_suffix};
use crate::web::{agent_with_password, sign_in};

/// A 1×1 transparent PNG.
const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// One request a [`Peer`] saw.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    authorization: Option<String>,
    user_agent: String,
}

/// An outside server on loopback that records every request: `/pixel.png` is an image,
/// `/hop/{n}` redirects to `/hop/{n-1}` and `/hop/0` to `/pixel.png`, `/to-graph` redirects
/// to the URL given at start, and `/stream` sends an endless body without a length.
#[derive(Clone)]
struct Peer {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Peer {
    async fn start() -> Self {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let router = Router::new().fallback(answer).with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .expect("port")
            .parse()
            .expect("port")
    }
}

async fn answer(
    State(seen): State<Arc<Mutex<Vec<Seen>>>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    seen.lock().expect("lock").push(Seen {
        path: uri.path().to_owned(),
        authorization: header("authorization"),
        user_agent: header("user-agent").unwrap_or_default(),
    });
    let redirect = |location: String| {
        Response::builder()
            .status(StatusCode::FOUND)
            .header("location", location)
            .body(Body::empty())
            .expect("response")
    };
    let path = uri.path();
    if let Some(n) = path.strip_prefix("/hop/") {
        let n: u32 = n.parse().unwrap_or(0);
        return redirect(if n == 0 {
            "/pixel.png".into()
        } else {
            format!("/hop/{}", n - 1)
        });
    }
    match path {
        "/pixel.png" => Response::builder()
            .header("content-type", "image/png")
            .body(Body::from(PIXEL))
            .expect("response"),
        "/page.html" => Response::builder()
            .header("content-type", "text/html")
            .body(Body::from("<p>not an image</p>"))
            .expect("response"),
        "/stream" => {
            let chunks = futures_util::stream::repeat_with(|| {
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(&[0u8; 1024]))
            });
            Response::builder()
                .header("content-type", "image/png")
                .body(Body::from_stream(chunks))
                .expect("response")
        }
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::empty())
            .expect("response"),
    }
}

const SECRET: &str = "app-secret";
const TOKEN: &str = "EAAG-page-token";

/// A Messenger channel `fb` held to the production guard, one `fb-open` whose media may be on
/// loopback (as the peer is), and WhatsApp `wa` with a small size limit.
fn meta_config(graph: &FakeGraph) -> String {
    let common = format!(
        "app_secret = {SECRET:?}\nverify_token = \"v\"\naccess_token = {TOKEN:?}\ngraph_url = {:?}\n",
        graph.url
    );
    format!(
        "[[channels]]\nname = \"fb\"\nkind = \"messenger\"\npage_id = \"PAGE\"\n{common}\n\
         [[channels]]\nname = \"fb-open\"\nkind = \"messenger\"\npage_id = \"PAGE2\"\nmedia_allow_private = true\n{common}\n\
         [[channels]]\nname = \"wa\"\nkind = \"whatsapp\"\nphone_number_id = \"PNID\"\nmedia_max_bytes = 64\n{common}\n"
    )
}

async fn post_meta(app: &TestApp, channel: &str, body: &str) -> Value {
    let response = app
        .client
        .post(app.url(&format!("/hooks/{channel}")))
        .header("content-type", "application/json")
        .header(
            connector_meta::SIGNATURE_HEADER,
            connector_meta::sign(SECRET.as_bytes(), body.as_bytes()),
        )
        .body(body.to_owned())
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200, "{channel}");
    response.json().await.expect("json")
}

/// Posts a Messenger message with one `fallback` attachment at `url`; returns the message id.
async fn messenger_fallback(app: &TestApp, channel: &str, page: &str, url: &str) -> i64 {
    let body = json!({"object": "page", "entry": [{"id": page, "time": 1, "messaging": [
        {"sender": {"id": "USER1"}, "recipient": {"id": page}, "timestamp": 1_700_000_000_000_i64,
         "message": {"mid": format!("m_{}", rand_suffix()), "attachments": [{"type": "fallback", "payload": {"url": url}}]}}]}]})
    .to_string();
    post_meta(app, channel, &body).await["messages"][0]["message_id"]
        .as_i64()
        .expect("message id")
}

/// Posts a WhatsApp image message with media id `media`; returns the message id.
async fn whatsapp_image(app: &TestApp, media: &str) -> i64 {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "PNID"},
        "contacts": [{"profile": {"name": "Jana"}, "wa_id": "420777123456"}],
        "messages": [{"from": "420777123456", "id": format!("wamid.{}", rand_suffix()),
            "timestamp": chrono::Utc::now().timestamp().to_string(),
            "type": "image", "image": {"id": media, "mime_type": "image/jpeg"}}]}}]}]})
    .to_string();
    post_meta(app, "wa", &body).await["messages"][0]["message_id"]
        .as_i64()
        .expect("message id")
}

async fn download(app: &TestApp, message: i64) -> reqwest::Response {
    app.get(
        &format!("/api/v1/messages/{message}/attachments/0"),
        &app.admin_token,
    )
    .await
}

#[tokio::test]
async fn meta_payload_urls_never_get_the_token_and_loopback_is_refused() {
    let graph = FakeGraph::start().await;
    let peer = Peer::start().await;
    let app = TestApp::spawn_with(&meta_config(&graph)).await;

    for url in [
        format!("{}/pixel.png", peer.url),
        format!("http://[::ffff:127.0.0.1]:{}/pixel.png", peer.port()),
        format!("http://localhost:{}/pixel.png", peer.port()),
    ] {
        let message = messenger_fallback(&app, "fb", "PAGE", &url).await;
        let response = download(&app, message).await;
        assert_eq!(response.status(), 502, "{url}");
        let body: Value = response.json().await.expect("json");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("loopback")),
            "{url}: {body}"
        );
    }
    assert!(
        peer.seen().is_empty(),
        "the guard refused before connecting: {:?}",
        peer.seen()
    );

    // Where the operator allowed private media hosts, the URL is fetched, but never with the
    // page token: it is not the Graph API's host.
    let message =
        messenger_fallback(&app, "fb-open", "PAGE2", &format!("{}/pixel.png", peer.url)).await;
    let response = download(&app, message).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), PIXEL);
    let seen = peer.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].authorization, None,
        "no credentials to a payload URL"
    );
    app.stop().await;
}

#[tokio::test]
async fn whatsapp_media_downloads_with_the_token_only_from_the_graph_host() {
    let graph = FakeGraph::start().await;
    let peer = Peer::start().await;
    let app = TestApp::spawn_with(&meta_config(&graph)).await;

    graph.add_media("MEDIA-OK", b"jpeg".to_vec());
    let message = whatsapp_image(&app, "MEDIA-OK").await;
    let response = download(&app, message).await;
    assert_eq!(response.status(), 200, "genuine media still downloads");
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), b"jpeg");

    // The Graph host redirects to an outside host on loopback: the hop is checked again and
    // refused, and the token never leaves the Graph host.
    graph.move_media("MEDIA-MOVED", &format!("{}/pixel.png", peer.url));
    let message = whatsapp_image(&app, "MEDIA-MOVED").await;
    let response = download(&app, message).await;
    assert_eq!(response.status(), 502);
    assert!(peer.seen().is_empty(), "{:?}", peer.seen());

    graph.add_media("MEDIA-BIG", vec![0u8; 65]);
    let message = whatsapp_image(&app, "MEDIA-BIG").await;
    let response = download(&app, message).await;
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("limit of 64 bytes")),
        "{body}"
    );

    // A media id is a Graph path segment: anything else is refused before any request.
    let message = whatsapp_image(&app, "../PNID/messages").await;
    assert_eq!(download(&app, message).await.status(), 502);
    app.stop().await;
}

fn fetcher(
    allow_private: bool,
    credential_hosts: Vec<reqwest::Url>,
    max_bytes: u64,
) -> MediaFetcher {
    MediaFetcher::new(
        TargetPolicy::new(allow_private, "test"),
        credential_hosts,
        FetchLimits {
            max_bytes,
            timeout: Duration::from_secs(20),
        },
    )
    .expect("fetcher")
}

#[tokio::test]
async fn the_fetch_helper_keeps_credentials_on_their_host_and_holds_its_limits() {
    let api = Peer::start().await;
    let outside = Peer::start().await;
    let api_url: reqwest::Url = api.url.parse().expect("url");
    let open = fetcher(true, vec![api_url.clone()], 1024);

    // Redirects are followed hop by hop; the bearer token stays on the credential host.
    let fetched = open
        .get(&format!("{}/hop/1", api.url), Credential::Bearer("secret"))
        .await
        .expect("fetched");
    assert_eq!(fetched.bytes, PIXEL);
    assert!(
        api.seen()
            .iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer secret"))
    );
    assert_eq!(api.seen().len(), 3);
    let fetched = open
        .get(
            &format!("{}/pixel.png", outside.url),
            Credential::Bearer("secret"),
        )
        .await
        .expect("fetched");
    assert_eq!(fetched.content_type.as_deref(), Some("image/png"));
    assert_eq!(outside.seen()[0].authorization, None);

    // A URL holding a secret goes only to the credential host, and never follows a redirect.
    let refused = open
        .get(&format!("{}/pixel.png", outside.url), Credential::InUrl)
        .await;
    assert!(
        matches!(refused, Err(FetchError::NotCredentialHost)),
        "{refused:?}"
    );
    let refused = open
        .get(&format!("{}/hop/0", api.url), Credential::InUrl)
        .await;
    assert!(
        matches!(refused, Err(FetchError::SecretRedirect)),
        "{refused:?}"
    );
    assert_eq!(outside.seen().len(), 1);

    // Limits: redirects, and a body without a length that never ends.
    let refused = open
        .get(&format!("{}/hop/9", outside.url), Credential::None)
        .await;
    assert!(
        matches!(refused, Err(FetchError::TooManyRedirects)),
        "{refused:?}"
    );
    let refused = open
        .get(&format!("{}/stream", outside.url), Credential::None)
        .await;
    assert!(
        matches!(refused, Err(FetchError::TooLarge { limit: 1024 })),
        "{refused:?}"
    );

    // The production guard: loopback in any spelling, and a redirect from a trusted host to
    // loopback, are refused before connecting.
    let guarded = fetcher(false, vec![api_url], 1024);
    let before = outside.seen().len();
    for url in [
        format!("{}/pixel.png", outside.url),
        format!("http://[::ffff:127.0.0.1]:{}/pixel.png", outside.port()),
        format!("http://[::1]:{}/pixel.png", outside.port()),
        format!("http://localhost:{}/pixel.png", outside.port()),
        format!("http://2130706433:{}/pixel.png", outside.port()),
    ] {
        let refused = guarded.get(&url, Credential::None).await;
        assert!(
            matches!(refused, Err(FetchError::Refused(_))),
            "{url}: {refused:?}"
        );
    }
    assert_eq!(
        outside.seen().len(),
        before,
        "nothing reached the outside peer"
    );
}

#[tokio::test]
async fn downloads_serve_only_inert_types_as_themselves() {
    let app = TestApp::spawn().await;
    let table = [
        ("Text/HTML", "application/octet-stream"),
        (" text/html", "application/octet-stream"),
        ("text/javascript", "application/octet-stream"),
        ("application/javascript", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("text/xml", "application/octet-stream"),
        ("image/png", "image/png"),
        ("IMAGE/JPEG", "image/jpeg"),
        ("application/pdf", "application/pdf"),
        ("text/plain; charset=utf-8", "text/plain; charset=utf-8"),
        ("text/plain; charset=utf-7", "text/plain; charset=utf-8"),
    ];
    let attachments: Vec<Attachment> = table
        .iter()
        .enumerate()
        .map(|(index, (declared, _))| {
            let mut attachment = Attachment::channel_file(format!("T-{index}"));
            attachment.mime_type = Some((*declared).to_owned());
            attachment.name = Some(format!("file{index}\u{202e}txt.exe"));
            app.fake
                .add_file(&format!("T-{index}"), b"<script>1</script>".to_vec());
            attachment
        })
        .collect();
    let message = app
        .fake
        .message("types-1", "u1", "files")
        .with_attachments(attachments);
    let receipts = app.fake.inject(vec![message]).await.expect("deliver");
    let id = receipts[0].message_id;
    for (index, (declared, served)) in table.iter().enumerate() {
        let response = app
            .get(
                &format!("/api/v1/messages/{id}/attachments/{index}"),
                &app.admin_token,
            )
            .await;
        assert_eq!(response.status(), 200, "{declared:?}");
        let headers = response.headers();
        assert_eq!(headers["content-type"], *served, "{declared:?}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let disposition = headers["content-disposition"].to_str().expect("ascii");
        assert!(
            disposition.starts_with("attachment; filename=\""),
            "{disposition}"
        );
        assert!(
            disposition.ends_with(&format!("filename*=UTF-8''file{index}txt.exe")),
            "direction override dropped: {disposition}"
        );
        let csp = headers["content-security-policy"].to_str().expect("csp");
        assert!(csp.contains("sandbox"), "{csp}");
    }
    app.stop().await;
}

#[tokio::test]
async fn remote_images_load_only_through_the_guard_from_the_message() {
    let peer = Peer::start().await;
    let app = TestApp::spawn().await;
    let image = format!("{}/pixel.png", peer.url);
    let mut mail = app.fake.message("mail-1", "sender", "see the picture");
    mail.html = Some(format!("<p>Hi</p><img src=\"{image}\" alt=\"x\">"));
    let receipts = app.fake.inject(vec![mail]).await.expect("deliver");
    let id = receipts[0].message_id;
    let route = |url: &str| format!("/api/v1/messages/{id}/images?url={}", urlencode(url));

    let refused = app.get(&route(&image), &app.admin_token).await;
    assert_eq!(refused.status(), 422, "loopback refused by default");
    let body: Value = refused.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("[remote_images] allow_private_targets")),
        "{body}"
    );
    let other = format!("{}/page.html", peer.url);
    assert_eq!(
        app.get(&route(&other), &app.admin_token).await.status(),
        404
    );
    assert!(peer.seen().is_empty());
    app.stop().await;

    // Where the operator allows private addresses, the image comes through, inert.
    let app = TestApp::spawn_with("[remote_images]\nallow_private_targets = true\n").await;
    let mut mail = app.fake.message("mail-2", "sender", "see the picture");
    mail.html = Some(format!(
        "<p>Hi</p><img src=\"{image}\" alt=\"x\"><img src=\"{other}\">"
    ));
    let receipts = app.fake.inject(vec![mail]).await.expect("deliver");
    let id = receipts[0].message_id;
    let route = |url: &str| format!("/api/v1/messages/{id}/images?url={}", urlencode(url));
    let loaded = app.get(&route(&image), &app.admin_token).await;
    assert_eq!(loaded.status(), 200);
    assert_eq!(loaded.headers()["content-type"], "image/png");
    assert_eq!(loaded.headers()["x-content-type-options"], "nosniff");
    assert_eq!(loaded.bytes().await.expect("bytes").as_ref(), PIXEL);
    let not_image = app.get(&route(&other), &app.admin_token).await;
    assert_eq!(not_image.status(), 422, "HTML is not an image");
    let seen = peer.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|s| s.authorization.is_none()));
    app.stop().await;
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn the_inbox_holds_remote_images_filters_urls_and_isolates_names_in_chromium() {
    let peer = Peer::start().await;
    let app = TestApp::spawn_with("[remote_images]\nallow_private_targets = true\n").await;
    let (_, email, password) = agent_with_password(&app, "Rita", "agent").await;

    let spoofed = "Bob\u{202e}gpj.exe";
    let body = json!({"id": format!("n-{}", rand_suffix()), "from": {"id": format!("c-{}", rand_suffix()), "name": spoofed},
        "text": "hello", "thread": "t-bidi"})
    .to_string();
    assert!(app.post_hook(&body).await.status().is_success());
    let named_conversation = app
        .wait_for_event("message.created")
        .await
        .conversation_id
        .expect("conversation")
        .get();
    let image = format!("{}/pixel.png", peer.url);
    let mut mail = app.fake.message(
        &format!("mail-{}", rand_suffix()),
        "sender",
        "see the picture",
    );
    mail.html = Some(format!(
        "<p>Hi</p><img src=\"{image}\" alt=\"pixel\" width=\"1\" height=\"1\">\
         <div style=\"background-image: url('{}/pixel.png?css')\">x</div>",
        peer.url
    ));
    let receipts = app.fake.inject(vec![mail]).await.expect("deliver");
    let mail_conversation = receipts[0].conversation_id;

    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;

    // The URL filter, judged by the browser's own parser.
    let verdicts = browser
        .execute(
            "const inputs = arguments[0];
             return import('/assets/dom.js').then((dom) => inputs.map((u) => dom.safeUrl(u)));",
            vec![json!([
                "/\\evil.example/x",
                "\\\\evil.example/x",
                "//evil.example/x",
                "/\t/evil.example",
                "/%5Cevil.example",
                "javascript:alert(1)",
                "JaVaScRiPt:alert(1)",
                "java\tscript:alert(1)",
                "java\nscript:alert(1)",
                " \u{1}javascript:alert(1)",
                "data:text/html,x",
                "vbscript:x",
                "\\/evil.example",
                "/api/v1/x?y=1",
                "#/inbox/all",
                "https://example.com/a",
                "mailto:a@example.com",
            ])],
        )
        .await
        .expect("filter");
    let origin = app.url("");
    let origin = origin.trim_end_matches('/');
    assert_eq!(
        verdicts,
        json!([
            null,
            null,
            null,
            null,
            "/%5Cevil.example",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "/api/v1/x?y=1",
            "#/inbox/all",
            "https://example.com/a",
            "mailto:a@example.com",
        ]),
        "origin {origin}"
    );

    // Remote images: nothing loads from the sender until the agent asks, and then only the
    // server fetches them.
    browser
        .goto(&app.url(&format!("/#/inbox/all/{mail_conversation}")))
        .await
        .expect("goto");
    wait_for(&browser, "#messages iframe.email-frame").await;
    let load = wait_for(&browser, "#messages button.load-images").await;
    load.click().await.expect("click");
    wait_until(
        &browser,
        "image inlined after Load images",
        "document.querySelector('#messages iframe.email-frame')?.srcdoc.includes('data:image/png')",
    )
    .await;
    let seen = peer.seen();
    assert!(!seen.is_empty(), "the server fetched the image");
    assert!(
        seen.iter()
            .all(|s| s.user_agent.starts_with("Switchboard/") && s.path == "/pixel.png"),
        "the browser never reached the sender's server: {seen:?}"
    );

    // A spoofed name shows isolated, without its direction override.
    browser
        .goto(&app.url(&format!("/#/inbox/all/{named_conversation}")))
        .await
        .expect("goto");
    wait_until(
        &browser,
        "name isolated in the title",
        "document.querySelector('#conversation-title bdi')?.textContent === 'Bobgpj.exe'",
    )
    .await;
    wait_until(
        &browser,
        "name isolated in the thread and the list",
        "document.querySelector('#messages .author bdi')?.textContent === 'Bobgpj.exe' \
         && [...document.querySelectorAll('.contact-name bdi')].some((b) => b.textContent === 'Bobgpj.exe')",
    )
    .await;
    let overrides = browser
        .execute(
            "return document.body.innerText.includes('\\u202e');",
            vec![],
        )
        .await
        .expect("text");
    assert_eq!(overrides, json!(false));
    tokio::time::timeout(Duration::from_secs(5), browser.close())
        .await
        .expect("close in time")
        .expect("close");
    app.stop().await;
}
