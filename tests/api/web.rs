//! The agent web inbox: sign-in, sessions, CSRF and roles over HTTP, and whole working
//! scenarios in a real headless Chromium (see `browser.rs`).

use std::time::Duration;

use fantoccini::{Client, Locator, key::Key};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::{Driver, screenshot, wait_for, wait_until};
use crate::helpers::{TestApp, hook_body, rand_suffix};

pub(crate) fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of cookie `name` set by `response`, with its attributes.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_owned())
        .expect("cookie value")
}

/// The hidden `csrf` field or the CSRF `<meta>` of a page.
fn csrf_in(html: &str) -> String {
    let marker = if html.contains("name=\"csrf-token\"") {
        "name=\"csrf-token\" content=\""
    } else {
        "name=\"csrf\" value=\""
    };
    let start = html.find(marker).expect("csrf in page") + marker.len();
    html[start..]
        .split('"')
        .next()
        .expect("csrf value")
        .to_owned()
}

/// Creates an agent with `role` and a generated password; returns (id, email, password).
pub(crate) async fn agent_with_password(
    app: &TestApp,
    name: &str,
    role: &str,
) -> (i64, String, String) {
    let email = format!("{}-{}@example.com", name.to_lowercase(), rand_suffix());
    let created = app
        .post_json(
            "/api/v1/agents",
            json!({"name": name, "email": email, "role": role}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let made = app
        .post_json(&format!("/api/v1/agents/{id}/password"), json!({}))
        .await;
    assert_eq!(made.status(), 200);
    let password = made.json::<Value>().await.expect("json")["password"]
        .as_str()
        .expect("password")
        .to_owned();
    (id, email, password)
}

/// Posts the sign-in form as a browser would (login-CSRF cookie and field included).
pub(crate) async fn post_login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    post_login_with(app, email, password, &[]).await
}

/// [`post_login`] with extra request headers (`X-Forwarded-For` from a proxy).
pub(crate) async fn post_login_with(
    app: &TestApp,
    email: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let client = no_redirects();
    let form = client
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page");
    assert_eq!(form.status(), 200);
    let login_cookie = cookie_value(&set_cookie(&form, "sb_login").expect("login cookie"));
    let csrf = csrf_in(&form.text().await.expect("html"));
    let mut request = client
        .post(app.url("/login"))
        .header("cookie", format!("sb_login={login_cookie}"))
        .form(&[("email", email), ("password", password), ("csrf", &csrf)]);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.send().await.expect("login")
}

/// Signs in and returns (session cookie header, CSRF token of the page).
pub(crate) async fn session(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let response = post_login(app, email, password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = format!(
        "sb_session={}",
        cookie_value(&set_cookie(&response, "sb_session").expect("session cookie"))
    );
    let page = no_redirects()
        .get(app.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("inbox page");
    assert_eq!(page.status(), 200);
    let csrf = csrf_in(&page.text().await.expect("html"));
    (cookie, csrf)
}

async fn new_conversation(app: &TestApp, text: &str) -> i64 {
    let id = format!("m-{}", rand_suffix());
    let response = app
        .post_hook(&hook_body(&id, &format!("cust-{}", rand_suffix()), text))
        .await;
    assert!(response.status().is_success());
    let event = app.wait_for_event("message.created").await;
    event.conversation_id.expect("conversation").get()
}

#[tokio::test]
async fn sessions_need_csrf_follow_roles_and_end_at_logout() {
    let app = TestApp::spawn().await;
    let conversation = new_conversation(&app, "hello").await;
    let (_, email, password) = agent_with_password(&app, "Alice", "agent").await;

    // No session: the inbox sends the browser to the sign-in page.
    let anonymous = no_redirects().get(app.url("/")).send().await.expect("get");
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()["location"], "/login");

    let signed_in = post_login(&app, &email, &password).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let set = set_cookie(&signed_in, "sb_session").expect("session cookie");
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    let (cookie, csrf) = session(&app, &email, &password).await;

    let client = no_redirects();
    let listed = client
        .get(app.url("/api/v1/conversations"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.status(), 200, "a session reads the API");
    let note = |token: Option<&str>| {
        let mut request = client
            .post(app.url(&format!("/api/v1/conversations/{conversation}/notes")))
            .header("cookie", &cookie)
            .json(&json!({"text": "from the browser"}));
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request.send()
    };
    assert_eq!(
        note(None).await.expect("note").status(),
        403,
        "no CSRF token"
    );
    assert_eq!(note(Some("forged")).await.expect("note").status(), 403);
    let written = note(Some(&csrf)).await.expect("note");
    assert_eq!(written.status(), 201);
    let written: Value = written.json().await.expect("json");
    assert_eq!(
        written["author_type"], "agent",
        "the session acts as its agent"
    );

    // The event stream accepts the cookie (EventSource cannot send headers).
    let stream = client
        .get(app.url("/api/v1/events"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("events");
    assert_eq!(stream.status(), 200);
    drop(stream);

    // Roles apply to sessions as to tokens.
    let admin_only = client
        .get(app.url("/api/v1/tokens"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("tokens");
    assert_eq!(admin_only.status(), 403);
    let (_, marketer_email, marketer_password) =
        agent_with_password(&app, "Mark", "marketer").await;
    let (marketer, _) = session(&app, &marketer_email, &marketer_password).await;
    let refused = client
        .get(app.url("/api/v1/conversations"))
        .header("cookie", &marketer)
        .send()
        .await
        .expect("list");
    assert_eq!(refused.status(), 403);

    // Sign-out needs the page's token, then the cookie is worthless.
    let forged = client
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("logout");
    assert_eq!(forged.status(), 403);
    let out = client
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        set_cookie(&out, "sb_session")
            .expect("cleared")
            .contains("Max-Age=0")
    );
    let after = client
        .get(app.url("/api/v1/conversations"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("list");
    assert_eq!(after.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn password_guessing_is_rate_limited_and_login_forms_are_csrf_bound() {
    // A long first wait, so that the sixth attempt is refused however slow the machine.
    let app = TestApp::spawn_with("[server.sign_in]\nfirst_delay_secs = 600\n").await;
    let (_, email, password) = agent_with_password(&app, "Bea", "agent").await;
    for attempt in 0..5 {
        let wrong = post_login(&app, &email, "not the password").await;
        assert_eq!(wrong.status(), 401, "attempt {attempt}");
        let page = wrong.text().await.expect("html");
        assert!(page.contains("Wrong email or password"));
    }
    let blocked = post_login(&app, &email, &password).await;
    assert_eq!(blocked.status(), 429, "even the right password waits");
    assert!(blocked.headers().contains_key("retry-after"));

    // An unknown address fails the same way as a wrong password.
    let unknown = post_login(&app, "nobody@example.com", "whatever password").await;
    assert_eq!(unknown.status(), 401);

    // A form posted without the cookie that came with it (a cross-site post) is refused.
    let (_, other, other_password) = agent_with_password(&app, "Cid", "agent").await;
    let cross_site = no_redirects()
        .post(app.url("/login"))
        .form(&[
            ("email", other.as_str()),
            ("password", other_password.as_str()),
            ("csrf", "guess"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(cross_site.status(), 403);
    assert!(set_cookie(&cross_site, "sb_session").is_none());

    // A new password (admin reset) ends the old sessions.
    let (cookie, _) = session(&app, &other, &other_password).await;
    let id = app
        .get_json("/api/v1/agents")
        .await
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["email"] == other.as_str())
        .expect("agent")["id"]
        .as_i64()
        .expect("id");
    let reset = app
        .post_json(&format!("/api/v1/agents/{id}/password"), json!({}))
        .await;
    assert_eq!(reset.status(), 200);
    let old = no_redirects()
        .get(app.url("/api/v1/conversations"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("list");
    assert_eq!(old.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn presence_is_shared_and_heartbeats_drive_availability() {
    let app = TestApp::spawn().await;
    let conversation = new_conversation(&app, "hi").await;
    let (agent, email, password) = agent_with_password(&app, "Dana", "agent").await;
    let (cookie, csrf) = session(&app, &email, &password).await;
    let client = no_redirects();
    let set_offline = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/agents/{agent}"),
            &app.admin_token,
            json!({"availability": "offline"}),
        )
        .await;
    assert_eq!(set_offline.status(), 200);

    let beat = client
        .post(app.url("/api/v1/presence/heartbeat"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"availability": "online"}))
        .send()
        .await
        .expect("heartbeat");
    assert_eq!(beat.status(), 204);
    let agents = app.get_json("/api/v1/agents").await;
    let me = agents
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["id"] == agent)
        .expect("agent");
    assert_eq!(
        me["availability"], "online",
        "an open inbox puts the agent online"
    );

    let typing = client
        .post(app.url(&format!("/api/v1/conversations/{conversation}/presence")))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"state": "typing"}))
        .send()
        .await
        .expect("presence");
    assert_eq!(typing.status(), 200);
    let seen = app
        .get_json(&format!("/api/v1/conversations/{conversation}/presence"))
        .await;
    assert_eq!(seen["viewers"][0]["name"], "Dana");
    assert_eq!(seen["viewers"][0]["typing"], true);
    let missing = client
        .post(app.url("/api/v1/conversations/999999/presence"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"state": "viewing"}))
        .send()
        .await
        .expect("presence");
    assert_eq!(missing.status(), 404);

    // Signing out leaves the conversation and takes the agent offline.
    let out = client
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let seen = app
        .get_json(&format!("/api/v1/conversations/{conversation}/presence"))
        .await;
    assert_eq!(seen["viewers"], json!([]));
    let agents = app.get_json("/api/v1/agents").await;
    let me = agents
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["id"] == agent)
        .expect("agent");
    assert_eq!(me["availability"], "offline");
    app.stop().await;
}

#[tokio::test]
async fn pages_and_assets_carry_a_strict_content_security_policy() {
    let app = TestApp::spawn().await;
    for path in ["/login", "/assets/app.js", "/assets/app.css"] {
        let response = no_redirects().get(app.url(path)).send().await.expect("get");
        assert_eq!(response.status(), 200, "{path}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .expect("csp");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval"));
        assert_eq!(response.headers()["x-frame-options"], "DENY");
    }
    let js = no_redirects()
        .get(app.url("/assets/app.js"))
        .send()
        .await
        .expect("get");
    assert!(
        js.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/javascript")
    );
    let missing = no_redirects()
        .get(app.url("/assets/nope.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

/// The response to `path` asked for with `Accept-Encoding: accept` (and `token`, if any): its
/// content encoding, if any, and its body as sent.
async fn fetched_with(
    app: &TestApp,
    path: &str,
    accept: Option<&str>,
    token: Option<&str>,
) -> (Option<String>, Vec<u8>) {
    let mut request = no_redirects().get(app.url(path));
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("get");
    assert_eq!(response.status(), 200, "{path}");
    let encoding = response
        .headers()
        .get("content-encoding")
        .map(|value| value.to_str().expect("encoding").to_owned());
    if encoding.is_some() {
        let vary = response.headers()["vary"].to_str().expect("vary");
        assert!(
            vary.to_ascii_lowercase().contains("accept-encoding"),
            "{path}: {vary}"
        );
    }
    (encoding, response.bytes().await.expect("body").to_vec())
}

#[tokio::test]
async fn responses_are_compressed_for_clients_that_accept_it_except_pages_and_streams() {
    use std::io::Read as _;

    let app = TestApp::spawn().await;
    new_conversation(&app, "a conversation, so the list has something to send").await;
    let token = app.admin_token.clone();
    for (path, token) in [
        ("/assets/app.js", None),
        ("/assets/app.css", None),
        ("/widget.js", None),
        ("/api/v1/conversations", Some(token.as_str())),
    ] {
        let (plain_encoding, plain) = fetched_with(&app, path, None, token).await;
        assert_eq!(plain_encoding, None, "{path} without Accept-Encoding");

        let (encoding, gzipped) = fetched_with(&app, path, Some("gzip"), token).await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{path}");
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(gzipped.as_slice())
            .read_to_end(&mut unpacked)
            .expect("gunzip");
        assert_eq!(unpacked, plain, "{path}: gzip gives back the same bytes");

        let (encoding, brotli) = fetched_with(&app, path, Some("gzip, deflate, br"), token).await;
        assert_eq!(encoding.as_deref(), Some("br"), "{path}: brotli preferred");
        let mut unpacked = Vec::new();
        brotli::Decompressor::new(brotli.as_slice(), 4096)
            .read_to_end(&mut unpacked)
            .expect("unbrotli");
        assert_eq!(unpacked, plain, "{path}: brotli gives back the same bytes");
        if plain.len() > 4096 {
            assert!(
                brotli.len() * 2 < plain.len(),
                "{path}: {} of {}",
                brotli.len(),
                plain.len()
            );
        }
    }
    // Streamed CSV exports end cleanly under a compressor too (it polls the body once more
    // after its last chunk; an unfused stream panicked there and cut the response).
    for path in [
        "/api/v1/reports/conversations.csv",
        "/api/v1/reports/conversations.csv?until=2000-01-01T00:00:00Z",
        "/api/v1/audit?format=csv",
    ] {
        let (plain_encoding, plain) = fetched_with(&app, path, None, Some(&token)).await;
        assert_eq!(plain_encoding, None, "{path}");
        let (encoding, gzipped) = fetched_with(&app, path, Some("gzip"), Some(&token)).await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{path}");
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(gzipped.as_slice())
            .read_to_end(&mut unpacked)
            .expect("gunzip");
        assert_eq!(unpacked, plain, "{path}");
    }
    // Pages carry the CSRF token: never compressed.
    let (encoding, _) = fetched_with(&app, "/login", Some("gzip, br"), None).await;
    assert_eq!(encoding, None, "/login");
    // A live stream is never held back by a compressor.
    let stream = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth(&token)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), 200);
    assert!(stream.headers().get("content-encoding").is_none());
    drop(stream);
    app.stop().await;
}

/// Signs `client` in through the real form and waits for the inbox to be ready.
pub(crate) async fn sign_in(client: &Client, app: &TestApp, email: &str, password: &str) {
    client.goto(&app.url("/login")).await.expect("goto");
    wait_for(client, "#email")
        .await
        .send_keys(email)
        .await
        .expect("type");
    client
        .find(Locator::Css("#password"))
        .await
        .expect("password field")
        .send_keys(password)
        .await
        .expect("type");
    client
        .find(Locator::Css("#sign-in"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    wait_for(client, "body[data-ready='true']").await;
}

/// Presses `key` with the focus on the page itself (not in a field), as shortcuts expect.
async fn press(client: &Client, key: &str) {
    client
        .execute("document.activeElement?.blur(); return true;", vec![])
        .await
        .expect("blur");
    client
        .find(Locator::Css("body"))
        .await
        .expect("body")
        .send_keys(key)
        .await
        .expect("press");
}

async fn text_of(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_agents_work_a_conversation_live_in_chromium() {
    let app = TestApp::spawn().await;
    // A canned response with text of its own: the picker lists it first.
    let canned = app
        .post_json(
            "/api/v1/canned-responses",
            json!({"shortcut": "ships", "title": "Ships today",
                   "body": "Sorry for the wait, {{ contact.name }}: it ships today."}),
        )
        .await;
    assert_eq!(canned.status(), 201);
    let (alice_id, alice_email, alice_password) = agent_with_password(&app, "Alice", "agent").await;
    let (_, bob_email, bob_password) = agent_with_password(&app, "Bob", "agent").await;
    let mut driver = Driver::start().await;
    let alice = driver.browser().await;
    sign_in(&alice, &app, &alice_email, &alice_password).await;
    alice.goto(&app.url("/#/inbox/all")).await.expect("goto");
    wait_for(&alice, "#view-all.active").await;
    alice
        .execute("window.__notReloaded = true; return true;", vec![])
        .await
        .expect("mark page");

    // An inbound webhook message appears in the list by itself.
    let conversation = new_conversation(&app, "My order 1042 has not arrived").await;
    let row = format!("#conv-{conversation}");
    wait_for(&alice, &row).await;
    assert!(
        text_of(&alice, &row)
            .await
            .contains("My order 1042 has not arrived")
    );
    wait_for(&alice, &format!("{row}.unread")).await;
    let still = alice
        .execute("return window.__notReloaded === true", vec![])
        .await
        .expect("script");
    assert_eq!(still, json!(true), "the list updated without a reload");
    screenshot(&alice, "inbox").await;

    // Open it with the keyboard (j): the thread shows the customer's message.
    press(&alice, "j").await;
    wait_until(
        &alice,
        "thread",
        "document.querySelector('#messages .msg.in')?.innerText.includes('1042')",
    )
    .await;

    // Bob opens the same conversation: each sees the other viewing.
    let bob = driver.browser().await;
    sign_in(&bob, &app, &bob_email, &bob_password).await;
    bob.goto(&app.url(&format!("/#/inbox/all/{conversation}")))
        .await
        .expect("goto");
    wait_for(&bob, "#messages .msg.in").await;
    wait_until(
        &alice,
        "Bob is viewing",
        "document.querySelector('#presence')?.innerText.includes('Bob is viewing')",
    )
    .await;
    wait_until(
        &bob,
        "Alice is viewing",
        "document.querySelector('#presence')?.innerText.includes('Alice is viewing')",
    )
    .await;

    // Alice takes it; Bob's screen follows.
    alice
        .find(Locator::Css("#assign"))
        .await
        .expect("assign")
        .select_by_value(&format!("agent:{alice_id}"))
        .await
        .expect("select");
    wait_until(
        &bob,
        "assignment",
        "document.querySelector('#conversation-assignee')?.innerText.includes('Alice')",
    )
    .await;
    wait_until(&bob, "activity line", "document.querySelector('#messages .activity[data-kind=\"conversation.assigned\"]')?.innerText.includes('Assigned to Alice')").await;

    // In her own view (another list, new panes) the conversation stays open.
    alice
        .goto(&app.url(&format!("/#/inbox/mine/{conversation}")))
        .await
        .expect("goto");
    wait_for(&alice, "#view-mine.active").await;
    wait_until(
        &alice,
        "thread shown in the new view",
        "document.querySelector('#messages .msg.in')?.innerText.includes('1042')",
    )
    .await;

    // Labels and priority show up in Bob's list.
    let labels = wait_for(&alice, "#labels").await;
    labels.send_keys("vip, shipping").await.expect("type");
    labels.send_keys(&Key::Tab.to_string()).await.expect("tab");
    alice
        .find(Locator::Css("#priority"))
        .await
        .expect("priority")
        .select_by_value("high")
        .await
        .expect("select");
    wait_for(&bob, &format!("{row} .badge.priority-high")).await;
    wait_until(&bob, "labels", &format!("[...document.querySelectorAll('{row} .badge.label')].map(e => e.innerText).sort().join() === 'shipping,vip'")).await;

    // Bob starts writing; Alice sees him typing.
    let bob_text = wait_for(&bob, "#composer-text").await;
    bob_text.send_keys("I can take this").await.expect("type");
    wait_until(
        &alice,
        "Bob is typing",
        "document.querySelector('#presence')?.innerText.includes('Bob is typing')",
    )
    .await;

    // Alice replies with the canned response, picked with / and rendered for this customer.
    let composer = wait_for(&alice, "#composer-text").await;
    composer.click().await.expect("focus");
    composer.send_keys("/").await.expect("slash");
    wait_until(
        &alice,
        "canned response listed first",
        "document.querySelector('#picker-options li[role=option]')?.dataset.kind === 'canned'",
    )
    .await;
    wait_until(
        &alice,
        "preview",
        "document.querySelector('#picker-preview .msg-text')?.innerText.includes('it ships today')",
    )
    .await;
    wait_for(&alice, "#picker-filter")
        .await
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("choose");
    wait_until(
        &alice,
        "canned text in the composer",
        "document.querySelector('#composer-text').value.includes('it ships today')",
    )
    .await;
    let chosen = alice
        .execute(
            "return document.querySelector('#composer-text').value",
            vec![],
        )
        .await
        .expect("composer text");
    let chosen = chosen.as_str().expect("text").to_owned();
    assert!(
        chosen.starts_with("Sorry for the wait, Customer cust-")
            && chosen.ends_with(": it ships today."),
        "rendered with the conversation's contact: {chosen:?}"
    );
    let ctrl_enter = format!("{}{}", Key::Control, Key::Enter);
    wait_for(&alice, "#composer-text")
        .await
        .send_keys(&ctrl_enter)
        .await
        .expect("send");
    wait_for(&alice, "#messages .msg.out").await;
    app.drain_outbox().await;
    wait_until(&alice, "delivered", "['sent','delivered','read'].includes(document.querySelector('#messages .msg.out .delivery')?.dataset.status)").await;
    let received = app.callback.received.lock().expect("lock").clone();
    assert_eq!(received.len(), 1, "one reply reached the channel");
    let sent: Value = serde_json::from_slice(&received[0].1).expect("callback JSON");
    assert_eq!(
        sent["text"],
        chosen.as_str(),
        "the canned text went out: {sent}"
    );

    // Bob's reply was composed while Alice replied: he is warned before it goes.
    wait_for(&bob, "#messages .msg.out").await;
    wait_for(&bob, "#composer-text")
        .await
        .send_keys(&ctrl_enter)
        .await
        .expect("send");
    wait_until(&bob, "collision warning", "document.querySelector('#collision-warning')?.innerText.includes('Alice replied while you were writing')").await;
    assert_eq!(
        app.callback.received.lock().expect("lock").len(),
        1,
        "nothing sent yet"
    );
    screenshot(&alice, "conversation").await;

    // Resolve with the keyboard; Bob sees it.
    press(&alice, "e").await;
    wait_until(
        &bob,
        "resolved",
        "document.querySelector('#conversation-status')?.innerText === 'resolved'",
    )
    .await;

    // The help overlay opens with ?.
    press(&alice, "?").await;
    wait_until(&alice, "help", "!document.querySelector('#help').hidden").await;
    alice
        .find(Locator::Css("#help-close"))
        .await
        .expect("close")
        .click()
        .await
        .expect("click");

    // Sign out: back to the sign-in page, and the inbox is closed to this browser.
    alice
        .find(Locator::Css("#logout"))
        .await
        .expect("logout")
        .click()
        .await
        .expect("click");
    wait_for(&alice, "#sign-in").await;
    alice.goto(&app.url("/")).await.expect("goto");
    wait_for(&alice, "#sign-in").await;

    alice.close().await.expect("close");
    bob.close().await.expect("close");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_a_customer_writes_runs_in_the_inbox() {
    let app = TestApp::spawn().await;
    let (_, email, password) = agent_with_password(&app, "Eve", "agent").await;
    let sender = format!("attacker-{}", rand_suffix());
    let payloads = [
        "<script>window.__xss = 'script'</script>",
        "<img src=x onerror=\"window.__xss='img'\">",
        "click javascript:window.__xss='link' or <a href=\"javascript:window.__xss='a'\">here</a>",
        "\"><svg onload=\"window.__xss='svg'\">",
    ];
    for (index, text) in payloads.iter().enumerate() {
        let body = json!({"id": format!("x-{index}-{}", rand_suffix()), "from": {"id": sender, "name": "<img src=x onerror=\"window.__xss='name'\">"}, "text": text, "thread": "t1"})
            .to_string();
        assert!(app.post_hook(&body).await.status().is_success());
        app.wait_for_event("message.created").await;
    }
    // An email-like message whose HTML carries scripts and handlers, unsanitised here, so
    // the sandbox alone must stop them.
    let mut mail = app.fake.message(
        &format!("e-{}", rand_suffix()),
        "mailer",
        "see the HTML part",
    );
    mail.html = Some(
        "<p>Hi</p><script>parent.__xss='email-script'</script>\
         <img src=x onerror=\"parent.__xss='email-img'\"><a href=\"javascript:parent.__xss='email-link'\">x</a>"
            .into(),
    );
    app.fake.inject(vec![mail]).await.expect("inject");
    let html_conversation = app
        .wait_for_event("message.created")
        .await
        .conversation_id
        .expect("c")
        .get();
    let list = app.get_json("/api/v1/conversations?channel=shop").await;
    let conversation = list["items"][0]["id"].as_i64().expect("conversation");

    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;
    browser
        .goto(&app.url(&format!("/#/inbox/all/{conversation}")))
        .await
        .expect("goto");
    wait_until(
        &browser,
        "all payloads shown",
        "document.querySelectorAll('#messages .msg.in').length === 4",
    )
    .await;
    wait_until(
        &browser,
        "contact name shown as text",
        "document.querySelector('#conversation-title')?.innerText.includes('<img')",
    )
    .await;
    let thread = text_of(&browser, "#messages").await;
    assert!(
        thread.contains("<script>window.__xss = 'script'</script>"),
        "shown as text: {thread}"
    );
    assert!(thread.contains("onerror"), "{thread}");
    browser
        .goto(&app.url(&format!("/#/inbox/all/{html_conversation}")))
        .await
        .expect("goto");
    let frame = wait_for(&browser, "#messages iframe.email-frame").await;
    assert_eq!(
        frame.attr("sandbox").await.expect("attr").as_deref(),
        Some(""),
        "no sandbox permissions"
    );
    // Let the frame load completely (and fail to run anything) before looking for effects:
    // its own document says when it has, which the page cannot see across the sandbox.
    frame.enter_frame().await.expect("enter the email frame");
    wait_until(
        &browser,
        "email frame loaded",
        "document.readyState === 'complete' && document.body.innerText.includes('Hi')",
    )
    .await;
    browser
        .enter_parent_frame()
        .await
        .expect("back to the page");
    let checks = browser
        .execute(
            "return {
                xss: window.__xss === undefined ? null : String(window.__xss),
                scripts: document.querySelectorAll('#main script').length,
                handlers: [...document.querySelectorAll('#main *')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
                jsLinks: document.querySelectorAll('a[href^=\"javascript:\" i]').length,
            };",
            vec![],
        )
        .await
        .expect("checks");
    assert_eq!(
        checks,
        json!({"xss": null, "scripts": 0, "handlers": 0, "jsLinks": 0})
    );
    assert!(
        browser.get_alert_text().await.is_err(),
        "no dialog was opened"
    );
    tokio::time::timeout(Duration::from_secs(5), browser.close())
        .await
        .expect("close in time")
        .expect("close");
    app.stop().await;
}

#[tokio::test]
async fn the_first_run_prints_a_sign_in_that_works() {
    let dir = tempfile::tempdir().expect("dir");
    let db = crate::helpers::TestDb::new(crate::helpers::app_backend()).await;
    let served = crate::helpers::ServedBinary::start(dir.path(), &db.url);
    let (email, password) = (
        served.printed_value("email:").expect("email printed"),
        served.printed_value("password:").expect("password printed"),
    );
    let crate::helpers::ServedBinary {
        mut child, base, ..
    } = served;
    let client = no_redirects();
    let form = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page");
    let login_cookie = cookie_value(&set_cookie(&form, "sb_login").expect("cookie"));
    let csrf = csrf_in(&form.text().await.expect("html"));
    let signed_in = client
        .post(format!("{base}/login"))
        .header("cookie", format!("sb_login={login_cookie}"))
        .form(&[
            ("email", email.as_str()),
            ("password", password.as_str()),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(
        signed_in.status(),
        StatusCode::SEE_OTHER,
        "the printed password signs in"
    );
    assert!(set_cookie(&signed_in, "sb_session").is_some());
    child.kill().expect("kill");
    child.wait().expect("wait");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deliveries_attachments_and_a_phone_screen() {
    let app = TestApp::spawn().await;
    let (_, email, password) = agent_with_password(&app, "Fay", "agent").await;
    let body = json!({
        "id": format!("a-{}", rand_suffix()),
        "from": {"id": format!("c-{}", rand_suffix()), "name": "Jana"},
        "text": "Photo of the damage and the invoice",
        "attachments": [
            {"url": app.url("/assets/icon.svg"), "name": "damage.svg", "mime_type": "image/svg+xml"},
            {"url": app.url("/assets/app.css"), "name": "invoice.pdf", "mime_type": "application/pdf", "size": 2048},
        ],
    })
    .to_string();
    assert!(app.post_hook(&body).await.status().is_success());
    let conversation = app
        .wait_for_event("message.created")
        .await
        .conversation_id
        .expect("conversation")
        .get();

    let mut driver = Driver::start().await;
    let phone = driver.browser().await;
    phone.set_window_size(390, 844).await.expect("phone size");
    sign_in(&phone, &app, &email, &password).await;
    phone.goto(&app.url("/#/inbox/all")).await.expect("goto");
    wait_for(&phone, &format!("#conv-{conversation}")).await;
    phone
        .goto(&app.url(&format!("/#/inbox/all/{conversation}")))
        .await
        .expect("goto");
    wait_for(&phone, "#messages .attachment.image img[alt='damage.svg']").await;
    wait_until(
        &phone,
        "image preview loaded",
        "(i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().height > 0)(document.querySelector('#messages .attachment.image img'))",
    )
    .await;
    let file = wait_for(&phone, "#messages .attachment a[download='invoice.pdf']").await;
    assert!(
        file.text()
            .await
            .expect("text")
            .contains("invoice.pdf (2 KB)")
    );
    // One pane at a time on a phone: the list gives way to the conversation.
    let shown =
        |css: &str| format!("getComputedStyle(document.querySelector('{css}')).display !== 'none'");
    wait_until(&phone, "thread shown", &shown(".thread-pane")).await;
    wait_until(
        &phone,
        "list hidden",
        &format!("!({})", shown(".list-pane")),
    )
    .await;

    // The channel refuses the reply three times: it is dead, with the reason and a Retry.
    app.callback.answers.lock().expect("lock").extend([
        StatusCode::SERVICE_UNAVAILABLE,
        StatusCode::SERVICE_UNAVAILABLE,
        StatusCode::SERVICE_UNAVAILABLE,
    ]);
    let composer = wait_for(&phone, "#composer-text").await;
    composer
        .send_keys("We are sending a new one.")
        .await
        .expect("type");
    phone
        .find(Locator::Css("#send"))
        .await
        .expect("send")
        .click()
        .await
        .expect("click");
    wait_for(&phone, "#messages .msg.out").await;
    app.drain_outbox().await;
    wait_for(
        &phone,
        "#messages .msg.out .delivery[data-status='dead'] button.retry",
    )
    .await;
    assert!(
        text_of(&phone, "#messages .msg.out .delivery")
            .await
            .contains("503")
    );
    screenshot(&phone, "phone").await;
    phone
        .find(Locator::Css("#messages .msg.out button.retry"))
        .await
        .expect("retry")
        .click()
        .await
        .expect("click");
    wait_until(
        &phone,
        "retry queued",
        "document.querySelector('#toast')?.innerText === 'Queued again'",
    )
    .await;
    app.drain_outbox().await;
    wait_for(&phone, "#messages .msg.out .delivery[data-status='sent']").await;

    // Back to the list.
    phone
        .find(Locator::Css(".back"))
        .await
        .expect("back")
        .click()
        .await
        .expect("click");
    wait_until(&phone, "list shown", &shown(".list-pane")).await;
    phone.close().await.expect("close");
    app.stop().await;
}

/// The page's heading and window title, as a script sees them.
async fn heading_and_title(client: &Client) -> (String, String) {
    let found = client
        .execute(
            "return [document.querySelector('h1')?.textContent ?? null, document.title];",
            vec![],
        )
        .await
        .expect("script");
    (
        found[0].as_str().expect("an h1").to_owned(),
        found[1].as_str().expect("title").to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_names_itself_the_skip_link_keeps_the_view_and_the_help_holds_the_focus() {
    let app = TestApp::spawn().await;
    let conversation = new_conversation(&app, "Where is my parcel?").await;
    let (_, email, password) = agent_with_password(&app, "Ada", "admin").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;
    assert_eq!(
        heading_and_title(&browser).await,
        (
            "Inbox: Mine".to_owned(),
            "Inbox: Mine · Switchboard".to_owned()
        )
    );
    for (route, name) in [
        (
            format!("#/inbox/all/{conversation}"),
            format!("Conversation #{conversation} (All)"),
        ),
        ("#/reports".to_owned(), "Reports".to_owned()),
        ("#/admin/channels".to_owned(), "Admin: Channels".to_owned()),
        // The admin tab's own name, not the route's.
        (
            "#/admin/agents".to_owned(),
            "Admin: Agents & teams".to_owned(),
        ),
        ("#/campaigns".to_owned(), "Campaigns".to_owned()),
    ] {
        browser
            .goto(&app.url(&format!("/{route}")))
            .await
            .expect("goto");
        wait_until(
            &browser,
            &format!("{route} named"),
            &format!("document.title === {:?}", format!("{name} · Switchboard")),
        )
        .await;
        assert_eq!(heading_and_title(&browser).await.0, name, "{route}");
    }

    // The skip link, reached by keyboard, takes the focus to the content and leaves the open
    // conversation open.
    let route = format!("#/inbox/all/{conversation}");
    browser
        .goto(&app.url(&format!("/{route}")))
        .await
        .expect("goto");
    wait_for(&browser, "#conversation-title").await;
    browser
        .execute("document.activeElement?.blur(); window.focus();", vec![])
        .await
        .expect("blur");
    browser
        .active_element()
        .await
        .expect("body")
        .send_keys(&Key::Tab.to_string())
        .await
        .expect("tab");
    let focused = browser.active_element().await.expect("focused");
    assert_eq!(
        focused.attr("class").await.expect("class").as_deref(),
        Some("skip")
    );
    focused
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("enter");
    wait_until(
        &browser,
        "main focused",
        "document.activeElement?.id === 'main'",
    )
    .await;
    let after = browser
        .execute(
            "return [location.hash, !!document.querySelector('#conversation-title')];",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(after, json!([route, true]));

    // The help dialog holds the focus while it is open and gives it back when it closes,
    // whether it was opened from its button or by the `?` key.
    let focused_id = "return document.activeElement?.id ?? null;";
    for opened_by_key in [false, true] {
        if opened_by_key {
            browser
                .execute("document.activeElement?.blur();", vec![])
                .await
                .expect("blur");
            browser
                .active_element()
                .await
                .expect("body")
                .send_keys("?")
                .await
                .expect("?");
        } else {
            let button = browser
                .find(Locator::Css("#help-button"))
                .await
                .expect("? button");
            browser
                .execute("document.getElementById('help-button').focus();", vec![])
                .await
                .expect("focus");
            button
                .send_keys(&Key::Enter.to_string())
                .await
                .expect("enter");
        }
        wait_until(
            &browser,
            "help open",
            "!document.getElementById('help').hidden",
        )
        .await;
        assert_eq!(
            browser.execute(focused_id, vec![]).await.expect("id"),
            json!("help-close")
        );
        for _ in 0..3 {
            browser
                .active_element()
                .await
                .expect("focused")
                .send_keys(&Key::Tab.to_string())
                .await
                .expect("tab");
            let inside = browser
                .execute(
                    "return document.getElementById('help').contains(document.activeElement)                      && document.getElementById('main').inert;",
                    vec![],
                )
                .await
                .expect("inside");
            assert_eq!(inside, json!(true), "Tab stays in the dialog");
        }
        browser
            .active_element()
            .await
            .expect("focused")
            .send_keys(&Key::Escape.to_string())
            .await
            .expect("esc");
        wait_until(
            &browser,
            "help closed",
            "document.getElementById('help').hidden",
        )
        .await;
        assert_eq!(
            browser.execute(focused_id, vec![]).await.expect("id"),
            json!("help-button"),
            "focus back on the ? button (opened by key: {opened_by_key})"
        );
        let inert = browser
            .execute("return document.getElementById('main').inert;", vec![])
            .await
            .expect("inert");
        assert_eq!(inert, json!(false));
    }
    app.stop().await;
}

/// What the focus ring of the focused element looks like: `null` when nothing but the page
/// has the focus, else its description, its ring's contrast against the background it is
/// drawn on, and whether a scrolling ancestor cuts the ring off at the sides.
const FOCUS_RING: &str = r#"
const el = document.activeElement;
if (!el || el === document.body) return null;
const rgba = (text) => (text.match(/[\d.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => {
  const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const style = getComputedStyle(el);
const width = parseFloat(style.outlineWidth) || 0;
const offset = parseFloat(style.outlineOffset) || 0;
const what = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '');
if (style.outlineStyle === 'none' || width < 2) return { what, contrast: 0, clipped: false };
// An inset ring lies on the element's own background, an outer one on its surroundings.
let node = offset < 0 ? el : el.parentElement;
while (node && (rgba(getComputedStyle(node).backgroundColor)[3] ?? 1) === 0) node = node.parentElement;
const background = node ? rgba(getComputedStyle(node).backgroundColor) : [255, 255, 255];
const [a, b] = [luminance(rgba(style.outlineColor)), luminance(background)].sort((x, y) => y - x);
const reach = Math.max(width + offset, 0);
const rect = el.getBoundingClientRect();
let clipped = false;
for (let up = el.parentElement; up; up = up.parentElement) {
  const overflow = getComputedStyle(up).overflowX;
  if (overflow === 'visible') continue;
  const box = up.getBoundingClientRect();
  const left = box.left + up.clientLeft, right = left + up.clientWidth;
  if (rect.left - reach < left - 0.5 || rect.right + reach > right + 0.5) clipped = true;
}
return { what, contrast: (a + 0.05) / (b + 0.05), clipped };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_focus_ring_shows_whole_with_3_to_1_contrast_on_every_control() {
    let app = TestApp::spawn().await;
    let conversation = new_conversation(&app, "Where is my parcel?").await;
    new_conversation(&app, "And another question").await;
    let (_, email, password) = agent_with_password(&app, "Ada", "admin").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    browser.set_window_size(1280, 900).await.expect("size");
    sign_in(&browser, &app, &email, &password).await;
    let mut seen = std::collections::BTreeSet::new();
    let mut faults = Vec::new();
    for route in [
        format!("#/inbox/all/{conversation}"),
        "#/reports".to_owned(),
        "#/campaigns".to_owned(),
        "#/admin/agents".to_owned(),
    ] {
        show_route(&browser, &app, &route).await;
        browser
            .execute("document.activeElement?.blur();", vec![])
            .await
            .expect("blur");
        for _ in 0..40 {
            browser
                .active_element()
                .await
                .expect("focused")
                .send_keys(&Key::Tab.to_string())
                .await
                .expect("tab");
            let ring = browser.execute(FOCUS_RING, vec![]).await.expect("ring");
            if ring.is_null() {
                continue;
            }
            let what = ring["what"].as_str().expect("what").to_owned();
            let contrast = ring["contrast"].as_f64().expect("contrast");
            if contrast < 3.0 || ring["clipped"] == json!(true) {
                faults.push(format!(
                    "{route} {what}: contrast {contrast:.2}, clipped {}",
                    ring["clipped"]
                ));
            }
            seen.insert(what);
        }
    }
    assert!(
        seen.iter().any(|what| what.contains("conv-link"))
            && seen.iter().any(|what| what.contains("nav-inbox"))
            && seen.len() >= 30,
        "Tab went through the top bar, the list, the conversation and the other pages: {seen:?}"
    );
    assert!(faults.is_empty(), "focus rings: {faults:#?}");
    app.stop().await;
}

/// The conversation whose row has the focus, and the open one (from the route).
async fn focused_and_open(client: &Client) -> Value {
    client
        .execute(
            "return [document.activeElement?.closest('.conv')?.dataset.id ?? null,
                     location.hash.split('/')[3] ?? null,
                     document.activeElement?.getAttribute('aria-current')];",
            vec![],
        )
        .await
        .expect("script")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_focus_follows_the_conversation_opened_by_enter_and_by_j_k() {
    let app = TestApp::spawn().await;
    let first = new_conversation(&app, "First").await;
    let second = new_conversation(&app, "Second").await;
    let third = new_conversation(&app, "Third").await;
    let (_, email, password) = agent_with_password(&app, "Ada", "admin").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;
    browser.goto(&app.url("/#/inbox/all")).await.expect("goto");
    wait_until(
        &browser,
        "three rows",
        "document.querySelectorAll('#conversation-list .conv-link').length === 3",
    )
    .await;
    // Newest first: Enter on the second row opens it, and the focus stays on its row (the
    // list is drawn anew, so a lost focus would fall to the page).
    browser
        .execute(
            "document.querySelectorAll('#conversation-list .conv-link')[1].focus();",
            vec![],
        )
        .await
        .expect("focus");
    browser
        .active_element()
        .await
        .expect("row")
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("enter");
    wait_for(&browser, "#conversation-title").await;
    wait_until(
        &browser,
        "second open",
        &format!("location.hash.endsWith('/{second}')"),
    )
    .await;
    assert_eq!(
        focused_and_open(&browser).await,
        json!([second.to_string(), second.to_string(), "true"])
    );
    // j from the page opens the next (older) one and takes the focus to its row; k goes back.
    for (key, expected) in [("j", first), ("k", second), ("k", third)] {
        browser
            .execute("document.activeElement?.blur();", vec![])
            .await
            .expect("blur");
        browser
            .active_element()
            .await
            .expect("body")
            .send_keys(key)
            .await
            .expect("key");
        wait_until(
            &browser,
            &format!("{key} → {expected}"),
            &format!(
                "document.activeElement?.closest('.conv')?.dataset.id === '{expected}' \
                 && location.hash.endsWith('/{expected}')"
            ),
        )
        .await;
        assert_eq!(
            focused_and_open(&browser).await,
            json!([expected.to_string(), expected.to_string(), "true"])
        );
    }
    app.stop().await;
}

/// Goes to inbox route `route` (`#/…`) and waits until its view has loaded.
async fn show_route(browser: &Client, app: &TestApp, route: &str) {
    browser
        .goto(&app.url(&format!("/{route}")))
        .await
        .expect("goto");
    wait_until(
        browser,
        &format!("{route} shown"),
        "document.body.dataset.ready === 'true' && !document.querySelector('#main .loading')",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_320_css_pixels_no_page_scrolls_sideways_and_every_control_is_in_view() {
    let app = TestApp::spawn().await;
    let conversation =
        new_conversation(&app, "A long question about an order and its parcel").await;
    let (_, email, password) = agent_with_password(&app, "Ada", "admin").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;
    browser.set_window_size(320, 800).await.expect("size");
    let width = browser
        .execute("return window.innerWidth;", vec![])
        .await
        .expect("width");
    assert_eq!(width, json!(320), "the viewport is 320 CSS px");
    let mut faults = Vec::new();
    for route in [
        "#/inbox/mine".to_owned(),
        format!("#/inbox/all/{conversation}"),
        "#/reports".to_owned(),
        "#/campaigns".to_owned(),
        "#/admin/agents".to_owned(),
        "#/admin/channels".to_owned(),
    ] {
        show_route(&browser, &app, &route).await;
        // Controls cut off at the right edge: in view only by scrolling the page sideways. A
        // control inside a region that scrolls by itself (a wide table) is reachable there.
        let found = browser
            .execute(
                "const overflow = document.documentElement.scrollWidth - window.innerWidth;
                 const cut = [...document.querySelectorAll('button, a, input, select, textarea')]
                   .filter((el) => el.offsetParent !== null && !el.closest('.visually-hidden, .skip'))
                   .filter((el) => {
                     for (let up = el.parentElement; up; up = up.parentElement) {
                       const x = getComputedStyle(up).overflowX;
                       if (x === 'auto' || x === 'scroll') return false;
                     }
                     return el.getBoundingClientRect().right > window.innerWidth + 0.5;
                   })
                   .map((el) => el.id || el.textContent.trim() || el.tagName);
                 return [overflow, cut];",
                vec![],
            )
            .await
            .expect("measure");
        if found[0].as_f64().expect("overflow") > 0.0
            || !found[1].as_array().expect("cut").is_empty()
        {
            faults.push(format!(
                "{route}: scrolls sideways by {} px, cut off: {}",
                found[0], found[1]
            ));
        }
    }
    assert!(faults.is_empty(), "{faults:#?}");
    app.stop().await;
}

/// axe-core, the accessibility checker, as `scripts/test` installs it.
pub(crate) fn axe_source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser-tools/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "{}: {err}; scripts/test installs it (npm ci --prefix tests/browser-tools)",
            path.display()
        )
    })
}

/// The WCAG 2.1 A and AA rules and axe's best practices that `page` breaks, as
/// "rule (impact): the elements".
pub(crate) async fn axe_violations(client: &Client, axe: &str) -> Vec<String> {
    client.execute(axe, vec![]).await.expect("load axe-core");
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag',
                 values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
               .then((r) => done(r.violations.map((v) => `${v.id} (${v.impact}): ` +
                   v.nodes.map((n) => n.target.join(' ')).join(', '))))
               .catch((e) => done([`axe failed: ${e}`]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    found
        .as_array()
        .expect("a list")
        .iter()
        .map(|violation| violation.as_str().expect("text").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_at_laptop_and_phone_widths() {
    let axe = axe_source();
    let app = TestApp::spawn().await;
    let conversation = new_conversation(&app, "Where is my parcel?").await;
    let created = app
        .post_json(
            "/api/v1/campaigns",
            json!({"name": "Spring sale", "filter": {"op": "everyone"},
                   "channels": [{"channel": "shop", "body": "Sale for {{ contact.name }}"}]}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let campaign = created.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    new_conversation(&app, "And another question").await;
    let (_, email, password) = agent_with_password(&app, "Ada", "admin").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    let mut faults = Vec::new();
    const SIZES: [(u32, u32); 2] = [(1280, 900), (390, 844)];
    for (width, height) in SIZES {
        browser.set_window_size(width, height).await.expect("size");
        browser.goto(&app.url("/login")).await.expect("login");
        wait_for(&browser, "#email").await;
        for violation in axe_violations(&browser, &axe).await {
            faults.push(format!("{width}px /login: {violation}"));
        }
    }
    sign_in(&browser, &app, &email, &password).await;
    for (width, height) in SIZES {
        browser.set_window_size(width, height).await.expect("size");
        for route in [
            "#/inbox/mine".to_owned(),
            format!("#/inbox/all/{conversation}"),
            "#/reports".to_owned(),
            "#/campaigns".to_owned(),
            format!("#/campaigns/{campaign}"),
            "#/admin/agents".to_owned(),
            "#/admin/channels".to_owned(),
            "#/admin/rules".to_owned(),
            "#/admin/templates".to_owned(),
        ] {
            show_route(&browser, &app, &route).await;
            for violation in axe_violations(&browser, &axe).await {
                faults.push(format!("{width}px {route}: {violation}"));
            }
        }
        // The new-campaign form, then the help dialog over it.
        browser.goto(&app.url("/#/campaigns")).await.expect("goto");
        wait_for(&browser, "#campaign-new")
            .await
            .click()
            .await
            .expect("new");
        wait_for(&browser, "#campaign-name").await;
        for violation in axe_violations(&browser, &axe).await {
            faults.push(format!("{width}px new campaign: {violation}"));
        }
        browser
            .execute("document.getElementById('help-button').click();", vec![])
            .await
            .expect("help");
        wait_until(
            &browser,
            "help open",
            "!document.getElementById('help').hidden",
        )
        .await;
        for violation in axe_violations(&browser, &axe).await {
            faults.push(format!("{width}px help: {violation}"));
        }
        browser
            .execute("document.getElementById('help-close').click();", vec![])
            .await
            .expect("close help");
    }
    assert!(faults.is_empty(), "axe-core: {faults:#?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_agents_and_see_channels_templates_and_rules() {
    let app = TestApp::spawn().await;
    let (_, email, password) = agent_with_password(&app, "Ada", "admin").await;
    let (_, agent_email, agent_password) = agent_with_password(&app, "Gus", "agent").await;
    let mut driver = Driver::start().await;
    let admin = driver.browser().await;
    sign_in(&admin, &app, &email, &password).await;
    admin.goto(&app.url("/#/admin/agents")).await.expect("goto");
    wait_until(
        &admin,
        "agents listed",
        "document.querySelector('#admin-agents')?.innerText.includes('Gus')",
    )
    .await;
    wait_for(&admin, "#agent-name")
        .await
        .send_keys("Hana")
        .await
        .expect("type");
    let new_email = format!("hana-{}@example.com", rand_suffix());
    admin
        .find(Locator::Css("#agent-email"))
        .await
        .expect("email")
        .send_keys(&new_email)
        .await
        .expect("type");
    admin
        .find(Locator::Css("#agent-name"))
        .await
        .expect("name")
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("submit");
    wait_until(
        &admin,
        "password shown once",
        "document.querySelector('#new-password code')?.innerText.length === 20",
    )
    .await;
    let new_password = text_of(&admin, "#new-password code").await;
    // The new agent can sign in with it.
    assert_eq!(
        post_login(&app, &new_email, &new_password).await.status(),
        StatusCode::SEE_OTHER
    );

    admin
        .goto(&app.url("/#/admin/channels"))
        .await
        .expect("goto");
    wait_until(
        &admin,
        "channels",
        "document.querySelector('tr[data-channel=\"shop\"]')?.innerText.includes('webhook')",
    )
    .await;

    // Templates: the API lists the built-in ones, and the page previews them.
    let templates = app.get("/api/v1/templates", &app.admin_token).await;
    assert_eq!(templates.status(), 200);
    let templates: Value = templates.json().await.expect("json");
    let first = templates[0]["name"]
        .as_str()
        .expect("a template")
        .to_owned();
    admin
        .goto(&app.url("/#/admin/templates"))
        .await
        .expect("goto");
    wait_for(&admin, "#admin-templates table button")
        .await
        .click()
        .await
        .expect("preview");
    wait_until(
        &admin,
        "template preview",
        &format!(
            "document.querySelector('#template-preview h3')?.innerText.startsWith('{first} (') \
             && document.querySelector('#template-preview pre')?.innerText.length > 0"
        ),
    )
    .await;

    // Rules: one made through the API is listed with its trigger and actions.
    let rule = app
        .post_json(
            "/api/v1/rules",
            json!({"name": "tag vip", "on": "message.received",
                   "actions": [{"add_label": "vip"}]}),
        )
        .await;
    assert_eq!(rule.status(), 201);
    admin.goto(&app.url("/#/admin/rules")).await.expect("goto");
    wait_until(
        &admin,
        "rule listed",
        "(r => r && r.innerText.includes('message.received') && r.innerText.includes('add_label') \
         && r.querySelector('.badge')?.innerText === 'api')\
         (document.querySelector('#admin-rules .rule[data-rule=\"tag vip\"]'))",
    )
    .await;

    // An agent has no admin menu, and gets no admin controls.
    let agent = driver.browser().await;
    sign_in(&agent, &app, &agent_email, &agent_password).await;
    let admin_links = agent
        .execute(
            "return document.querySelectorAll('#nav-admin').length",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(admin_links, json!(0));
    agent.goto(&app.url("/#/admin/agents")).await.expect("goto");
    wait_until(&agent, "no admin controls", "document.querySelector('#admin-agents table') && !document.querySelector('#admin-agents button')").await;
    admin.close().await.expect("close");
    agent.close().await.expect("close");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marketer_runs_a_campaign_from_the_page_and_watches_its_funnel_live() {
    let app = TestApp::spawn().await;
    // Four contacts reachable on the webhook channel `shop` (whose callback_url is the local
    // axum receiver the harness spawned on 127.0.0.1:0); three are in the spring segment.
    let imported = app
        .post_json(
            "/api/v1/contacts/import",
            json!({"csv": "email,name,tags,identity:webhook:shop,consent:webhook\n\
                ana@example.com,Ana Alfa,spring,s-ana,yes\n\
                bob@example.com,Bob Beta,spring,s-bob,yes\n\
                cyril@example.com,Cyril Gama,spring,s-cyril,yes\n\
                dana@example.com,Dana Delta,,s-dana,yes\n"}),
        )
        .await;
    assert_eq!(imported.status(), 200);
    let segment = app
        .post_json(
            "/api/v1/segments",
            json!({"name": "Spring list", "filter": {"op": "tag", "tag": "spring"}}),
        )
        .await;
    assert_eq!(segment.status(), 201);
    let segment = segment.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let (_, email, password) = agent_with_password(&app, "Mia", "marketer").await;
    let (_, agent_email, agent_password) = agent_with_password(&app, "Alice", "agent").await;

    let mut driver = Driver::start().await;
    let marketer = driver.browser().await;
    sign_in(&marketer, &app, &email, &password).await;
    // A marketer lands on the campaigns, without the inbox.
    wait_for(&marketer, "#nav-campaigns[aria-current='page']").await;
    wait_for(&marketer, "#campaigns").await;
    wait_for(&marketer, "#connection.live").await;
    let inbox_links = marketer
        .execute(
            "return document.querySelectorAll('#nav-inbox, #availability').length",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(inbox_links, json!(0));
    marketer
        .execute("window.__notReloaded = true; return true;", vec![])
        .await
        .expect("mark page");

    // Create: the audience count follows the picker.
    wait_for(&marketer, "#campaign-new")
        .await
        .click()
        .await
        .expect("new");
    wait_for(&marketer, "#campaign-name")
        .await
        .send_keys("Spring sale")
        .await
        .expect("type");
    wait_until(
        &marketer,
        "everyone counted",
        "document.querySelector('#audience-count')?.dataset.count === '4'",
    )
    .await;
    marketer
        .find(Locator::Css("#campaign-audience"))
        .await
        .expect("audience")
        .select_by_value(&format!("segment:{segment}"))
        .await
        .expect("select");
    wait_until(
        &marketer,
        "segment counted",
        "document.querySelector('#audience-count')?.innerText.startsWith('3 contacts')",
    )
    .await;
    marketer
        .find(Locator::Css("#campaign-create select[name=channel]"))
        .await
        .expect("channel")
        .select_by_value("shop")
        .await
        .expect("select");
    marketer
        .find(Locator::Css("#campaign-create textarea[name=body]"))
        .await
        .expect("body")
        .send_keys("Spring is here")
        .await
        .expect("type");
    marketer
        .find(Locator::Css("#campaign-save"))
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    wait_for(&marketer, "#campaign-edit").await;
    let list = app.get_json("/api/v1/campaigns").await;
    let id = list["items"][0]["id"].as_i64().expect("campaign");
    let path = format!("/api/v1/campaigns/{id}");
    let created = app.get_json(&path).await;
    assert_eq!(created["name"], "Spring sale");
    assert_eq!(created["filter"], json!({"op": "tag", "tag": "spring"}));
    assert_eq!(created["channels"][0]["body"], "Spring is here");

    // Edit the draft: name, message and rate.
    let name = wait_for(&marketer, "#campaign-edit #campaign-name").await;
    name.clear().await.expect("clear");
    name.send_keys("Spring sale (final)").await.expect("type");
    let body = wait_for(&marketer, "#campaign-edit textarea[name=body]").await;
    body.clear().await.expect("clear");
    body.send_keys("Hello {{ contact.first_name }}, spring prices inside")
        .await
        .expect("type");
    wait_for(&marketer, "#campaign-edit input[name=rate]")
        .await
        .send_keys("1000")
        .await
        .expect("type");
    marketer
        .find(Locator::Css("#campaign-edit #campaign-save"))
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    wait_until(
        &marketer,
        "edited title",
        "document.querySelector('#campaign-title')?.innerText === 'Spring sale (final)'",
    )
    .await;
    let edited = app.get_json(&path).await;
    assert_eq!(edited["state"], "draft");
    assert_eq!(
        edited["channels"][0]["body"],
        "Hello {{ contact.first_name }}, spring prices inside"
    );
    assert_eq!(edited["channels"][0]["rate_per_sec"], 1000.0);

    // Start it; the worker sends while the page follows the event stream.
    wait_for(&marketer, "#campaign-start")
        .await
        .click()
        .await
        .expect("start");
    wait_for(&marketer, "#campaign-summary [data-state='scheduled']").await;
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            app.campaigns.run_once().await.expect("campaign pass");
            if app.get_json(&path).await["state"] == "finished" {
                break;
            }
        }
    })
    .await
    .expect("the campaign finishes");
    wait_until(
        &marketer,
        "funnel sent = 3",
        "document.querySelector('#funnel tr[data-channel=total] td[data-count=sent]')?.innerText === '3'",
    )
    .await;
    wait_for(&marketer, "#campaign-summary [data-state='finished']").await;
    wait_until(
        &marketer,
        "progress complete",
        "document.querySelector('#campaign-progress')?.value === 3",
    )
    .await;
    let still = marketer
        .execute("return window.__notReloaded === true", vec![])
        .await
        .expect("script");
    assert_eq!(still, json!(true), "the page followed without a reload");
    let received: Vec<String> = app
        .callback
        .received
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, body)| String::from_utf8_lossy(body).into_owned())
        .collect();
    assert_eq!(received.len(), 3, "{received:?}");
    assert!(
        received
            .iter()
            .any(|body| body.contains("Hello Ana, spring prices inside")),
        "{received:?}"
    );
    screenshot(&marketer, "campaign").await;

    // An agent has no campaigns entry.
    let agent = driver.browser().await;
    sign_in(&agent, &app, &agent_email, &agent_password).await;
    let campaign_links = agent
        .execute(
            "return document.querySelectorAll('#nav-campaigns').length",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(campaign_links, json!(0));
    marketer.close().await.expect("close");
    agent.close().await.expect("close");
    app.stop().await;
}

#[tokio::test]
async fn the_contact_panel_shows_contacts_that_are_probably_the_same_person() {
    let app = TestApp::spawn().await;
    let hook = json!({
        "id": "m-same-person",
        "from": {"id": "shop-7", "name": "Jana", "phone": "+420 777 123 456"},
        "text": "Where is my parcel?",
    });
    assert!(app.post_hook(&hook.to_string()).await.status().is_success());
    let conversation = app
        .wait_for_event("message.created")
        .await
        .conversation_id
        .expect("conversation")
        .get();
    // The same number typed on another contact before numbers were read alike.
    let other: Value = app
        .post_json(
            "/api/v1/contacts",
            json!({"name": "<b>Jana</b> from the shop"}),
        )
        .await
        .json()
        .await
        .expect("json");
    crate::contact_export::execute(
        app.database_url(),
        crate::helpers::app_backend(),
        &format!(
            "UPDATE contacts SET phone = '+420777123456' WHERE id = {}",
            other["id"]
        ),
    )
    .await;
    let (_, email, password) = agent_with_password(&app, "Ada", "agent").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, &email, &password).await;
    browser
        .goto(&app.url(&format!("/#/inbox/all/{conversation}")))
        .await
        .expect("goto");
    wait_for(&browser, "#contact-duplicates li").await;
    let row = text_of(&browser, "#contact-duplicates li").await;
    assert!(
        row.contains("<b>Jana</b> from the shop")
            && row.contains("same phone")
            && row.contains("+420777123456"),
        "{row}"
    );
    // The customer's name is text, never markup.
    let bold = browser
        .find_all(Locator::Css("#contact-duplicates b"))
        .await
        .expect("find");
    assert!(bold.is_empty());

    // Merge: the other contact joins this one, and the panel offers the undo.
    let merge = wait_for(&browser, "#contact-duplicates button.merge").await;
    assert_eq!(
        merge.attr("aria-label").await.expect("label").as_deref(),
        Some("Merge <b>Jana</b> from the shop into this contact")
    );
    merge.click().await.expect("merge");
    let undo = wait_for(&browser, "#contact-merges button.undo-merge").await;
    let merged: Value = app
        .get_json(&format!("/api/v1/contacts/{}", other["id"]))
        .await;
    let survivor = merged["merged_into"].as_i64().expect("merged");
    wait_until(
        &browser,
        "the suggestion is gone once merged",
        "!document.querySelector('#contact-duplicates')",
    )
    .await;
    let merges = app
        .get_json(&format!("/api/v1/contacts/{survivor}/merges"))
        .await;
    assert_eq!(merges["items"][0]["from"], other["id"]);
    // Undo: both are separate again, and the suggestion comes back.
    undo.click().await.expect("undo");
    wait_for(&browser, "#contact-duplicates button.merge").await;
    wait_until(
        &browser,
        "the undone merge leaves the list",
        "!document.querySelector('#contact-merges')",
    )
    .await;
    let separate: Value = app
        .get_json(&format!("/api/v1/contacts/{}", other["id"]))
        .await;
    assert_eq!(separate["merged_into"], Value::Null);
    app.stop().await;
}
