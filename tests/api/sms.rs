//! SMS channels against stand-ins of Twilio and Vonage (`fake_sms`): signed inbound with MMS,
//! refused signatures and bad input, redelivery, replies and status callbacks, 21610, STOP
//! and START in the consent ledger, segment counts, a throttled campaign, Vonage's
//! concatenated messages (across a restart), signatures and delivery receipts, and one
//! customer across WhatsApp and SMS.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_sms::{ACCOUNT_SID, AUTH_TOKEN, FakeSms, VONAGE_KEY, VONAGE_SECRET};
use crate::helpers::TestApp;

/// The URL Twilio is told to call; it need not resolve (signatures cover it, nothing calls it).
const PUBLIC_URL: &str = "https://sb.example.test";
const OUR_NUMBER: &str = "+15005550006";
const CUSTOMER: &str = "+420601000001";
const VONAGE_NUMBER: &str = "447700900000";
const VONAGE_SIGNING: &str = "vonage-signature-secret";

fn config(fake: &FakeSms) -> String {
    format!(
        "[[channels]]\nname = \"tw\"\nkind = \"twilio\"\naccount_sid = {ACCOUNT_SID:?}\n\
         auth_token = {AUTH_TOKEN:?}\nfrom = {OUR_NUMBER:?}\npublic_url = {PUBLIC_URL:?}\n\
         api_url = {url:?}\nmessages_per_second = 1000\n\n\
         [[channels]]\nname = \"tw-plain\"\nkind = \"twilio\"\naccount_sid = {ACCOUNT_SID:?}\n\
         auth_token = {AUTH_TOKEN:?}\nfrom = \"+15005550007\"\npublic_url = \"{PUBLIC_URL}/hooks/tw-plain\"\n\
         api_url = {url:?}\nmessages_per_second = 1000\ntransliterate = true\n\n\
         [[channels]]\nname = \"vo\"\nkind = \"vonage\"\napi_key = {VONAGE_KEY:?}\n\
         api_secret = {VONAGE_SECRET:?}\nfrom = {VONAGE_NUMBER:?}\napi_url = {url:?}\n\
         public_url = {PUBLIC_URL:?}\n\n\
         [[channels]]\nname = \"vo-signed\"\nkind = \"vonage\"\napi_key = {VONAGE_KEY:?}\n\
         api_secret = {VONAGE_SECRET:?}\nfrom = \"447700900009\"\napi_url = {url:?}\n\
         signature_secret = {VONAGE_SIGNING:?}\nsignature_method = \"sha256\"\n\n\
         [[channels]]\nname = \"wa\"\nkind = \"whatsapp\"\napp_secret = \"app-secret\"\n\
         verify_token = \"v\"\naccess_token = \"t\"\nphone_number_id = \"PNID\"\ngraph_url = {url:?}\n",
        url = fake.url
    )
}

async fn start() -> (FakeSms, TestApp) {
    let fake = FakeSms::start().await;
    let app = TestApp::spawn_with(&config(&fake)).await;
    (fake, app)
}

fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

fn form(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Twilio's signature of a form posted to `path` (computed by the connector's function,
/// which the unit tests hold to Twilio's own published vector).
fn twilio_signature(path: &str, params: &[(&str, &str)]) -> String {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    connector_sms::twilio::signature(AUTH_TOKEN, &format!("{PUBLIC_URL}{path}"), &owned)
}

async fn post_twilio(
    app: &TestApp,
    channel: &str,
    params: &[(&str, &str)],
    signature: Option<String>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/hooks/{channel}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(params));
    if let Some(signature) = signature {
        request = request.header("x-twilio-signature", signature);
    }
    request.send().await.expect("post")
}

async fn post_signed_twilio(
    app: &TestApp,
    channel: &str,
    params: &[(&str, &str)],
) -> reqwest::Response {
    let signature = twilio_signature(&format!("/hooks/{channel}"), params);
    post_twilio(app, channel, params, Some(signature)).await
}

/// The newest conversation of `channel` (these tests have one customer per channel).
async fn conversation_of(app: &TestApp, channel: &str) -> i64 {
    app.get_json(&format!("/api/v1/conversations?channel={channel}"))
        .await["items"][0]["id"]
        .as_i64()
        .expect("a conversation")
}

/// A signed inbound SMS from `from` on channel `tw`; returns its conversation.
async fn twilio_text(app: &TestApp, sid: &str, from: &str, body: &str) -> i64 {
    let response = post_signed_twilio(
        app,
        "tw",
        &[
            ("MessageSid", sid),
            ("AccountSid", ACCOUNT_SID),
            ("From", from),
            ("To", OUR_NUMBER),
            ("Body", body),
            ("NumMedia", "0"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    // Twilio gets the empty TwiML it expects, not Switchboard's JSON receipt.
    assert_eq!(
        response.text().await.expect("text"),
        connector_sms::twilio::EMPTY_TWIML
    );
    conversation_of(app, "tw").await
}

async fn messages(app: &TestApp, conversation: i64) -> Vec<Value> {
    app.get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await["items"]
        .as_array()
        .expect("items")
        .clone()
}

#[tokio::test]
async fn signed_mms_is_stored_once_and_bad_requests_store_nothing() {
    let (fake, app) = start().await;
    fake.add_media("ME1", b"\x89PNG picture");
    let media_url = format!("{}/media/ME1", fake.url);
    let params = [
        ("MessageSid", "MM0001"),
        ("SmsSid", "MM0001"),
        ("AccountSid", ACCOUNT_SID),
        ("From", CUSTOMER),
        ("To", OUR_NUMBER),
        ("Body", "Dobrý den, posílám fotku"),
        ("NumMedia", "1"),
        ("MediaUrl0", media_url.as_str()),
        ("MediaContentType0", "image/png"),
        // Twilio adds parameters without notice: they are signed and tolerated.
        ("FromCountry", "CZ"),
        ("SomethingNew", "x"),
    ];

    // Wrong and missing signatures: 401, nothing stored.
    let wrong = post_twilio(&app, "tw", &params, Some("bm90IHRoZSBzaWduYXR1cmU=".into())).await;
    assert_eq!(wrong.status(), 401);
    let error: Value = wrong.json().await.expect("json");
    assert!(
        error["error"]["message"]
            .as_str()
            .expect("message")
            .contains("X-Twilio-Signature")
    );
    assert_eq!(post_twilio(&app, "tw", &params, None).await.status(), 401);
    // Signed for another channel's URL: refused too.
    let elsewhere = twilio_signature("/hooks/tw-plain", &params);
    assert_eq!(
        post_twilio(&app, "tw", &params, Some(elsewhere))
            .await
            .status(),
        401
    );
    // A parameter changed after signing.
    let signature = twilio_signature("/hooks/tw", &params);
    let mut tampered = params.to_vec();
    tampered[5] = ("Body", "Pošlete peníze");
    assert_eq!(
        post_twilio(&app, "tw", &tampered, Some(signature.clone()))
            .await
            .status(),
        401
    );
    assert_eq!(app.store.count_messages().await.expect("count"), 0);

    let stored = post_twilio(&app, "tw", &params, Some(signature.clone())).await;
    assert_eq!(stored.status(), 200);
    assert!(
        stored.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/xml")
    );
    assert_eq!(
        stored.text().await.expect("text"),
        connector_sms::twilio::EMPTY_TWIML
    );
    assert_eq!(app.store.count_messages().await.expect("count"), 1);
    let again = post_twilio(&app, "tw", &params, Some(signature)).await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        1,
        "redelivery stored once"
    );

    let conversation = conversation_of(&app, "tw").await;
    let stored = messages(&app, conversation).await;
    assert_eq!(stored[0]["text"], "Dobrý den, posílám fotku");
    assert_eq!(stored[0]["external_id"], "MM0001");
    let message_id = stored[0]["id"].as_i64().expect("id");
    let download = app
        .get(
            &format!("/api/v1/messages/{message_id}/attachments/0"),
            &app.admin_token,
        )
        .await;
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.bytes().await.expect("bytes").as_ref(),
        b"\x89PNG picture"
    );
    let requests = fake.media_requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0]
            .as_deref()
            .is_some_and(|auth| auth.starts_with("Basic ")),
        "media fetched with the account's credentials"
    );

    let contact = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await["contact_id"]
        .as_i64()
        .expect("contact");
    let contact = app.get_json(&format!("/api/v1/contacts/{contact}")).await;
    assert_eq!(contact["phone"], CUSTOMER);
    // A media URL on another host never gets the account's credentials (nor any request).
    let elsewhere = [
        ("MessageSid", "MM0002"),
        ("From", CUSTOMER),
        ("To", OUR_NUMBER),
        ("Body", ""),
        ("NumMedia", "1"),
        ("MediaUrl0", "https://media.example.net/ME2"),
    ];
    assert_eq!(
        post_signed_twilio(&app, "tw", &elsewhere).await.status(),
        200
    );
    let other_id = messages(&app, conversation).await.last().expect("message")["id"]
        .as_i64()
        .expect("id");
    let refused = app
        .get(
            &format!("/api/v1/messages/{other_id}/attachments/0"),
            &app.admin_token,
        )
        .await;
    assert_eq!(refused.status(), 502);
    assert!(
        refused
            .text()
            .await
            .expect("text")
            .contains("Twilio API host")
    );
    assert_eq!(
        fake.media_requests().len(),
        1,
        "no request for the foreign URL"
    );

    // Bad input: a clear 4xx, nothing stored.
    let count = app.store.count_messages().await.expect("count");
    let broken = app
        .client
        .post(app.url("/hooks/tw"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", "x")
        .body("MessageSid=MM9&Body=%zz")
        .send()
        .await
        .expect("post");
    assert_eq!(broken.status(), 400);
    let json = app
        .client
        .post(app.url("/hooks/tw"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("post");
    assert_eq!(json.status(), 400);
    let huge = "x".repeat(70 * 1024);
    let oversized = post_signed_twilio(
        &app,
        "tw",
        &[
            ("MessageSid", "MM8"),
            ("From", CUSTOMER),
            ("Body", huge.as_str()),
        ],
    )
    .await;
    assert_eq!(oversized.status(), 413);
    let no_sender = post_signed_twilio(&app, "tw", &[("MessageSid", "MM7"), ("Body", "hi")]).await;
    assert_eq!(no_sender.status(), 400);
    assert!(no_sender.text().await.expect("text").contains("From"));
    assert_eq!(app.store.count_messages().await.expect("count"), count);
    app.stop().await;
}

#[tokio::test]
async fn replies_go_out_and_status_callbacks_only_move_forward() {
    let (fake, app) = start().await;
    let conversation = twilio_text(&app, "SM1000", CUSTOMER, "Kdy to dorazí?").await;
    let reply = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": "Zítra dopoledne."}),
        )
        .await;
    assert_eq!(reply.status(), 202);
    app.drain_outbox().await;
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].get("To"), Some(CUSTOMER));
    assert_eq!(sent[0].get("From"), Some(OUR_NUMBER));
    assert_eq!(sent[0].get("Body"), Some("Zítra dopoledne."));
    assert_eq!(
        sent[0].get("StatusCallback"),
        Some("https://sb.example.test/hooks/tw")
    );

    let ours = messages(&app, conversation).await[1].clone();
    let sid = ours["external_id"].as_str().expect("sid").to_owned();
    assert!(sid.starts_with("SM"), "{ours}");
    let callback = |status: &'static str| {
        vec![
            ("MessageSid", sid.clone()),
            ("MessageStatus", status.to_owned()),
            ("AccountSid", ACCOUNT_SID.to_owned()),
            ("To", CUSTOMER.to_owned()),
            ("From", OUR_NUMBER.to_owned()),
        ]
    };
    // An unsigned callback changes nothing.
    let forged = callback("failed");
    let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post_twilio(&app, "tw", &forged, None).await.status(), 401);
    for (status, expected) in [
        ("queued", "sent"),
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("sent", "delivered"),
    ] {
        let params = callback(status);
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            post_signed_twilio(&app, "tw", &params).await.status(),
            200,
            "{status}"
        );
        let ours = messages(&app, conversation).await[1].clone();
        assert_eq!(ours["delivery_status"], expected, "after {status}: {ours}");
    }
    let ours = messages(&app, conversation).await[1].clone();
    assert_eq!(
        ours["delivery_status"], "delivered",
        "a late 'sent' does not undo 'delivered': {ours}"
    );
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        2,
        "callbacks are not messages"
    );
    app.stop().await;
}

#[tokio::test]
async fn throttled_and_failing_sends_are_retried_not_failed() {
    let (fake, app) = start().await;
    let conversation = twilio_text(&app, "SM1500", CUSTOMER, "hi").await;
    // A plain 400 is permanent: failed with Twilio's code and text.
    fake.fail_twilio(
        400,
        json!({"code": 21602, "message": "Message body is required.", "status": 400}),
    );
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "first"}),
    )
    .await;
    app.drain_outbox().await;
    let ours = messages(&app, conversation)
        .await
        .last()
        .cloned()
        .expect("reply");
    assert_eq!(ours["delivery_status"], "failed", "{ours}");
    assert!(
        ours["delivery_error"]
            .as_str()
            .expect("error")
            .contains("21602")
    );
    // 429 and 5xx are transient: the message waits for its retry instead of failing.
    fake.fail_twilio(
        429,
        json!({"code": 20429, "message": "Too Many Requests", "status": 429}),
    );
    fake.fail_twilio(
        503,
        json!({"code": 0, "message": "Service Unavailable", "status": 503}),
    );
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "second"}),
    )
    .await;
    app.drain_outbox().await;
    let ours = messages(&app, conversation)
        .await
        .last()
        .cloned()
        .expect("reply");
    assert_eq!(ours["text"], "second");
    assert_ne!(ours["delivery_status"], "failed", "retried: {ours}");
    assert!(fake.sent().len() <= 1, "at most the retry that succeeded");
    app.stop().await;
}

#[tokio::test]
async fn error_21610_marks_the_number_for_this_sender() {
    let (fake, app) = start().await;
    let conversation = twilio_text(&app, "SM2000", CUSTOMER, "hi").await;
    fake.fail_twilio(
        400,
        json!({"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400,
               "more_info": "https://www.twilio.com/docs/errors/21610"}),
    );
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "Hello?"}),
    )
    .await;
    app.drain_outbox().await;
    let failed = messages(&app, conversation).await[1].clone();
    assert_eq!(failed["delivery_status"], "failed", "{failed}");
    assert!(
        failed["delivery_error"]
            .as_str()
            .expect("error")
            .contains("21610")
    );
    let contact = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await["contact_id"]
        .as_i64()
        .expect("contact");
    let contact = app.get_json(&format!("/api/v1/contacts/{contact}")).await;
    let identity = contact["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["scope"] == "sms:+15005550006")
        .expect("the SMS identity")
        .clone();
    assert!(
        identity["unreachable_reason"]
            .as_str()
            .expect("reason")
            .contains("21610"),
        "{identity}"
    );
    // Further replies are refused before they reach Twilio.
    let refused = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": "Still there?"}),
        )
        .await;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    assert!(fake.sent().is_empty());

    // The same code in a status callback suppresses the number for this sender only.
    let other = "+420601000002";
    let params = [
        ("MessageSid", "SM0099"),
        ("MessageStatus", "undelivered"),
        ("ErrorCode", "21610"),
        ("To", other),
        ("From", OUR_NUMBER),
    ];
    assert_eq!(post_signed_twilio(&app, "tw", &params).await.status(), 200);
    assert!(
        app.store
            .is_suppressed("sms:+15005550006", other)
            .await
            .expect("suppressed")
    );
    assert!(
        !app.store
            .is_suppressed("sms:+15005550007", other)
            .await
            .expect("suppressed")
    );
    app.stop().await;
}

#[tokio::test]
async fn stop_and_start_round_trip_through_the_consent_ledger() {
    let (fake, app) = start().await;
    let conversation = twilio_text(&app, "SM3000", CUSTOMER, "hello").await;
    let contact = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await["contact_id"]
        .as_i64()
        .expect("contact");
    let consents = format!("/api/v1/contacts/{contact}/consents");
    // The tail starts at the end of the event log, as a worker that has been running would.
    app.campaigns.run_once().await.expect("tail");
    twilio_text(&app, "SM3001", CUSTOMER, " Stop ").await;
    let outcome = app.campaigns.run_once().await.expect("tail");
    assert_eq!(outcome.opt_outs, 1);
    let ledger = app.get_json(&consents).await;
    assert_eq!(ledger["items"][0]["channel"], "twilio", "{ledger}");
    assert_eq!(ledger["items"][0]["granted"], false);
    assert_eq!(ledger["items"][0]["source"], "keyword");
    assert!(
        ledger["items"][0]["proof"]
            .as_str()
            .expect("proof")
            .contains("Stop"),
        "{ledger}"
    );
    assert!(
        app.store
            .is_suppressed("sms:+15005550006", CUSTOMER)
            .await
            .expect("suppressed")
    );
    // The keyword stays in the conversation; Twilio confirms opt-outs itself, so nothing is sent.
    let texts: Vec<Value> = messages(&app, conversation)
        .await
        .iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(texts, [json!("hello"), json!(" Stop ")]);
    app.drain_outbox().await;
    assert!(
        fake.sent().is_empty(),
        "no confirmation of our own: {:?}",
        fake.sent()
    );

    // STOPALL and other synonyms count too; START grants consent again.
    twilio_text(&app, "SM3002", CUSTOMER, "START").await;
    app.campaigns.run_once().await.expect("tail");
    let ledger = app.get_json(&consents).await;
    assert_eq!(ledger["items"][0]["granted"], true, "{ledger}");
    assert!(
        ledger["items"][0]["proof"]
            .as_str()
            .expect("proof")
            .contains("START")
    );
    assert!(
        !app.store
            .is_suppressed("sms:+15005550006", CUSTOMER)
            .await
            .expect("suppressed")
    );
    twilio_text(&app, "SM3003", CUSTOMER, "stopall").await;
    let outcome = app.campaigns.run_once().await.expect("tail");
    assert_eq!(outcome.opt_outs, 1);
    assert_eq!(app.get_json(&consents).await["items"][0]["granted"], false);
    twilio_text(&app, "SM3004", CUSTOMER, "unstop").await;
    app.campaigns.run_once().await.expect("tail");
    assert_eq!(app.get_json(&consents).await["items"][0]["granted"], true);
    // A sentence with the word in it is no keyword.
    twilio_text(&app, "SM3005", CUSTOMER, "please stop the courier").await;
    let outcome = app.campaigns.run_once().await.expect("tail");
    assert_eq!(outcome.opt_outs, 0);
    assert_eq!(app.get_json(&consents).await["items"][0]["granted"], true);
    // HELP is answered with the `sms_help` template, in the contact's language.
    twilio_text(&app, "SM3006", CUSTOMER, "help").await;
    app.campaigns.run_once().await.expect("tail");
    app.drain_outbox().await;
    let sent = fake.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0]
            .get("Body")
            .is_some_and(|body| body.starts_with("You are texting our customer service")),
        "{sent:?}"
    );
    assert_eq!(sent[0].get("To"), Some(CUSTOMER));
    app.stop().await;
}

#[tokio::test]
async fn czech_text_costs_two_ucs2_segments_or_one_gsm7_transliterated() {
    let (fake, app) = start().await;
    let text = "Dobrý den, Vaše zásilka č. 4521 je připravena k vyzvednutí na pobočce Praha 4 až do pátku 18:00.";
    let text = format!("{text}{}", ".".repeat(100 - text.chars().count()));
    assert_eq!(text.chars().count(), 100);
    let cost = app
        .post_json("/api/v1/channels/tw/text-cost", json!({"text": text}))
        .await;
    assert_eq!(cost.status(), 200);
    assert_eq!(
        cost.json::<Value>().await.expect("json"),
        json!({"encoding": "ucs2", "units": 100, "segments": 2})
    );
    let cost = app
        .post_json("/api/v1/channels/tw-plain/text-cost", json!({"text": text}))
        .await;
    assert_eq!(
        cost.json::<Value>().await.expect("json"),
        json!({"encoding": "gsm7", "units": 100, "segments": 1})
    );
    let not_sms = app
        .post_json("/api/v1/channels/shop/text-cost", json!({"text": "x"}))
        .await;
    assert_eq!(not_sms.status(), 404);
    let unknown = app
        .post_json("/api/v1/channels/nope/text-cost", json!({"text": "x"}))
        .await;
    assert_eq!(unknown.status(), 404);
    let bad = app
        .post_json("/api/v1/channels/tw/text-cost", json!({"txt": "x"}))
        .await;
    assert!(bad.status().is_client_error());

    // The transliterating channel sends what it counted.
    let receipt = post_signed_twilio(
        &app,
        "tw-plain",
        &[
            ("MessageSid", "SM4000"),
            ("From", CUSTOMER),
            ("To", "+15005550007"),
            ("Body", "ahoj"),
        ],
    )
    .await;
    assert_eq!(receipt.status(), 200);
    let conversation = conversation_of(&app, "tw-plain").await;
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": text}),
    )
    .await;
    app.drain_outbox().await;
    let body = fake.sent()[0].get("Body").expect("body").to_owned();
    assert!(connector_sms::segments::is_gsm7(&body), "{body}");
    assert!(
        body.starts_with("Dobry den, Vase zasilka c. 4521 je pripravena"),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_campaign_over_sms_keeps_its_rate() {
    let (fake, app) = start().await;
    let mut csv = String::from("name,identity:sms:+15005550006,consent:twilio\n");
    for n in 0..5 {
        csv.push_str(&format!("Zákazník {n},+42060100010{n},yes\n"));
    }
    csv.push_str("Bez souhlasu,+420601000199,no\n");
    let import = app
        .post_json("/api/v1/contacts/import", json!({"csv": csv}))
        .await;
    assert_eq!(import.status(), 200);
    let rate = 10.0;
    let created = app
        .post_json(
            "/api/v1/campaigns",
            json!({"name": "SMS sale", "filter": {"op": "everyone"},
                   "channels": [{"channel": "tw", "body": "Sleva 20 % pro {{ contact.name }}", "rate_per_sec": rate}]}),
        )
        .await;
    let status = created.status();
    let created: Value = created.json().await.expect("json");
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let started = app
        .post_json(&format!("/api/v1/campaigns/{id}/start"), json!({}))
        .await;
    assert_eq!(started.status(), 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        app.campaigns.run_once().await.expect("campaign pass");
        let view = app.get_json(&format!("/api/v1/campaigns/{id}")).await;
        if view["state"] == "finished" {
            assert_eq!(view["funnel"]["total"]["sent"], 5, "{view}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the campaign did not finish: {view}"
        );
        tokio::task::yield_now().await;
    }
    let sent = fake.sent();
    assert_eq!(sent.len(), 5, "only the contacts who consented");
    assert!(sent.iter().all(|s| s.get("From") == Some(OUR_NUMBER)));
    assert!(
        sent.iter()
            .any(|s| s.get("Body") == Some("Sleva 20 % pro Zákazník 3"))
    );
    // Five messages at ten a second span at least four intervals of 100 ms.
    let span = sent[4].at.duration_since(sent[0].at);
    assert!(
        span >= Duration::from_millis(380),
        "sent too fast: {span:?}"
    );
    app.stop().await;
}

fn vonage_inbound(
    id: &str,
    text: &str,
    concat: Option<(&str, &str, &str)>,
) -> Vec<(String, String)> {
    let mut params = vec![
        ("msisdn".to_owned(), "420601000001".to_owned()),
        ("to".to_owned(), VONAGE_NUMBER.to_owned()),
        ("messageId".to_owned(), id.to_owned()),
        ("text".to_owned(), text.to_owned()),
        ("type".to_owned(), "unicode".to_owned()),
        ("keyword".to_owned(), "X".to_owned()),
        (
            "message-timestamp".to_owned(),
            "2026-12-04 23:00:00".to_owned(),
        ),
    ];
    if let Some((reference, total, part)) = concat {
        params.push(("concat".into(), "true".into()));
        params.push(("concat-ref".into(), reference.into()));
        params.push(("concat-total".into(), total.into()));
        params.push(("concat-part".into(), part.into()));
    }
    params
}

async fn post_vonage_json(
    app: &TestApp,
    channel: &str,
    params: &[(String, String)],
) -> reqwest::Response {
    let body: serde_json::Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    app.client
        .post(app.url(&format!("/hooks/{channel}")))
        .json(&body)
        .send()
        .await
        .expect("post")
}

async fn post_vonage_form(
    app: &TestApp,
    channel: &str,
    params: &[(String, String)],
) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.client
        .post(app.url(&format!("/hooks/{channel}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&pairs))
        .send()
        .await
        .expect("post")
}

#[tokio::test]
async fn vonage_joins_concatenated_parts_across_a_restart() {
    let fake = FakeSms::start().await;
    let app = TestApp::spawn_with(&config(&fake)).await;
    // Parts arrive out of order; the second one is redelivered.
    let second = vonage_inbound("P2", " druhá část.", Some(("42", "3", "2")));
    assert_eq!(post_vonage_json(&app, "vo", &second).await.status(), 200);
    assert_eq!(post_vonage_json(&app, "vo", &second).await.status(), 200);
    let first = vonage_inbound("P1", "První část,", Some(("42", "3", "1")));
    let answer: Value = post_vonage_form(&app, "vo", &first)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(answer["accepted"], 0, "incomplete: {answer}");
    assert_eq!(app.store.count_messages().await.expect("count"), 0);

    // A restart between parts loses nothing.
    let db = app.stop_keeping_db().await;
    let app = TestApp::spawn_on(db, &config(&fake)).await;
    let third = vonage_inbound("P3", " A třetí.", Some(("42", "3", "3")));
    assert_eq!(post_vonage_json(&app, "vo", &third).await.status(), 200);
    assert_eq!(app.store.count_messages().await.expect("count"), 1);
    // A late redelivery of a part does not start the message again.
    assert_eq!(post_vonage_json(&app, "vo", &first).await.status(), 200);
    assert_eq!(app.store.count_messages().await.expect("count"), 1);
    let list = app.get_json("/api/v1/conversations?channel=vo").await;
    assert_eq!(
        list["items"][0]["last_message"],
        "První část, druhá část. A třetí."
    );

    // The kept parts are part of the sender's export, and go with an erasure.
    let contact = list["items"][0]["contact_id"].as_i64().expect("contact");
    let export = app
        .get_json(&format!("/api/v1/contacts/{contact}/export"))
        .await;
    let parts = export["message_parts"].as_array().expect("message_parts");
    assert_eq!(parts.len(), 3, "{export}");
    assert!(parts.iter().all(|p| p["joined_at"].is_string()), "{export}");

    // Bad part numbers are refused and change nothing.
    let bad = vonage_inbound("P9", "x", Some(("43", "2", "3")));
    assert_eq!(post_vonage_json(&app, "vo", &bad).await.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn vonage_signatures_replies_and_delivery_receipts() {
    let (fake, app) = start().await;
    let now = chrono::Utc::now().timestamp().to_string();
    let mut params = vonage_inbound("S1", "Ahoj", None);
    params.push(("timestamp".into(), now.clone()));
    // Unsigned on a signed channel: 401.
    assert_eq!(
        post_vonage_json(&app, "vo-signed", &params).await.status(),
        401
    );
    let sign = |params: &[(String, String)], secret: &str| {
        connector_sms::vonage::signature(
            connector_sms::vonage::SignatureMethod::Sha256,
            secret,
            params,
        )
    };
    let mut forged = params.clone();
    forged.push(("sig".into(), sign(&params, "wrong secret")));
    assert_eq!(
        post_vonage_json(&app, "vo-signed", &forged).await.status(),
        401
    );
    let mut stale = vonage_inbound("S1", "Ahoj", None);
    stale.push((
        "timestamp".into(),
        (chrono::Utc::now().timestamp() - 3600).to_string(),
    ));
    let stale_sig = sign(&stale, VONAGE_SIGNING);
    stale.push(("sig".into(), stale_sig));
    assert_eq!(
        post_vonage_json(&app, "vo-signed", &stale).await.status(),
        401
    );
    assert_eq!(app.store.count_messages().await.expect("count"), 0);
    let mut signed = params.clone();
    signed.push(("sig".into(), sign(&params, VONAGE_SIGNING)));
    assert_eq!(
        post_vonage_form(&app, "vo-signed", &signed).await.status(),
        200
    );
    assert_eq!(app.store.count_messages().await.expect("count"), 1);

    // The unsigned channel takes plain posts; the reply goes out as unicode with our callback.
    let receipt: Value = post_vonage_json(&app, "vo", &vonage_inbound("U1", "Dobrý den", None))
        .await
        .json()
        .await
        .expect("json");
    let conversation = receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("id");
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "Děkujeme"}),
    )
    .await;
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "Thanks"}),
    )
    .await;
    app.drain_outbox().await;
    let sent = fake.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].get("to"), Some("420601000001"));
    assert_eq!(sent[0].get("from"), Some(VONAGE_NUMBER));
    assert_eq!(sent[0].get("type"), Some("unicode"));
    assert_eq!(
        sent[1].get("type"),
        None,
        "plain GSM text needs no unicode type"
    );
    assert_eq!(
        sent[0].get("callback"),
        Some("https://sb.example.test/hooks/vo")
    );
    let ours = messages(&app, conversation).await;
    let first_id = ours[1]["external_id"].as_str().expect("id").to_owned();
    let second_id = ours[2]["external_id"].as_str().expect("id").to_owned();
    let dlr = |id: &str, status: &str, code: &str| {
        vec![
            ("msisdn".to_owned(), "420601000001".to_owned()),
            ("to".to_owned(), VONAGE_NUMBER.to_owned()),
            ("messageId".to_owned(), id.to_owned()),
            ("status".to_owned(), status.to_owned()),
            ("err-code".to_owned(), code.to_owned()),
            ("api-key".to_owned(), VONAGE_KEY.to_owned()),
        ]
    };
    assert_eq!(
        post_vonage_form(&app, "vo", &dlr(&first_id, "delivered", "0"))
            .await
            .status(),
        200
    );
    assert_eq!(
        post_vonage_form(&app, "vo", &dlr(&first_id, "accepted", "0"))
            .await
            .status(),
        200
    );
    assert_eq!(
        post_vonage_form(&app, "vo", &dlr(&second_id, "rejected", "6"))
            .await
            .status(),
        200
    );
    let ours = messages(&app, conversation).await;
    assert_eq!(ours[1]["delivery_status"], "delivered", "{}", ours[1]);
    assert_eq!(ours[2]["delivery_status"], "failed");
    assert!(
        ours[2]["delivery_error"]
            .as_str()
            .expect("error")
            .contains("error 6")
    );
    // A barred number (Vonage status 7) fails the send and marks the identity unreachable.
    fake.fail_vonage(json!({"status": "7", "error-text": "Number barred"}));
    app.post_json(
        &format!("/api/v1/conversations/{conversation}/reply"),
        json!({"text": "Hello?"}),
    )
    .await;
    app.drain_outbox().await;
    let barred = messages(&app, conversation).await[3].clone();
    assert_eq!(barred["delivery_status"], "failed", "{barred}");
    assert!(
        barred["delivery_error"]
            .as_str()
            .expect("error")
            .contains("status 7")
    );
    assert!(fake.sent().iter().all(|s| s.provider == "vonage"));
    // A receipt naming another account is refused.
    let mut other = dlr(&first_id, "failed", "1");
    other[5].1 = "someone-else".into();
    assert_eq!(post_vonage_form(&app, "vo", &other).await.status(), 403);
    assert_eq!(
        messages(&app, conversation).await[1]["delivery_status"],
        "delivered"
    );
    app.stop().await;
}

#[tokio::test]
async fn whatsapp_and_sms_from_one_number_are_one_customer() {
    let (_fake, app) = start().await;
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "PNID"},
        "contacts": [{"profile": {"name": "Jana"}, "wa_id": "420601000001"}],
        "messages": [{"from": "420601000001", "id": "wamid.X1", "timestamp": chrono::Utc::now().timestamp().to_string(),
                      "type": "text", "text": {"body": "z WhatsAppu"}}]}}]}]})
    .to_string();
    let whatsapp = app
        .client
        .post(app.url("/hooks/wa"))
        .header("content-type", "application/json")
        .header(
            connector_meta::SIGNATURE_HEADER,
            connector_meta::sign(b"app-secret", body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(whatsapp.status(), 200);
    twilio_text(&app, "SM5000", CUSTOMER, "z SMS").await;
    let vonage: Value = post_vonage_json(&app, "vo", &vonage_inbound("V5000", "z Vonage", None))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(vonage["accepted"], 1);
    let conversations = app.get_json("/api/v1/conversations").await;
    let contacts: std::collections::BTreeSet<i64> = conversations["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["contact_id"].as_i64().expect("contact"))
        .collect();
    assert_eq!(conversations["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(contacts.len(), 1, "one customer: {conversations}");
    app.stop().await;
}

#[tokio::test]
async fn sms_template_variants_serve_both_providers() {
    let fake = FakeSms::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, source) in [
        ("ack.sms.j2", "SMS: got it, {{ contact.name }}."),
        ("ack.sms.cs.j2", "SMS: máme to."),
        ("ack.vonage.j2", "Vonage: got it."),
    ] {
        std::fs::write(dir.path().join(name), source).expect("write template");
    }
    let templates = format!(
        "\n[templates]\ndir = {:?}\ndefault_locale = \"en\"\n",
        dir.path().display().to_string()
    );
    let app = TestApp::spawn_with(&format!("{}{templates}", config(&fake))).await;
    let preview = |kind: &'static str, locale: &'static str| {
        let app = &app;
        async move {
            let response = app
                .post_json(
                    "/api/v1/templates/ack/preview",
                    json!({"channel_kind": kind, "locale": locale}),
                )
                .await;
            assert_eq!(response.status(), 200, "{kind}");
            let body: Value = response.json().await.expect("json");
            body["text"].as_str().expect("text").to_owned()
        }
    };
    assert!(preview("twilio", "en").await.starts_with("SMS: got it"));
    assert_eq!(preview("twilio", "cs").await, "SMS: máme to.");
    // A variant naming the kind wins over `.sms`.
    assert_eq!(preview("vonage", "en").await, "Vonage: got it.");
    assert!(!preview("telegram", "en").await.starts_with("SMS"));
    app.stop().await;
}
