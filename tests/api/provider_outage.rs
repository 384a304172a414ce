//! Faults: a provider API failing with 5xx. Replies are retried, never failed for good on a
//! provider's bad minute, and sent once it recovers; the listener backs off and then fetches
//! from its committed offset, nothing lost or doubled.

use serde_json::json;

use crate::fake_telegram::Failure;
use crate::telegram::{conversation_of, private_text, start};

/// Telegram answering 500 to `sendMessage`: each failure is a retry (the test config allows 3
/// attempts with no backoff), and the reply goes out once when Telegram recovers.
#[tokio::test]
async fn telegram_5xx_on_send_is_retried_and_the_reply_sent_once() {
    let (fake, app) = start().await;
    fake.push_update(private_text(1, 42, "hello"));
    app.wait_for_event("message.created").await;
    let conversation = conversation_of(&app, "42").await["id"]
        .as_i64()
        .expect("id");
    fake.fail_next("sendMessage", Failure::ServerError);
    fake.fail_next("sendMessage", Failure::ServerError);
    let reply = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": "on its way"}),
        )
        .await;
    assert_eq!(reply.status(), 202);

    for attempt in 1..=2 {
        let outcome = app.dispatcher.run_once().await.expect("pass");
        assert_eq!(
            (outcome.retried, outcome.failed),
            (1, 0),
            "attempt {attempt}: a 5xx is retried, not failed"
        );
    }
    let outcome = app.dispatcher.run_once().await.expect("pass");
    assert_eq!(outcome.sent, 1);
    let sent = fake.sent();
    assert_eq!(sent.len(), 1, "delivered once: {sent:?}");
    assert_eq!(sent[0].params["text"], "on its way");
    let tries = fake
        .calls()
        .iter()
        .filter(|call| call.method == "sendmessage")
        .count();
    assert_eq!(tries, 3, "one request per dispatcher attempt");
    assert_eq!(app.dispatcher.run_once().await.expect("pass").claimed, 0);
    app.stop().await;
}

/// Telegram answering 500 to `getUpdates` for a while: the listener backs off (its requests
/// during the outage are few, as the doubling pause allows, not a hot loop) and afterwards
/// fetches from its committed offset: nothing lost, nothing doubled.
#[tokio::test]
async fn telegram_5xx_on_get_updates_backs_off_and_loses_nothing() {
    /// More failures than the outage can use up: it ends when the test clears them.
    const OUTAGE: usize = 1000;
    let (fake, app) = start().await;
    fake.push_update(private_text(1, 42, "before"));
    app.wait_for_event("message.created").await;
    let polls = |fake: &crate::fake_telegram::FakeBotApi| {
        fake.calls()
            .iter()
            .filter(|call| call.method == "getupdates")
            .count()
    };
    let before = polls(&fake);
    for _ in 0..OUTAGE {
        fake.fail_next("getUpdates", Failure::ServerError);
    }
    // Every poll from here on fails; the updates wait at Telegram meanwhile.
    fake.wait_for_calls("getupdates", before + 2).await;
    fake.push_update(private_text(2, 42, "during"));
    fake.push_update(private_text(3, 43, "during too"));
    // The outage lasts a while. The pause doubles from 0.5 s, so in these 3 s the listener
    // can poll only a handful of times; a hot loop would poll thousands of times.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let during = polls(&fake) - before;
    fake.clear_failures("getUpdates");
    assert!(
        (2..=6).contains(&during),
        "{during} polls during the outage"
    );

    app.wait_for_event("message.created").await;
    app.wait_for_event("message.created").await;
    assert_eq!(
        app.store.count_messages().await.expect("count"),
        3,
        "each once"
    );
    let offsets = fake.offsets();
    assert!(
        offsets.windows(2).all(|pair| pair[0] <= pair[1]),
        "never went back: {offsets:?}"
    );
    assert!(
        offsets.contains(&2),
        "resumed at the committed offset: {offsets:?}"
    );
    app.stop().await;
}
