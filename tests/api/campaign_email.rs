//! An email campaign end to end through a real SMTP server (aiosmtpd): a marketer imports
//! contacts, sends to a saved segment, and the mail that arrives carries the bulk headers,
//! personalised text and HTML with tracked links; the RFC 8058 one-click POST from the
//! `List-Unsubscribe` header opts the recipient out for the next campaign, and the funnel
//! counts it all.

use std::collections::{BTreeMap, BTreeSet};

use mail_parser::{MessageParser, MimeHeaders};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::mail_peers::{SmtpSink, header};

/// Where the links in the mail point: the service's public address, which a mailbox
/// provider would reach; the test reaches the same routes on the test server's address.
const PUBLIC_URL: &str = "https://switchboard.example.test";
const MAILTO: &str = "unsubscribe@example.test";
const TARGET: &str = "https://shop.example.test/sale?from=mail&utm=spring";
const FAST: f64 = 1_000_000.0;

/// The service with an email channel (SMTP only: no IMAP is needed to send) pointed at the sink.
async fn app(sink: &SmtpSink, blobs: &tempfile::TempDir) -> TestApp {
    TestApp::spawn_with(&format!(
        "[campaigns]\npublic_url = {PUBLIC_URL:?}\nunsubscribe_mailto = {MAILTO:?}\n\n\
         [[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"news@example.test\"\n\
         display_name = \"ACME Shop\"\ndomain = \"example.test\"\nsecret = \"mail-channel-secret-0123456789\"\n\
         smtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_tls = \"none\"\nblob_dir = {:?}\n",
        sink.port,
        blobs.path().display().to_string(),
    ))
    .await
}

async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let response = app.send(method, path, token, body).await;
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.expect("json")
}

/// Creates an email campaign to saved segment `segment` and returns its id.
async fn create_campaign(app: &TestApp, token: &str, name: &str, segment: i64) -> i64 {
    let created = call(
        app,
        token,
        Method::POST,
        "/api/v1/campaigns",
        json!({
            "name": name,
            "segment_id": segment,
            "channels": [{
                "channel": "mail",
                "subject": "{{ custom.campaign }} for {{ contact.first_name }}",
                "body": "Hi {{ contact.name }},\n\nour spring sale starts today.\n\n\
                         Unsubscribe: {{ custom.unsubscribe_url }}\n",
                "html": "<html><body><p>Hi {{ contact.name }},</p>\
                         <p><a href=\"https://shop.example.test/sale?from=mail&amp;utm=spring\">See the sale</a></p>\
                         </body></html>",
                "rate_per_sec": FAST,
            }],
            "track_opens": true,
            "track_clicks": true,
        }),
    )
    .await;
    created["id"].as_i64().expect("id")
}

/// Starts campaign `id` and drives the worker until it is finished (bounded; the throttle
/// refills in microseconds, so no sleeps).
async fn send_campaign(app: &TestApp, token: &str, id: i64) -> Value {
    call(
        app,
        token,
        Method::POST,
        &format!("/api/v1/campaigns/{id}/start"),
        json!({}),
    )
    .await;
    for _ in 0..1_000 {
        app.campaigns.run_once().await.expect("campaign pass");
        let view = get(app, token, &format!("/api/v1/campaigns/{id}")).await;
        if view["state"] == "finished" {
            return view;
        }
    }
    panic!("campaign {id} did not finish");
}

/// The address of a `To` header.
fn recipient(raw: &str) -> String {
    let to = header(raw, "To").expect("To");
    match to.rsplit_once('<') {
        Some((_, address)) => address.trim_end_matches('>').to_owned(),
        None => to,
    }
}

/// The URIs of a `List-Unsubscribe` header (RFC 2369: `<uri>, <uri>`).
fn list_unsubscribe(raw: &str) -> Vec<String> {
    header(raw, "List-Unsubscribe")
        .expect("List-Unsubscribe")
        .split(',')
        .map(|uri| {
            uri.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
        .collect()
}

/// The value of the first `attribute="…"` in `html` that contains `needle`, unescaped.
fn attribute_with(html: &str, attribute: &str, needle: &str) -> Option<String> {
    html.split(&format!("{attribute}=\""))
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(value, _)| value))
        .find(|value| value.contains(needle))
        .map(|value| value.replace("&amp;", "&"))
}

/// A public link from the mail, on the test server.
fn on_test_server(app: &TestApp, url: &str) -> String {
    let path = url
        .strip_prefix(PUBLIC_URL)
        .unwrap_or_else(|| panic!("{url} is not under {PUBLIC_URL}"));
    app.url(path)
}

#[tokio::test]
async fn an_email_campaign_reaches_consenting_contacts_and_one_click_unsubscribe_holds() {
    let sink = SmtpSink::start().await;
    let blobs = tempfile::tempdir().expect("temp dir");
    let app = app(&sink, &blobs).await;
    let marketer = app.token("marketer").await;

    // Dana's address bounced hard on an earlier mailing: it is on the suppression list.
    app.fake
        .inject_events(
            vec![connector_sdk::InboundEvent::Suppressed(
                connector_sdk::Suppression::new(
                    "fake",
                    "email",
                    "dana@example.test",
                    "hard bounce: 5.1.1",
                ),
            )],
            None,
        )
        .await
        .expect("suppress");
    let report = call(
        &app,
        &marketer,
        Method::POST,
        "/api/v1/contacts/import",
        json!({"csv": "email,name,consent:email\n\
                       ana@example.test,Ana Nováková,yes\n\
                       bob@example.test,Bob Brown,yes\n\
                       cyril@example.test,Cyril Černý,\n\
                       dana@example.test,Dana Dvořák,yes\n\
                       eva@example.test,Eva Edwards,yes\n"}),
    )
    .await;
    assert_eq!(report["created"], 5, "{report}");
    let segment = call(
        &app,
        &marketer,
        Method::POST,
        "/api/v1/segments",
        json!({"name": "Newsletter", "filter": {"op": "everyone"}}),
    )
    .await["id"]
        .as_i64()
        .expect("segment id");

    let id = create_campaign(&app, &marketer, "Spring sale", segment).await;
    let view = send_campaign(&app, &marketer, id).await;
    assert_eq!(view["funnel"]["total"]["sent"], 3, "{view}");
    assert_eq!(
        view["funnel"]["total"]["suppressed"], 2,
        "Cyril gave no consent, Dana's address is suppressed: {view}"
    );

    // One mail per consenting contact, none to the others.
    let mails = sink.wait_for(3).await;
    let by_recipient: BTreeMap<String, String> = mails
        .iter()
        .map(|raw| (recipient(raw), raw.clone()))
        .collect();
    assert_eq!(mails.len(), 3);
    assert_eq!(
        by_recipient.keys().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from([
            "ana@example.test".to_owned(),
            "bob@example.test".to_owned(),
            "eva@example.test".to_owned(),
        ])
    );

    let mut clicks = BTreeMap::new();
    for (address, raw) in &by_recipient {
        let first_name = match address.as_str() {
            "ana@example.test" => "Ana",
            "bob@example.test" => "Bob",
            _ => "Eva",
        };
        let full_name = match first_name {
            "Ana" => "Ana Nováková",
            "Bob" => "Bob Brown",
            _ => "Eva Edwards",
        };
        // The headers, one by one.
        assert_eq!(
            header(raw, "Subject"),
            Some(format!("Spring sale for {first_name}"))
        );
        assert!(
            header(raw, "From").is_some_and(|from| from.contains("<news@example.test>")),
            "{raw}"
        );
        let uris = list_unsubscribe(raw);
        assert_eq!(uris.len(), 2, "{uris:?}");
        assert!(
            uris[0].starts_with(&format!("{PUBLIC_URL}/unsubscribe/")),
            "a signed web link first: {uris:?}"
        );
        assert!(
            uris[1].starts_with(&format!("mailto:{MAILTO}")),
            "then a mailto: {uris:?}"
        );
        assert_eq!(
            header(raw, "List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        assert_eq!(header(raw, "Precedence").as_deref(), Some("bulk"));
        assert_eq!(
            header(raw, "List-Id"),
            Some(format!(
                "Spring sale <campaign-{id}.switchboard.example.test>"
            ))
        );
        assert!(
            header(raw, "Content-Type").is_some_and(|kind| kind
                .to_ascii_lowercase()
                .starts_with("multipart/alternative")),
            "{raw}"
        );

        // The body: a text part and an HTML part, both personal, links tracked.
        let mail = MessageParser::default()
            .parse(raw.as_bytes())
            .expect("a MIME message");
        let text_part = mail.text_part(0).expect("a text part");
        let text_type = text_part.content_type().expect("its content type");
        assert_eq!(
            (text_type.ctype(), text_type.subtype()),
            ("text", Some("plain"))
        );
        let text = mail.body_text(0).expect("text");
        assert!(text.contains(&format!("Hi {full_name},")), "{text}");
        assert!(
            text.contains(&format!("{PUBLIC_URL}/unsubscribe/")),
            "{text}"
        );
        let html = mail.body_html(0).expect("html");
        assert!(html.contains(&format!("Hi {full_name},")), "{html}");
        assert!(
            !html.contains("href=\"https://shop.example.test"),
            "the link goes through the click redirect: {html}"
        );
        let click = attribute_with(&html, "href", "/c/click/").expect("a tracked link");
        assert!(
            click.starts_with(&format!("{PUBLIC_URL}/c/click/")),
            "{click}"
        );
        let pixel = attribute_with(&html, "src", "/c/open/").expect("an open pixel");
        assert!(
            pixel.starts_with(&format!("{PUBLIC_URL}/c/open/")),
            "{pixel}"
        );
        clicks.insert(address.clone(), (click, pixel, uris[0].clone()));
    }

    // Ana's mail client offers "unsubscribe"; her mailbox provider POSTs the header's link
    // (RFC 8058 §3.1): no cookies, the fixed form body, redirects not followed.
    let provider = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let (_, _, unsubscribe) = &clicks["ana@example.test"];
    let response = provider
        .post(on_test_server(&app, unsubscribe))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("one-click POST");
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("location").is_none());
    assert!(response.headers().get("set-cookie").is_none());

    // The search matches dana@… too.
    let found = get(&app, &marketer, "/api/v1/contacts?q=ana%40example.test").await;
    let ana = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|contact| contact["email"] == "ana@example.test")
        .and_then(|contact| contact["id"].as_i64())
        .expect("Ana's id");
    let consents = get(&app, &marketer, &format!("/api/v1/contacts/{ana}/consents")).await;
    let email = consents["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|consent| consent["channel"] == "email")
        .expect("an email consent");
    assert_eq!(email["granted"], false, "{consents}");
    assert_eq!(email["source"], "unsubscribe", "{consents}");
    assert!(
        app.store
            .is_suppressed("email", "ana@example.test")
            .await
            .expect("lookup"),
        "the address is suppressed"
    );

    // Bob opens the mail and follows the link: the redirect goes to the original target.
    let (click, pixel, _) = &clicks["bob@example.test"];
    let opened = provider
        .get(on_test_server(&app, pixel))
        .send()
        .await
        .expect("pixel");
    assert_eq!(opened.headers()["content-type"], "image/gif");
    let followed = provider
        .get(on_test_server(&app, click))
        .send()
        .await
        .expect("click");
    assert!(followed.status().is_redirection(), "{}", followed.status());
    assert_eq!(followed.headers()["location"], TARGET);

    let view = get(&app, &marketer, &format!("/api/v1/campaigns/{id}")).await;
    let total = &view["funnel"]["total"];
    assert_eq!(total["sent"], 3, "{view}");
    assert_eq!(total["clicked"], 1, "{view}");
    assert_eq!(total["opened"], 1, "{view}");
    assert_eq!(total["unsubscribed"], 1, "{view}");
    assert_eq!(view["funnel"]["channels"]["mail"]["sent"], 3, "{view}");

    // The next campaign to the same segment does not mail Ana.
    let next = create_campaign(&app, &marketer, "Summer sale", segment).await;
    let view = send_campaign(&app, &marketer, next).await;
    assert_eq!(view["funnel"]["total"]["sent"], 2, "{view}");
    assert_eq!(view["funnel"]["total"]["suppressed"], 3, "{view}");
    let mails = sink.wait_for(5).await;
    assert_eq!(
        mails.len(),
        5,
        "only the second campaign's two mails were added"
    );
    let second: BTreeSet<String> = mails
        .iter()
        .filter(|raw| header(raw, "Subject").is_some_and(|s| s.starts_with("Summer sale")))
        .map(|raw| recipient(raw))
        .collect();
    assert_eq!(
        second,
        BTreeSet::from(["bob@example.test".to_owned(), "eva@example.test".to_owned()])
    );
    app.stop().await;
}
