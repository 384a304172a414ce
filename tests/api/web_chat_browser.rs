//! The website chat widget in a real headless Chromium, embedded in pages served from other
//! origins (other ports): a visitor writes, an agent answers from the inbox and each sees the
//! other live (typing too); a reload keeps the history; a verified user finds it in another
//! browser profile; a wrong identity hash is refused; hostile text from either side stays
//! text; a site outside `allowed_origins` cannot frame the widget.

use fantoccini::{Client, Locator, key::Key};
use serde_json::json;

use crate::browser::{Driver, screenshot, wait_for, wait_until};
use crate::helpers::TestApp;
use crate::web::{agent_with_password, sign_in};
use crate::web_chat::{IDENTITY_SECRET, identity_hash};

/// What the visitor types: markup that would run if it were ever parsed as HTML.
const HOSTILE_VISITOR: &str = "Hi <img src=x onerror=\"window.top.__pwned=1\"> where is my order?";
/// What the agent answers: markup the widget must show as text.
const HOSTILE_AGENT: &str = "<b>It ships</b> today <script>window.__pwned=2</script>";

/// A host site on its own loopback port serving one page, until dropped.
struct HostSite {
    origin: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for HostSite {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl HostSite {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        // The page is generated per request from the query: which channel, and what to run.
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(
                |axum::extract::Query(page): axum::extract::Query<std::collections::HashMap<String, String>>| async move {
                    let widget = page.get("widget").cloned().unwrap_or_default();
                    let channel = page.get("channel").cloned().unwrap_or_default();
                    let after = page.get("after").cloned().unwrap_or_default();
                    axum::response::Html(format!(
                        "<!doctype html><html><head><title>ACME shop</title></head><body>\
                         <h1>ACME shop</h1><p>Everything for your garden.</p>\
                         <script src=\"{widget}/widget.js\" data-channel=\"{channel}\"></script>\
                         <script>window.__messages = []; Switchboard.on('message', m => window.__messages.push(m)); {after}</script>\
                         </body></html>"
                    ))
                },
            ),
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { origin, server }
    }

    fn page(&self, app: &TestApp, channel: &str, after: &str) -> String {
        let query = serde_urlencoded_pairs(&[
            ("widget", &app.base),
            ("channel", channel),
            ("after", after),
        ]);
        format!("{}/?{query}", self.origin)
    }
}

fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Opens the host page and steps into the widget's frame once it has shown itself.
async fn open_widget(client: &Client, url: &str) {
    client.goto(url).await.expect("goto host page");
    wait_until(
        client,
        "the widget frame shown",
        "document.querySelector('iframe')?.style.visibility === 'visible'",
    )
    .await;
    enter_widget(client).await;
}

async fn enter_widget(client: &Client) {
    client.enter_parent_frame().await.expect("top");
    client
        .find(Locator::Css("iframe"))
        .await
        .expect("iframe")
        .enter_frame()
        .await
        .expect("enter frame");
}

async fn leave_widget(client: &Client) {
    client.enter_parent_frame().await.expect("leave frame");
}

/// Types `text` in the widget's composer and sends it with Enter.
async fn visitor_sends(client: &Client, text: &str) {
    let input = wait_for(client, "#sb-input").await;
    input.send_keys(text).await.expect("type");
    input
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("send");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_on_another_site_talks_live_with_the_inbox_in_chromium() {
    let host = HostSite::start().await;
    let stranger = HostSite::start().await;
    let blobs = tempfile::tempdir().expect("dir");
    let config = format!(
        "[[channels]]\nname = \"site\"\nkind = \"web_chat\"\nallowed_origins = [{origin:?}]\n\
         title = \"ACME help\"\nwelcome = \"Hello! Ask us anything.\"\nblob_dir = {blobs:?}\n\n\
         [[channels]]\nname = \"members\"\nkind = \"web_chat\"\nallowed_origins = [{origin:?}]\n\
         identity_secret = {IDENTITY_SECRET:?}\nidentity_required = true\nblob_dir = {blobs:?}\n",
        origin = host.origin,
        blobs = blobs.path().display().to_string(),
    );
    let app = TestApp::spawn_with(&config).await;
    let (_, email, password) = agent_with_password(&app, "Alice", "agent").await;
    let mut driver = Driver::start().await;

    // The visitor writes hostile text; it is stored and shown as text.
    let visitor = driver.browser().await;
    open_widget(&visitor, &host.page(&app, "site", "")).await;
    wait_for(&visitor, ".launcher")
        .await
        .click()
        .await
        .expect("open");
    wait_until(
        &visitor,
        "panel open",
        "!document.querySelector('#sb-panel').hidden",
    )
    .await;
    visitor_sends(&visitor, HOSTILE_VISITOR).await;
    wait_until(
        &visitor,
        "message stored",
        "[...document.querySelectorAll('.msg.mine')].some(m => Number(m.dataset.id) > 0 && m.innerText.includes('where is my order'))",
    )
    .await;
    let conversation = app.get_json("/api/v1/conversations").await["items"][0]["id"]
        .as_i64()
        .expect("conversation");

    // The agent opens it in the inbox and starts typing: the visitor sees it.
    let agent = driver.browser().await;
    sign_in(&agent, &app, &email, &password).await;
    agent
        .goto(&app.url(&format!("/#/inbox/all/{conversation}")))
        .await
        .expect("goto conversation");
    wait_until(
        &agent,
        "the visitor's message in the thread",
        "document.querySelector('#messages .msg.in')?.innerText.includes('where is my order')",
    )
    .await;
    let composer = wait_for(&agent, "#composer-text").await;
    composer.send_keys(HOSTILE_AGENT).await.expect("type");
    wait_until(
        &visitor,
        "agent typing shown",
        "document.querySelector('.typing')?.textContent.includes('Alice')",
    )
    .await;
    // And the visitor's typing reaches the agent.
    wait_for(&visitor, "#sb-input")
        .await
        .send_keys("More")
        .await
        .expect("type");
    wait_until(
        &agent,
        "customer typing shown",
        "document.querySelector('#presence')?.innerText.includes('customer is typing')",
    )
    .await;
    let send = format!("{}{}", Key::Control, Key::Enter);
    composer.send_keys(&send).await.expect("send");
    wait_until(
        &visitor,
        "the answer arrives live",
        "[...document.querySelectorAll('.msg.theirs')].some(m => m.innerText.includes('<b>It ships</b> today'))",
    )
    .await;
    // Neither side ran or rendered the other's markup.
    let inert = visitor
        .execute(
            "return !document.querySelector('.log img, .log b, .log script') && !window.__pwned",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        inert,
        json!(true),
        "hostile text became markup in the widget"
    );
    let inert = agent
        .execute(
            "return !document.querySelector('#messages img[src=x]') && !window.__pwned",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        inert,
        json!(true),
        "hostile text became markup in the inbox"
    );
    leave_widget(&visitor).await;
    let untouched = visitor
        .execute("return !window.__pwned", vec![])
        .await
        .expect("script");
    assert_eq!(untouched, json!(true), "the host page was reached");
    let host_saw = visitor
        .execute("return window.__messages.map(m => m.text)", vec![])
        .await
        .expect("script");
    assert!(
        host_saw.to_string().contains("It ships"),
        "the host page heard of the answer: {host_saw}"
    );

    // A reload keeps the history.
    open_widget(&visitor, &host.page(&app, "site", "")).await;
    wait_for(&visitor, ".launcher")
        .await
        .click()
        .await
        .expect("open");
    wait_until(
        &visitor,
        "history after reload",
        "document.querySelectorAll('.msg.mine[data-id]').length >= 1 && document.querySelector('.log').innerText.includes('It ships')",
    )
    .await;
    leave_widget(&visitor).await;

    // A verified member writes on one browser and finds it on another.
    let identify = |hash: &str| {
        format!(
            "Switchboard.identify({{id: 'member-7', name: 'Petr', email: 'petr@example.com', hash: '{hash}'}}); Switchboard.open();"
        )
    };
    let laptop = driver.browser().await;
    open_widget(
        &laptop,
        &host.page(&app, "members", &identify(&identity_hash("member-7"))),
    )
    .await;
    visitor_sends(&laptop, "Written on the laptop").await;
    wait_until(
        &laptop,
        "member message stored",
        "[...document.querySelectorAll('.msg.mine')].some(m => Number(m.dataset.id) > 0)",
    )
    .await;
    let phone = driver.browser().await;
    open_widget(
        &phone,
        &host.page(&app, "members", &identify(&identity_hash("member-7"))),
    )
    .await;
    wait_until(
        &phone,
        "history on the second profile",
        "document.querySelector('.log')?.innerText.includes('Written on the laptop')",
    )
    .await;

    // A wrong hash is refused: the widget says so and nothing can be sent.
    let impostor = driver.browser().await;
    let before = app.store.count_messages().await.expect("count");
    open_widget(
        &impostor,
        &host.page(&app, "members", &identify(&identity_hash("member-8"))),
    )
    .await;
    wait_until(
        &impostor,
        "identity refused",
        "(document.querySelector('.error')?.textContent || '').length > 0",
    )
    .await;
    let history = app
        .client
        .get(app.url("/widget/members/messages"))
        .send()
        .await
        .expect("anonymous history");
    assert_eq!(history.status(), 401);
    assert_eq!(app.store.count_messages().await.expect("count"), before);

    // A site that is not allowed gets no widget in its frame.
    let outsider = driver.browser().await;
    outsider
        .goto(&stranger.page(&app, "site", ""))
        .await
        .expect("goto stranger");
    wait_until(
        &outsider,
        "the frame attempted",
        "document.querySelector('iframe') !== null",
    )
    .await;
    let shown = outsider
        .execute(
            "return new Promise(done => { const f = document.querySelector('iframe'); \
             const check = () => done(f.style.visibility); \
             if (f.dataset.loaded) check(); else f.addEventListener('load', check); \
             setTimeout(check, 10000); })",
            vec![],
        )
        .await
        .expect("script");
    assert_ne!(shown, json!("visible"), "a foreign site framed the widget");
    enter_widget(&outsider).await;
    let inside = outsider
        .execute("return !!document.querySelector('.launcher')", vec![])
        .await
        .expect("frame");
    assert_eq!(
        inside,
        json!(false),
        "the widget ran inside a foreign frame"
    );

    // A new visitor's ordinary chat, for the README's picture.
    let shopper = driver.browser().await;
    open_widget(&shopper, &host.page(&app, "site", "Switchboard.open();")).await;
    visitor_sends(&shopper, "Hello, does the garden chair come in green?").await;
    wait_until(
        &shopper,
        "question stored",
        "[...document.querySelectorAll('.msg.mine')].some(m => Number(m.dataset.id) > 0)",
    )
    .await;
    let question = app.get_json("/api/v1/conversations").await["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| {
            c["last_message"]
                .as_str()
                .is_some_and(|m| m.contains("garden chair"))
        })
        .and_then(|c| c["id"].as_i64())
        .expect("the shopper's conversation");
    crate::web_chat::reply(&app, question, "It does! The green one ships tomorrow.").await;
    wait_until(
        &shopper,
        "answer shown",
        "document.querySelector('.log')?.innerText.includes('green one ships')",
    )
    .await;
    leave_widget(&shopper).await;
    screenshot(&shopper, "widget").await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_typed_while_the_server_is_away_is_sent_once_when_it_returns() {
    let host = HostSite::start().await;
    let blobs = tempfile::tempdir().expect("dir");
    let config = format!(
        "[[channels]]\nname = \"site\"\nkind = \"web_chat\"\nallowed_origins = [{:?}]\nblob_dir = {:?}\n",
        host.origin,
        blobs.path().display().to_string(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = TestApp::spawn_on_listener(
        crate::helpers::TestDb::new(crate::helpers::app_backend()).await,
        &config,
        listener,
    )
    .await;
    let mut driver = Driver::start().await;
    let visitor = driver.browser().await;
    open_widget(&visitor, &host.page(&app, "site", "Switchboard.open();")).await;
    visitor_sends(&visitor, "Before the outage").await;
    wait_until(
        &visitor,
        "first message stored",
        "[...document.querySelectorAll('.msg.mine')].some(m => Number(m.dataset.id) > 0)",
    )
    .await;
    let page = host.page(&app, "site", "Switchboard.open();");

    // The server goes away; the visitor writes anyway and sees it waiting.
    let db = app.stop_keeping_db().await;
    visitor_sends(&visitor, "Written during the outage").await;
    wait_until(
        &visitor,
        "message waiting",
        "[...document.querySelectorAll('.msg.mine.pending')].some(m => m.innerText.includes('during the outage'))",
    )
    .await;

    // Back on the same address: the widget reconnects and sends it, once.
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .expect("bind again");
    let app = TestApp::spawn_on_listener(db, &config, listener).await;
    wait_until(
        &visitor,
        "message sent after the outage",
        "!document.querySelector('.msg.mine.pending') && [...document.querySelectorAll('.msg.mine')].some(m => Number(m.dataset.id) > 0 && m.innerText.includes('during the outage'))",
    )
    .await;
    // A reload (which also sends whatever is left in the outbox) shows it once.
    open_widget(&visitor, &page).await;
    wait_until(
        &visitor,
        "history after reload",
        "document.querySelector('.log')?.innerText.includes('during the outage')",
    )
    .await;
    let copies = visitor
        .execute(
            "return [...document.querySelectorAll('.msg.mine')].filter(m => m.innerText.includes('during the outage')).length",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(copies, json!(1), "shown once");
    let conversation = app.get_json("/api/v1/conversations").await["items"][0]["id"]
        .as_i64()
        .expect("conversation");
    let messages = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    let stored = messages["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|m| m["text"] == "Written during the outage")
        .count();
    assert_eq!(stored, 1, "stored once: {messages}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pre_chat_form_fills_the_contact_in_czech() {
    let host = HostSite::start().await;
    let blobs = tempfile::tempdir().expect("dir");
    let config = format!(
        "[[channels]]\nname = \"site\"\nkind = \"web_chat\"\nallowed_origins = [{:?}]\nblob_dir = {:?}\n\
         [channels.pre_chat]\nenabled = true\nmessage = \"Než začneme:\"\n\
         fields = [{{ name = \"name\", label = \"Jméno\" }}, {{ name = \"email\", label = \"E-mail\", type = \"email\", required = true }}, {{ name = \"order\", label = \"Objednávka\" }}]\n",
        host.origin,
        blobs.path().display().to_string(),
    );
    let app = TestApp::spawn_with(&config).await;
    let mut driver = Driver::start().await;
    let visitor = driver.browser().await;
    open_widget(
        &visitor,
        &host.page(
            &app,
            "site",
            "Switchboard.setLocale('cs'); Switchboard.open();",
        ),
    )
    .await;
    wait_until(&visitor, "Czech", "document.documentElement.lang === 'cs'").await;
    wait_for(&visitor, ".prechat input[name=name]")
        .await
        .send_keys("Jana")
        .await
        .expect("name");
    wait_for(&visitor, ".prechat input[name=email]")
        .await
        .send_keys("jana@example.cz")
        .await
        .expect("email");
    wait_for(&visitor, ".prechat input[name=order]")
        .await
        .send_keys("A-1042")
        .await
        .expect("order");
    wait_for(&visitor, ".prechat button[type=submit]")
        .await
        .click()
        .await
        .expect("submit");
    wait_until(
        &visitor,
        "the composer after the form",
        "!document.querySelector('.composer').hidden",
    )
    .await;
    visitor_sends(&visitor, "Dobrý den, kde je moje zásilka?").await;
    wait_until(
        &visitor,
        "message stored",
        "[...document.querySelectorAll('.msg.mine')].some(m => Number(m.dataset.id) > 0)",
    )
    .await;
    let conversation = app.get_json("/api/v1/conversations").await["items"][0].clone();
    let contact = app
        .get_json(&format!(
            "/api/v1/contacts/{}",
            conversation["contact_id"].as_i64().expect("contact")
        ))
        .await;
    assert_eq!(contact["name"], "Jana", "{contact}");
    assert_eq!(contact["email"], "jana@example.cz", "{contact}");
    assert_eq!(contact["attributes"]["order"], "A-1042", "{contact}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_rates_the_chat_inline_and_sees_it_answered_after_a_reload() {
    let host = HostSite::start().await;
    let blobs = tempfile::tempdir().expect("dir");
    let config = format!(
        "[[channels]]\nname = \"site\"\nkind = \"web_chat\"\nallowed_origins = [{:?}]\n\
         title = \"ACME help\"\nblob_dir = {:?}\ncsat = true\n",
        host.origin,
        blobs.path().display().to_string(),
    );
    let app = TestApp::spawn_with(&config).await;
    let mut driver = Driver::start().await;
    let visitor = driver.browser().await;
    let page = host.page(&app, "site", "Switchboard.open();");
    open_widget(&visitor, &page).await;
    visitor_sends(&visitor, "Got it, thank you!").await;
    wait_until(
        &visitor,
        "message stored",
        "[...document.querySelectorAll('.msg.mine')].some(m => Number(m.dataset.id) > 0)",
    )
    .await;
    let conversation = app.get_json("/api/v1/conversations").await["items"][0]["id"]
        .as_i64()
        .expect("conversation");

    // The agent resolves the chat: the survey arrives live with five named buttons.
    crate::web_chat::resolve(&app, conversation).await;
    wait_until(
        &visitor,
        "five rating buttons under the survey",
        "document.querySelectorAll('.msg.theirs .csat button.rate').length === 5",
    )
    .await;
    let labels = visitor
        .execute(
            "const group = document.querySelector('.csat[role=group]'); \
             return [document.getElementById(group.getAttribute('aria-labelledby')).textContent, \
             ...[...group.querySelectorAll('button.rate')].map(b => b.getAttribute('aria-label') + '|' + b.getAttribute('aria-pressed'))]",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        labels,
        json!([
            "Your rating (1 poor, 5 excellent)",
            "Rate 1 of 5|false",
            "Rate 2 of 5|false",
            "Rate 3 of 5|false",
            "Rate 4 of 5|false",
            "Rate 5 of 5|false"
        ])
    );

    // From the keyboard: Enter on "Rate 4 of 5" files the rating; the agents see it.
    wait_for(&visitor, "button.rate[aria-label='Rate 4 of 5']")
        .await
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("press");
    wait_until(
        &visitor,
        "thank-you and the rating chosen",
        "document.querySelector('.csat-status')?.textContent === 'Thank you for your rating!' \
         && document.querySelector('button.rate[aria-pressed=true]')?.dataset.rating === '4'",
    )
    .await;
    let view = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(view["csat"]["rating"], 4, "{view}");
    assert_eq!(view["csat"]["state"], "answered");

    // The optional comment: sent as text, thanked for, and shown as the visitor's message.
    wait_for(&visitor, ".csat-more textarea")
        .await
        .send_keys(HOSTILE_VISITOR)
        .await
        .expect("comment");
    wait_for(&visitor, ".csat-more button[type=submit]")
        .await
        .click()
        .await
        .expect("send comment");
    wait_until(
        &visitor,
        "thanks for the comment",
        "document.querySelector('.csat-status')?.textContent === 'Thank you for your feedback!' \
         && !document.querySelector('.csat-more')",
    )
    .await;
    wait_until(
        &visitor,
        "the comment in the log",
        "[...document.querySelectorAll('.msg.mine')].some(m => m.innerText.includes('where is my order?'))",
    )
    .await;
    let inert = visitor
        .execute(
            "return !document.querySelector('.log img') && !window.__pwned",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(inert, json!(true), "the comment became markup");
    let messages = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    assert!(
        messages["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|m| m["text"] == HOSTILE_VISITOR),
        "{messages}"
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/conversations/{conversation}"))
            .await["csat"]["rating"],
        4
    );

    // After a reload the survey shows as answered, with the rating chosen.
    open_widget(&visitor, &page).await;
    wait_until(
        &visitor,
        "answered survey after reload",
        "document.querySelector('button.rate[aria-pressed=true]')?.dataset.rating === '4' \
         && document.querySelector('.csat-status')?.textContent === 'Thank you for your rating!'",
    )
    .await;
    // In Czech, names and thanks included.
    leave_widget(&visitor).await;
    visitor
        .execute("Switchboard.setLocale('cs')", vec![])
        .await
        .expect("set locale");
    enter_widget(&visitor).await;
    wait_until(
        &visitor,
        "the survey in Czech",
        "document.querySelector('button.rate[data-rating=\"4\"]')?.getAttribute('aria-label') === 'Hodnocení 4 z 5' \
         && document.querySelector('.csat-status')?.textContent === 'Děkujeme za hodnocení!' \
         && document.querySelector('.csat-q')?.textContent.startsWith('Vaše hodnocení')",
    )
    .await;
    leave_widget(&visitor).await;
    screenshot(&visitor, "widget-csat").await;
    app.stop().await;
}

/// The widget, closed (its launcher) and open with a conversation in it, passes axe-core
/// (WCAG 2.1 A and AA and its best practices) inside its frame at laptop and phone widths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_passes_axe_closed_and_open_at_laptop_and_phone_widths() {
    use crate::web::{axe_source, axe_violations};

    let axe = axe_source();
    let host = HostSite::start().await;
    let blobs = tempfile::tempdir().expect("dir");
    let config = format!(
        "[[channels]]\nname = \"site\"\nkind = \"web_chat\"\nallowed_origins = [{origin:?}]\n\
         title = \"ACME help\"\nwelcome = \"Hello! Ask us anything.\"\nblob_dir = {blobs:?}\n",
        origin = host.origin,
        blobs = blobs.path().display().to_string(),
    );
    let app = TestApp::spawn_with(&config).await;
    let mut driver = Driver::start().await;
    let visitor = driver.browser().await;
    let mut faults = Vec::new();
    for (width, height) in [(1280, 900), (390, 844)] {
        visitor.set_window_size(width, height).await.expect("size");
        open_widget(&visitor, &host.page(&app, "site", "")).await;
        wait_for(&visitor, ".launcher").await;
        for violation in axe_violations(&visitor, &axe).await {
            faults.push(format!("{width}px closed: {violation}"));
        }
        wait_for(&visitor, ".launcher")
            .await
            .click()
            .await
            .expect("open");
        wait_until(
            &visitor,
            "panel open",
            "!document.querySelector('#sb-panel').hidden",
        )
        .await;
        visitor_sends(&visitor, &format!("Where is my order? ({width}px)")).await;
        wait_until(
            &visitor,
            "message stored",
            "[...document.querySelectorAll('.msg.mine')].some(m => Number(m.dataset.id) > 0)",
        )
        .await;
        for violation in axe_violations(&visitor, &axe).await {
            faults.push(format!("{width}px open: {violation}"));
        }
        leave_widget(&visitor).await;
    }
    assert!(faults.is_empty(), "axe-core: {faults:#?}");
    app.stop().await;
}
