//! Website chat over HTTP on both databases: the widget's files and framing, visitor
//! sessions and verified identities, sending exactly once, answers and typing live on the
//! stream (with replay after a dropped connection), uploads, limits and bad input, and the
//! email continuation through a real SMTP server with the reply threading back.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, backends};
use crate::mail_peers::{SmtpSink, header};

pub(crate) const IDENTITY_SECRET: &str = "host-site-identity-secret-42";

/// A `web_chat` channel named `site` framed by `origin`, with `extra` keys.
pub(crate) fn site_channel(origin: &str, blobs: &std::path::Path, extra: &str) -> String {
    format!(
        "[[channels]]\nname = \"site\"\nkind = \"web_chat\"\nallowed_origins = [{origin:?}]\n\
         identity_secret = {IDENTITY_SECRET:?}\ntitle = \"ACME help\"\nblob_dir = {:?}\n{extra}\n",
        blobs.display().to_string()
    )
}

/// `hex(HMAC-SHA256(secret, id))`, as the host site's backend computes it.
pub(crate) fn identity_hash(id: &str) -> String {
    connector_webchat::identity_hash(IDENTITY_SECRET.as_bytes(), id)
}

/// One browser of a visitor, talking to the widget API as the widget does.
pub(crate) struct Visitor<'a> {
    app: &'a TestApp,
    pub token: String,
}

impl<'a> Visitor<'a> {
    pub async fn anonymous(app: &'a TestApp) -> Visitor<'a> {
        let response = app
            .client
            .post(app.url("/widget/site/sessions"))
            .json(&json!({}))
            .send()
            .await
            .expect("session");
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.expect("json");
        Visitor {
            app,
            token: body["token"].as_str().expect("token").to_owned(),
        }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(&format!("/widget/site/{path}")))
            .header("x-visitor-token", &self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("widget request")
    }

    pub async fn send(&self, client_id: &str, text: &str) -> (StatusCode, Value) {
        let response = self
            .call(
                reqwest::Method::POST,
                "messages",
                Some(json!({"client_id": client_id, "text": text, "page_url": "https://shop.example/cart"})),
            )
            .await;
        let status = response.status();
        (status, response.json().await.expect("json"))
    }

    pub async fn history(&self) -> Value {
        let response = self.call(reqwest::Method::GET, "messages", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }

    /// Opens the live stream, resuming after `last` when given.
    pub async fn stream(&self, last: Option<i64>) -> Stream {
        let mut request = self
            .app
            .client
            .get(self.app.url("/widget/site/stream"))
            .header("x-visitor-token", &self.token);
        if let Some(last) = last {
            request = request.header("last-event-id", last.to_string());
        }
        let response = request.send().await.expect("stream");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("type")
                .starts_with("text/event-stream")
        );
        Stream {
            body: response,
            buffer: String::new(),
        }
    }
}

/// A server-sent event stream read as the widget reads it.
pub(crate) struct Stream {
    body: reqwest::Response,
    buffer: String,
}

impl Stream {
    /// The next event named `name` (others are skipped): `(id, data)`.
    pub async fn next_named(&mut self, name: &str) -> (Option<String>, Value) {
        tokio::time::timeout(Duration::from_secs(15), async {
            loop {
                while let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let (mut event, mut id, mut data) = (None, None, String::new());
                    for line in block.lines() {
                        if let Some(value) = line.strip_prefix("event:") {
                            event = Some(value.trim().to_owned());
                        } else if let Some(value) = line.strip_prefix("id:") {
                            id = Some(value.trim().to_owned());
                        } else if let Some(value) = line.strip_prefix("data:") {
                            data.push_str(value.trim_start());
                        }
                    }
                    if event.as_deref() == Some(name) {
                        return (id, serde_json::from_str(&data).expect("event data"));
                    }
                }
                let chunk = self
                    .body
                    .chunk()
                    .await
                    .expect("stream chunk")
                    .expect("stream ended");
                self.buffer
                    .push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"));
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {name} event within 15 s"))
    }
}

pub(crate) async fn reply(app: &TestApp, conversation: i64, text: &str) -> Value {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/conversations/{conversation}/reply")))
        .bearer_auth(&app.admin_token)
        .json(&json!({"text": text}))
        .send()
        .await
        .expect("reply");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("json")
}

async fn message_count(app: &TestApp) -> i64 {
    app.store.count_messages().await.expect("count")
}

#[tokio::test]
async fn the_widget_is_served_and_only_allowed_sites_may_frame_it() {
    let blobs = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn_with(&site_channel("https://*.example.com", blobs.path(), "")).await;
    let loader = app
        .client
        .get(app.url("/widget.js"))
        .send()
        .await
        .expect("loader");
    assert_eq!(loader.status(), StatusCode::OK);
    assert!(
        loader.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/javascript")
    );
    assert!(loader.text().await.expect("js").contains("data-channel"));

    let page = app
        .client
        .get(app.url("/widget/site"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        policy.contains("frame-ancestors https://*.example.com"),
        "{policy}"
    );
    assert!(
        policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    assert!(page.headers().get("x-frame-options").is_none());
    for asset in ["chat.js", "chat.css"] {
        let response = app
            .client
            .get(app.url(&format!("/widget/assets/{asset}")))
            .send()
            .await
            .expect("asset");
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }

    for missing in ["/widget/nowhere", "/widget/shop", "/widget/shop/config"] {
        let response = app
            .client
            .get(app.url(missing))
            .send()
            .await
            .expect("missing");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        let body: Value = response.json().await.expect("json error");
        assert!(body["error"]["message"].is_string(), "{body}");
    }
    let config: Value = app
        .client
        .get(app.url("/widget/site/config"))
        .send()
        .await
        .expect("config")
        .json()
        .await
        .expect("json");
    assert_eq!(config["title"], "ACME help");
    assert_eq!(config["online"], true);
    assert_eq!(config["identity_required"], false);
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_writes_once_and_sees_answers_typing_and_status_live() {
    for backend in backends() {
        let blobs = tempfile::tempdir().expect("dir");
        let app = TestApp::spawn_on(
            TestDb::new(backend).await,
            &site_channel("https://shop.example", blobs.path(), ""),
        )
        .await;
        let visitor = Visitor::anonymous(&app).await;
        let (status, first) = visitor.send("c-1", "Where is my <b>order</b>?").await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        assert_eq!(first["from"], "visitor");
        assert_eq!(first["client_id"], "c-1");
        assert_eq!(first["text"], "Where is my <b>order</b>?");
        // The same client id again (a retry after a lost answer) is the same message.
        let (again_status, again) = visitor.send("c-1", "Where is my <b>order</b>?").await;
        assert_eq!(again_status, StatusCode::OK);
        assert_eq!(again["id"], first["id"]);
        let conversation = first["conversation_id"].as_i64().expect("conversation");

        let mut stream = visitor.stream(first["id"].as_i64()).await;
        let answer = reply(&app, conversation, "It ships <script>today</script>").await;
        let (id, pushed) = stream.next_named("message").await;
        assert_eq!(pushed["from"], "agent");
        assert_eq!(pushed["text"], "It ships <script>today</script>");
        assert_eq!(id.as_deref(), Some(answer["id"].to_string().as_str()));

        // An agent typing in the thread reaches the visitor, and the visitor's typing the
        // agents' presence.
        let presence = app
            .client
            .post(app.url(&format!("/api/v1/conversations/{conversation}/presence")))
            .bearer_auth(&app.admin_token)
            .json(&json!({"state": "typing"}))
            .send()
            .await
            .expect("presence");
        assert!(presence.status().is_success(), "{}", presence.status());
        let (_, typing) = stream.next_named("typing").await;
        assert_eq!(typing["typing"], true);
        let (_, seen) = stream.next_named("seen").await;
        assert_eq!(seen["up_to"], first["id"]);
        let typed = visitor
            .call(
                reqwest::Method::POST,
                "typing",
                Some(json!({"typing": true})),
            )
            .await;
        assert_eq!(typed.status(), StatusCode::NO_CONTENT);
        let view: Value = app
            .client
            .get(app.url(&format!("/api/v1/conversations/{conversation}/presence")))
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .expect("presence")
            .json()
            .await
            .expect("json");
        assert_eq!(view["visitor_typing"], true, "{view}");

        // A dropped connection resumes after the last id it had: nothing is lost.
        drop(stream);
        let missed = reply(&app, conversation, "Tracking number 42").await;
        let mut resumed = visitor.stream(answer["id"].as_i64()).await;
        let (id, replayed) = resumed.next_named("message").await;
        assert_eq!(id.as_deref(), Some(missed["id"].to_string().as_str()));
        assert_eq!(replayed["text"], "Tracking number 42");

        // Seen marks our answers read for the agents.
        app.drain_outbox().await;
        let seen = visitor
            .call(
                reqwest::Method::POST,
                "seen",
                Some(json!({"up_to": missed["id"]})),
            )
            .await;
        assert_eq!(seen.status(), StatusCode::NO_CONTENT);
        let read = app
            .store
            .get_message(switchboard::domain::MessageId::new(
                missed["id"].as_i64().expect("id"),
            ))
            .await
            .expect("message");
        assert_eq!(
            read.delivery_status.map(|s| s.to_string()).as_deref(),
            Some("read")
        );

        let status = app
            .client
            .post(app.url(&format!("/api/v1/conversations/{conversation}/status")))
            .bearer_auth(&app.admin_token)
            .json(&json!({"status": "resolved"}))
            .send()
            .await
            .expect("status");
        assert!(status.status().is_success(), "{}", status.status());
        let (_, closed) = resumed.next_named("status").await;
        assert_eq!(closed["status"], "resolved");

        let history = visitor.history().await;
        let texts: Vec<&str> = history["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m["text"].as_str().expect("text"))
            .collect();
        assert_eq!(
            texts,
            [
                "Where is my <b>order</b>?",
                "It ships <script>today</script>",
                "Tracking number 42"
            ]
        );
        assert_eq!(history["status"], "resolved");

        // The agents see where the visitor was and with what.
        let conversation: Value = app
            .get_json(&format!("/api/v1/conversations/{conversation}"))
            .await;
        let contact_id = conversation["contact_id"].as_i64().expect("contact");
        let contact: Value = app
            .get_json(&format!("/api/v1/contacts/{contact_id}"))
            .await;
        assert_eq!(
            contact["attributes"]["web_chat_page"], "https://shop.example/cart",
            "{contact}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_verified_user_has_one_history_on_every_device_and_a_wrong_hash_is_refused() {
    for backend in backends() {
        let blobs = tempfile::tempdir().expect("dir");
        let app = TestApp::spawn_on(
            TestDb::new(backend).await,
            &site_channel(
                "https://shop.example",
                blobs.path(),
                "identity_required = true",
            ),
        )
        .await;
        let anonymous = app
            .client
            .post(app.url("/widget/site/sessions"))
            .json(&json!({}))
            .send()
            .await
            .expect("session");
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

        let identify = |hash: Option<String>| {
            let mut body =
                json!({"id": "user-42", "name": "Jana Nováková", "email": "jana@example.com"});
            if let Some(hash) = hash {
                body["hash"] = json!(hash);
            }
            app.client
                .post(app.url("/widget/site/identify"))
                .json(&body)
                .send()
        };
        let wrong = identify(Some(identity_hash("user-43")))
            .await
            .expect("identify");
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        let missing = identify(None).await.expect("identify");
        assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
        let before = message_count(&app).await;

        let laptop: Value = identify(Some(identity_hash("user-42")))
            .await
            .expect("identify")
            .json()
            .await
            .expect("json");
        assert_eq!(laptop["visitor"]["verified"], true);
        let laptop = Visitor {
            app: &app,
            token: laptop["token"].as_str().expect("token").to_owned(),
        };
        let (status, _) = laptop.send("l-1", "Hello from the laptop").await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(message_count(&app).await, before + 1);

        let phone: Value = identify(Some(identity_hash("user-42").to_uppercase()))
            .await
            .expect("identify")
            .json()
            .await
            .expect("json");
        let phone = Visitor {
            app: &app,
            token: phone["token"].as_str().expect("token").to_owned(),
        };
        let history = phone.history().await;
        assert_eq!(history["messages"][0]["text"], "Hello from the laptop");

        // Another channel's token, a changed token and none at all are refused.
        let mut forged = phone.token.clone();
        forged.push('0');
        for token in [forged.as_str(), "v1.garbage.1.00", ""] {
            let response = app
                .client
                .get(app.url("/widget/site/messages"))
                .header("x-visitor-token", token)
                .send()
                .await
                .expect("messages");
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_a_reason_and_stores_nothing() {
    let blobs = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn_with(&site_channel(
        "https://shop.example",
        blobs.path(),
        "max_text_chars = 20\nmax_upload_bytes = 1000\nsessions_per_hour = 3",
    ))
    .await;
    let visitor = Visitor::anonymous(&app).await;
    let before = message_count(&app).await;
    let other = Visitor::anonymous(&app).await;
    let theirs: Value = other
        .app
        .client
        .post(app.url("/widget/site/uploads?name=a.png"))
        .header("x-visitor-token", &other.token)
        .header("content-type", "image/png")
        .body(vec![1u8; 10])
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");
    for (body, expected) in [
        (
            json!({"client_id": "x", "text": "this text is far too long for the channel"}),
            "text",
        ),
        (
            json!({"client_id": "no spaces allowed", "text": "hi"}),
            "client_id",
        ),
        (json!({"client_id": "x", "text": "   "}), "empty"),
        (
            json!({"client_id": "x", "text": "hi", "attachments": ["deadbeef.00"]}),
            "attachments",
        ),
        (
            json!({"client_id": "x", "text": "hi", "attachments": [theirs["id"]]}),
            "attachments",
        ),
        (
            json!({"client_id": "x", "text": "hi", "page_url": "javascript:alert(1)"}),
            "page_url",
        ),
    ] {
        let response = visitor
            .call(reqwest::Method::POST, "messages", Some(body.clone()))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let error: Value = response.json().await.expect("json");
        assert!(
            error["error"]["message"]
                .as_str()
                .expect("message")
                .contains(expected),
            "{error}"
        );
    }
    let malformed = app
        .client
        .post(app.url("/widget/site/messages"))
        .header("x-visitor-token", &visitor.token)
        .header("content-type", "application/json")
        .body("{\"client_id\": ")
        .send()
        .await
        .expect("malformed");
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let html = app
        .client
        .post(app.url("/widget/site/uploads?name=x.html"))
        .header("x-visitor-token", &visitor.token)
        .header("content-type", "text/html")
        .body("<script>alert(1)</script>")
        .send()
        .await
        .expect("upload");
    assert_eq!(html.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let big = app
        .client
        .post(app.url("/widget/site/uploads?name=big.png"))
        .header("x-visitor-token", &visitor.token)
        .header("content-type", "image/png")
        .body(vec![0u8; 1001])
        .send()
        .await
        .expect("upload");
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        message_count(&app).await,
        before,
        "nothing refused was stored"
    );

    // Two sessions were made above; the third is the last this address gets this hour.
    let third = app
        .client
        .post(app.url("/widget/site/sessions"))
        .json(&json!({}))
        .send()
        .await
        .expect("session");
    assert_eq!(third.status(), StatusCode::CREATED);
    let fourth = app
        .client
        .post(app.url("/widget/site/sessions"))
        .json(&json!({}))
        .send()
        .await
        .expect("session");
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(fourth.headers().get("retry-after").is_some());
    app.stop().await;
}

#[tokio::test]
async fn an_uploaded_image_reaches_the_agent_and_the_visitor_reads_it_back() {
    let blobs = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn_with(&site_channel("https://shop.example", blobs.path(), "")).await;
    let visitor = Visitor::anonymous(&app).await;
    let png = b"\x89PNG\r\n\x1a\nnot really an image".to_vec();
    let upload: Value = app
        .client
        .post(app.url("/widget/site/uploads?name=receipt.png"))
        .header("x-visitor-token", &visitor.token)
        .header("content-type", "image/png")
        .body(png.clone())
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");
    let response = visitor
        .call(
            reqwest::Method::POST,
            "messages",
            Some(json!({"client_id": "u-1", "text": "", "attachments": [upload["id"]]})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let message: Value = response.json().await.expect("json");
    assert_eq!(message["attachments"][0]["name"], "receipt.png");
    let id = message["id"].as_i64().expect("id");
    let agent_copy = app
        .get(
            &format!("/api/v1/messages/{id}/attachments/0"),
            &app.admin_token,
        )
        .await;
    assert_eq!(agent_copy.status(), StatusCode::OK);
    assert_eq!(agent_copy.bytes().await.expect("bytes").to_vec(), png);
    let own = visitor
        .call(reqwest::Method::GET, &format!("attachments/{id}/0"), None)
        .await;
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(own.headers()["x-content-type-options"], "nosniff");
    assert_eq!(own.bytes().await.expect("bytes").to_vec(), png);
    let stranger = Visitor::anonymous(&app).await;
    let refused = stranger
        .call(reqwest::Method::GET, &format!("attachments/{id}/0"), None)
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    // An agent's linked file reaches the visitor as a link to open.
    let conversation = message["conversation_id"].as_i64().expect("conversation");
    let answer = app
        .client
        .post(app.url(&format!("/api/v1/conversations/{conversation}/reply")))
        .bearer_auth(&app.admin_token)
        .json(&json!({"text": "Here is the manual", "attachments": [
            {"url": "https://cdn.example/manual.pdf", "name": "manual.pdf", "mime_type": "application/pdf"}
        ]}))
        .send()
        .await
        .expect("reply");
    assert!(answer.status().is_success(), "{}", answer.status());
    let history = visitor.history().await;
    let last = history["messages"]
        .as_array()
        .expect("messages")
        .last()
        .expect("answer")
        .clone();
    assert_eq!(
        last["attachments"][0]["url"], "https://cdn.example/manual.pdf",
        "{last}"
    );
    assert!(
        history["messages"][0]["attachments"][0]
            .get("url")
            .is_none(),
        "an uploaded file is fetched with the token, not linked: {history}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unread_answer_goes_by_email_and_the_email_reply_continues_the_chat() {
    for backend in backends() {
        let sink = SmtpSink::start().await;
        let blobs = tempfile::tempdir().expect("dir");
        let email = format!(
            "[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"help@example.test\"\n\
             display_name = \"ACME Support\"\ndomain = \"example.test\"\nsecret = {:?}\n\
             smtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_tls = \"none\"\nblob_dir = {:?}\n",
            crate::email::SECRET,
            sink.port,
            blobs.path().display().to_string(),
        );
        let config = format!(
            "{}{email}",
            site_channel(
                "https://shop.example",
                blobs.path(),
                "email_channel = \"mail\"\nemail_after_secs = 1",
            )
        );
        let app = TestApp::spawn_running(
            TestDb::new(backend).await,
            &config,
            switchboard::app::Workers {
                dispatcher: true,
                event_webhooks: false,
                router: false,
                automation: false,
                campaigns: false,
                retention: false,
            },
        )
        .await;
        let visitor = Visitor::anonymous(&app).await;
        let away = visitor
            .call(
                reqwest::Method::PATCH,
                "contact",
                Some(json!({"name": "Eva", "email": "Eva@Customer.test"})),
            )
            .await;
        assert_eq!(away.status(), StatusCode::OK);
        let (_, first) = visitor.send("e-1", "Do you ship to Brno?").await;
        let conversation = first["conversation_id"].as_i64().expect("conversation");
        reply(&app, conversation, "Yes, in two days.").await;

        let mail = sink.wait_for(1).await.remove(0);
        // Quoted-printable soft line breaks joined again.
        let text = mail.replace("=\r\n", "").replace("=\n", "");
        assert!(text.contains("Yes, in two days."), "{mail}");
        assert!(
            text.contains("https://shop.example/cart#switchboard-chat"),
            "{mail}"
        );
        assert_eq!(header(&mail, "To").as_deref(), Some("eva@customer.test"));
        let reply_to = header(&mail, "Reply-To").expect("reply-to");
        let address = reply_to
            .rsplit('<')
            .next()
            .expect("address")
            .trim_end_matches('>')
            .to_owned();
        let message_id = header(&mail, "Message-ID").expect("message id");

        let answer = format!(
            "From: Eva <eva@customer.test>\r\nTo: {address}\r\nSubject: Re: ACME help: new reply\r\n\
             Message-ID: <eva-1@customer.test>\r\nIn-Reply-To: {message_id}\r\n\
             Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n\r\nGreat, thanks!\r\n"
        );
        let posted = crate::email::post_raw(
            &app,
            Some(&format!("Bearer {}", crate::email::SECRET)),
            &answer,
        )
        .await;
        assert!(posted.status().is_success(), "{}", posted.status());
        let posted: Value = posted.json().await.expect("json");
        assert_eq!(
            posted["messages"][0]["conversation_id"], conversation,
            "{posted}"
        );
        let history = visitor.history().await;
        let last = history["messages"]
            .as_array()
            .expect("messages")
            .last()
            .expect("last")
            .clone();
        assert_eq!(last["text"], "Great, thanks!");
        assert_eq!(last["from"], "visitor");
        // Emailed once: another round finds nothing new.
        assert_eq!(sink.received().len(), 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_erased_visitor_leaves_nothing_the_widget_could_show() {
    for backend in backends() {
        let blobs = tempfile::tempdir().expect("dir");
        let app = TestApp::spawn_on(
            TestDb::new(backend).await,
            &site_channel("https://shop.example", blobs.path(), ""),
        )
        .await;
        let visitor = Visitor::anonymous(&app).await;
        let told = visitor
            .call(
                reqwest::Method::PATCH,
                "contact",
                Some(json!({"name": "Olga", "email": "olga@example.com", "attributes": {"plan": "gold"}})),
            )
            .await;
        assert_eq!(told.status(), StatusCode::OK);
        let (_, sent) = visitor.send("o-1", "Please forget me").await;
        let conversation: Value = app
            .get_json(&format!(
                "/api/v1/conversations/{}",
                sent["conversation_id"]
            ))
            .await;
        let contact = conversation["contact_id"].as_i64().expect("contact");
        let stored: Value = app.get_json(&format!("/api/v1/contacts/{contact}")).await;
        assert_eq!(
            stored["name"], "Olga",
            "the form's details reached the contact: {stored}"
        );
        assert_eq!(stored["email"], "olga@example.com");

        // What the visitor told the widget is in their export.
        let export = app
            .get_json(&format!("/api/v1/contacts/{contact}/export"))
            .await;
        assert_eq!(export["web_chat_visitors"][0]["name"], "Olga", "{export}");
        assert_eq!(
            export["web_chat_visitors"][0]["attributes"]["plan"], "gold",
            "{export}"
        );

        let job: Value = crate::contact_erasure::erase(&app, contact, "GDPR request")
            .await
            .json()
            .await
            .expect("json");
        crate::contact_erasure::wait_done(
            &app.client,
            &app.base,
            &app.admin_token,
            job["id"].as_i64().expect("job"),
        )
        .await;
        let history = visitor.history().await;
        assert_eq!(history["messages"], json!([]), "{history}");
        assert_eq!(history["visitor"]["name"], Value::Null, "{history}");
        assert_eq!(history["visitor"]["email"], Value::Null, "{history}");
        app.stop().await;
    }
}

#[tokio::test]
async fn signing_in_after_chatting_anonymously_keeps_the_chat() {
    for backend in backends() {
        let blobs = tempfile::tempdir().expect("dir");
        let app = TestApp::spawn_on(
            TestDb::new(backend).await,
            &site_channel("https://shop.example", blobs.path(), ""),
        )
        .await;
        let visitor = Visitor::anonymous(&app).await;
        let (_, before) = visitor.send("a-1", "Asked before signing in").await;
        let signed_in: Value = app
            .client
            .post(app.url("/widget/site/identify"))
            .header("x-visitor-token", &visitor.token)
            .json(&json!({"id": "u-9", "email": "nina@example.com", "hash": identity_hash("u-9")}))
            .send()
            .await
            .expect("identify")
            .json()
            .await
            .expect("json");
        let user = Visitor {
            app: &app,
            token: signed_in["token"].as_str().expect("token").to_owned(),
        };
        let (_, after) = user.send("a-2", "And after").await;
        assert_eq!(
            after["conversation_id"], before["conversation_id"],
            "the same conversation goes on"
        );
        // Answers reach the signed-in visitor live.
        let mut stream = user.stream(after["id"].as_i64()).await;
        let conversation = after["conversation_id"].as_i64().expect("conversation");
        reply(&app, conversation, "Welcome back, Nina").await;
        let (_, pushed) = stream.next_named("message").await;
        assert_eq!(pushed["text"], "Welcome back, Nina");
        // Another device of the same user sees both.
        let other: Value = app
            .client
            .post(app.url("/widget/site/identify"))
            .json(&json!({"id": "u-9", "hash": identity_hash("u-9")}))
            .send()
            .await
            .expect("identify")
            .json()
            .await
            .expect("json");
        let other = Visitor {
            app: &app,
            token: other["token"].as_str().expect("token").to_owned(),
        };
        let texts: Vec<String> = other.history().await["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m["text"].as_str().expect("text").to_owned())
            .collect();
        assert_eq!(
            texts,
            ["Asked before signing in", "And after", "Welcome back, Nina"]
        );
        // The old anonymous token no longer reads anything.
        assert_eq!(visitor.history().await["messages"], json!([]));
        app.stop().await;
    }
}

#[tokio::test]
async fn outside_business_hours_the_widget_is_away_with_its_message() {
    let blobs = tempfile::tempdir().expect("dir");
    // Open every day but today (and tomorrow, should the date turn during the test).
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().expect("tomorrow");
    let days: String = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .iter()
    .map(|day| format!("{day} = \"00:00-24:00\"\n"))
    .collect();
    let config = format!(
        "{}[[business_hours]]\nname = \"site-hours\"\ntimezone = \"UTC\"\n{days}\
         holidays = [\"{today}\", \"{tomorrow}\"]\nchannels = [\"site\"]\n",
        site_channel(
            "https://shop.example",
            blobs.path(),
            "away_message = \"We are back tomorrow.\"",
        )
    );
    let app = TestApp::spawn_with(&config).await;
    let config: Value = app
        .client
        .get(app.url("/widget/site/config"))
        .send()
        .await
        .expect("config")
        .json()
        .await
        .expect("json");
    assert_eq!(config["online"], false, "{config}");
    assert_eq!(config["away_message"], "We are back tomorrow.");
    app.stop().await;
}

#[tokio::test]
async fn a_verified_user_joins_the_contact_of_their_email_and_an_unverified_claim_does_not() {
    for backend in backends() {
        let blobs = tempfile::tempdir().expect("dir");
        let app = TestApp::spawn_on(
            TestDb::new(backend).await,
            &site_channel("https://shop.example", blobs.path(), ""),
        )
        .await;
        // The customer wrote before through the shop's webhook, with their address.
        let body = json!({"id": "w-1", "from": {"id": "cust-1", "name": "Jana", "email": "jana@example.com"}, "text": "Order 7?"}).to_string();
        let hooked: Value = app.post_hook(&body).await.json().await.expect("json");
        let known = app
            .get_json(&format!(
                "/api/v1/conversations/{}",
                hooked["messages"][0]["conversation_id"]
            ))
            .await["contact_id"]
            .clone();

        // Someone typing her address into the widget stays someone else.
        let stranger = Visitor::anonymous(&app).await;
        let claimed = stranger
            .call(
                reqwest::Method::PATCH,
                "contact",
                Some(json!({"email": "jana@example.com"})),
            )
            .await;
        assert_eq!(claimed.status(), StatusCode::OK);
        let (_, theirs) = stranger.send("s-1", "Show me Jana's orders").await;
        let theirs = app
            .get_json(&format!(
                "/api/v1/conversations/{}",
                theirs["conversation_id"]
            ))
            .await["contact_id"]
            .clone();
        assert_ne!(
            theirs, known,
            "an unverified address joined someone's profile"
        );

        // Jana, signed in on the shop with a valid hash, is the same customer.
        let session: Value = app
            .client
            .post(app.url("/widget/site/identify"))
            .json(&json!({"id": "jana-1", "email": "jana@example.com", "hash": identity_hash("jana-1")}))
            .send()
            .await
            .expect("identify")
            .json()
            .await
            .expect("json");
        let jana = Visitor {
            app: &app,
            token: session["token"].as_str().expect("token").to_owned(),
        };
        let (_, hers) = jana.send("j-1", "It is me, about order 7").await;
        let hers = app
            .get_json(&format!(
                "/api/v1/conversations/{}",
                hers["conversation_id"]
            ))
            .await["contact_id"]
            .clone();
        assert_eq!(hers, known, "one customer, one profile");
        app.stop().await;
    }
}

/// Resolves conversation `id` through the API and lets the rules (the survey) run.
pub(crate) async fn resolve(app: &TestApp, id: i64) {
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{id}/status"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.automation.run_once().await.expect("rules");
}

#[tokio::test]
async fn the_survey_shows_under_its_message_and_only_the_visitor_answers_it() {
    for backend in backends() {
        let blobs = tempfile::tempdir().expect("dir");
        let app = TestApp::spawn_on(
            TestDb::new(backend).await,
            &site_channel(
                "https://shop.example",
                blobs.path(),
                "csat = true\nmessages_per_minute = 8",
            ),
        )
        .await;
        let visitor = Visitor::anonymous(&app).await;
        let (_, first) = visitor.send("c-1", "Where is my order?").await;
        let conversation = first["conversation_id"].as_i64().expect("conversation");
        assert!(first.get("csat").is_none(), "{first}");

        // Resolving sends the survey; the open widget gets it with its message.
        let mut stream = visitor.stream(first["id"].as_i64()).await;
        resolve(&app, conversation).await;
        let (_, pushed) = stream.next_named("message").await;
        assert_eq!(pushed["from"], "bot", "{pushed}");
        let survey = &pushed["csat"];
        assert_eq!(survey["state"], "open", "{pushed}");
        assert_eq!(survey["ratings"], json!([1, 2, 3, 4, 5]));
        assert!(survey["rating"].is_null());
        assert_eq!(survey["max_comment_chars"], 2000);
        assert!(survey["expires_at"].is_string());
        let token = survey["token"].as_str().expect("token").to_owned();
        // Only the survey's message carries it, in the history too.
        let history = visitor.history().await;
        let carrying: Vec<&Value> = history["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter(|m| m.get("csat").is_some())
            .collect();
        assert_eq!(carrying.len(), 1, "{history}");
        assert_eq!(carrying[0]["id"], pushed["id"]);
        assert_eq!(carrying[0]["csat"]["token"], token.as_str());

        // Bad input, a forged or expired token and another visitor change nothing.
        let stored = message_count(&app).await;
        let answer = |body: Value| visitor.call(reqwest::Method::POST, "csat", Some(body));
        for rating in [0, 6, -1] {
            let response = answer(json!({"token": token, "rating": rating})).await;
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "rating {rating}"
            );
            let error: Value = response.json().await.expect("json");
            assert_eq!(error["error"]["code"], "invalid", "{error}");
        }
        let long = "x".repeat(2001);
        let response = answer(json!({"token": token, "rating": 5, "comment": long})).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let response = answer(json!({"token": token, "stars": 5})).await;
        assert!(response.status().is_client_error(), "{}", response.status());
        let altered = token.replacen(
            &format!("{conversation}."),
            &format!("{}.", conversation + 1),
            1,
        );
        let response = answer(json!({"token": altered, "rating": 5})).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let key = app
            .campaigns
            .signer()
            .await
            .expect("link key")
            .derive_key("csat");
        let surveys = switchboard::csat::Surveys::new(
            key,
            "http://unused",
            switchboard::csat::DEFAULT_VALIDITY,
        );
        let expired = surveys.token(
            switchboard::domain::ConversationId::new(conversation),
            switchboard::domain::Millis(switchboard::domain::Millis::now().0 - 1000),
        );
        let response = answer(json!({"token": expired, "rating": 5})).await;
        assert_eq!(response.status(), StatusCode::GONE);
        let error: Value = response.json().await.expect("json");
        assert_eq!(error["error"]["code"], "expired", "{error}");
        let stranger = Visitor::anonymous(&app).await;
        let response = stranger
            .call(
                reqwest::Method::POST,
                "csat",
                Some(json!({"token": token, "rating": 1, "comment": "not mine"})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let anonymous = app
            .client
            .post(app.url("/widget/site/csat"))
            .json(&json!({"token": token, "rating": 1}))
            .send()
            .await
            .expect("request");
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let view = app
            .get_json(&format!("/api/v1/conversations/{conversation}"))
            .await;
        assert_eq!(view["csat"]["state"], "sent", "{view}");
        assert_eq!(message_count(&app).await, stored, "nothing was stored");

        // The visitor answers; a later answer with a comment replaces it.
        let response = answer(json!({"token": token, "rating": 4})).await;
        assert_eq!(response.status(), StatusCode::OK);
        let filed: Value = response.json().await.expect("json");
        assert_eq!(filed["rating"], 4);
        assert!(filed["previous"].is_null());
        assert_eq!(filed["conversation_id"], conversation);
        let view = app
            .get_json(&format!("/api/v1/conversations/{conversation}"))
            .await;
        assert_eq!(view["csat"]["rating"], 4, "{view}");
        assert_eq!(view["csat"]["state"], "answered");
        let response =
            answer(json!({"token": token, "rating": 5, "comment": "  Quick and kind  "})).await;
        assert_eq!(response.status(), StatusCode::OK);
        let filed: Value = response.json().await.expect("json");
        assert_eq!(
            (filed["rating"].as_i64(), filed["previous"].as_i64()),
            (Some(5), Some(4))
        );
        let view = app
            .get_json(&format!("/api/v1/conversations/{conversation}"))
            .await;
        assert_eq!(view["csat"]["rating"], 5, "{view}");
        assert_eq!(view["status"], "resolved", "an answer does not reopen");

        // After a reload the widget shows the answer, and the comment as the visitor's.
        let history = visitor.history().await;
        let messages = history["messages"].as_array().expect("messages");
        let survey = messages
            .iter()
            .find(|m| m.get("csat").is_some())
            .expect("survey message");
        assert_eq!(survey["csat"]["state"], "answered", "{survey}");
        assert_eq!(survey["csat"]["rating"], 5);
        let last = messages.last().expect("comment");
        assert_eq!(last["from"], "visitor");
        assert_eq!(last["text"], "Quick and kind");

        // Answers count against the visitor's message limit like their other calls.
        let mut limited = None;
        for _ in 0..8 {
            let response = answer(json!({"token": token, "rating": 5})).await;
            if response.status() == StatusCode::TOO_MANY_REQUESTS {
                limited = Some(response);
                break;
            }
            assert_eq!(response.status(), StatusCode::OK);
        }
        let limited = limited.expect("the limit was reached");
        assert!(limited.headers().get("retry-after").is_some());
        app.stop().await;
    }
}

/// The widget's files as served (the loader, the frame's page, its script and style) weigh at
/// most 40 KB together once gzipped, the budget a host site's visitors pay for the bubble.
#[tokio::test]
async fn the_widget_stays_within_its_size_budget() {
    use std::io::Write as _;

    const BUDGET_BYTES: usize = 40_000;
    let blobs = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn_with(&site_channel("https://www.example.com", blobs.path(), "")).await;
    let mut compressed = 0;
    for path in [
        "/widget.js",
        "/widget/site",
        "/widget/assets/chat.js",
        "/widget/assets/chat.css",
    ] {
        let response = app.client.get(app.url(path)).send().await.expect("file");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = response.bytes().await.expect("body");
        assert!(
            body.len() > 500,
            "{path} is the real file: {} bytes",
            body.len()
        );
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(&body).expect("gzip");
        compressed += gzip.finish().expect("gzip").len();
    }
    assert!(
        compressed <= BUDGET_BYTES,
        "the widget weighs {compressed} bytes gzipped, over its budget of {BUDGET_BYTES}"
    );
    app.stop().await;
}
