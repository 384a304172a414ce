//! Kill -9 in the middle of a campaign, against the real binary and a local HTTP receiver.
//!
//! With a receiver that deduplicates on `Idempotency-Key` (the webhook channel's contract),
//! every recipient is processed exactly once: the only repeats on the wire are the sends in
//! flight at the kill, resent with the same key. With a receiver that does not, nothing is sent
//! twice at all: those sends are held "in doubt", every other recipient is reached, and the
//! marketer can release the held ones.

use std::collections::HashMap;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard::store::{ConnectOptions, Store};

use crate::helpers::{SECRET, ServedBinary, TestDb, app_backend};

const RECIPIENTS: usize = 600;
const BATCH: usize = 10;
const PARALLEL: usize = 2;

/// What the local receiver saw.
#[derive(Default)]
struct Received {
    /// Every request's `Idempotency-Key`, repeats included.
    wire: Vec<String>,
    /// Messages acted on: a repeated key is answered as before and not processed again.
    processed: Vec<String>,
    /// From the request that reaches [`HOLD_AT`] until released, requests are taken (and
    /// processed) but never answered: the sender is killed while they are in flight, the
    /// moment where it cannot know whether they arrived.
    released: bool,
}

/// The request after which the receiver stops answering until the test releases it.
const HOLD_AT: usize = RECIPIENTS / 3;

/// A local receiver for the webhook channel; `deduplicates` makes it honour `Idempotency-Key`.
async fn receiver(deduplicates: bool) -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let seen = received.clone();
    let router = axum::Router::new().route(
        "/cb",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let seen = seen.clone();
            async move {
                let key = headers
                    .get("idempotency-key")
                    .and_then(|key| key.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let hold = {
                    let mut seen = seen.lock().expect("lock");
                    seen.wire.push(key.clone());
                    if !(deduplicates && seen.processed.contains(&key)) {
                        seen.processed.push(key.clone());
                    }
                    seen.wire.len() > HOLD_AT && !seen.released
                };
                if hold {
                    std::future::pending::<()>().await;
                }
                axum::Json(json!({"id": format!("peer-{key}")}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/cb", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, received)
}

async fn campaign_state(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: i64,
) -> Option<Value> {
    let response = client
        .get(format!("{base}/api/v1/campaigns/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .ok()?;
    response.json().await.ok()
}

/// What a campaign killed mid-way and restarted left behind.
struct AfterCrash {
    campaign: i64,
    base: String,
    token: String,
    child: Child,
    received: Arc<Mutex<Received>>,
    /// The campaign once it stopped sending after the restart.
    view: Value,
    store: Store,
    db: TestDb,
}

/// Starts a campaign of [`RECIPIENTS`] through the real binary, kills it with SIGKILL once a
/// third has gone out, restarts it on the same database and waits until it has finished.
async fn kill_and_restart(deduplicates: bool) -> AfterCrash {
    let (callback, received) = receiver(deduplicates).await;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        format!(
            "[campaigns]\nbatch_size = {BATCH}\nparallel_batches = {PARALLEL}\npoll_interval_ms = 50\nlease_secs = 2\n\n\
             [[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = {SECRET:?}\ncallback_url = {callback:?}\n\
             receiver_deduplicates = {deduplicates}\n"
        ),
    )
    .expect("config");
    let db = TestDb::new(app_backend()).await;
    let served = ServedBinary::start(dir.path(), &db.url);
    let token = served.token().expect("first run prints a token");
    let ServedBinary {
        mut child, base, ..
    } = served;
    let store = Store::connect(&ConnectOptions::new(db.url.clone()))
        .await
        .expect("store");
    store
        .seed_campaign_contacts(RECIPIENTS as i64, "webhook:shop", "webhook")
        .await
        .expect("seed");
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{base}/api/v1/campaigns"))
        .bearer_auth(&token)
        .json(&json!({"name": "Crash", "filter": {"op": "everyone"},
                      "channels": [{"channel": "shop", "body": "hello {{ contact.name }}", "rate_per_sec": 400.0}]}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let campaign = created["id"].as_i64().expect("id");
    let started = client
        .post(format!("{base}/api/v1/campaigns/{campaign}/start"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("start");
    assert_eq!(started.status(), 200);

    // Kill once a third has gone out and the receiver holds sends it took but has not
    // answered.
    let deadline = Instant::now() + Duration::from_secs(60);
    while received.lock().expect("lock").wire.len() <= HOLD_AT {
        assert!(Instant::now() < deadline, "the campaign never got going");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let at_kill = {
        let mut received = received.lock().expect("lock");
        received.released = true;
        received.wire.len()
    };
    assert!(at_kill < RECIPIENTS, "killed too late to test anything");
    eprintln!(
        "kill -9 after {at_kill} sends, {} of them taken but unanswered",
        at_kill - HOLD_AT
    );

    // Restart on the same database and let it finish (leases of the dead worker run out).
    let ServedBinary { child, base, .. } = ServedBinary::start(dir.path(), &db.url);
    let token = {
        let token = switchboard::tokens::generate();
        store
            .create_token(&switchboard::store::NewToken {
                name: "after crash".into(),
                role: switchboard::domain::Role::Admin,
                agent: None,
                hash: switchboard::tokens::hash(&token),
            })
            .await
            .expect("token");
        token
    };
    let view = wait_finished(&client, &base, &token, campaign).await;
    AfterCrash {
        campaign,
        base,
        token,
        child,
        received,
        view,
        store,
        db,
    }
}

async fn wait_finished(client: &reqwest::Client, base: &str, token: &str, id: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(view) = campaign_state(client, base, token, id).await
            && view["state"] == "finished"
        {
            return view;
        }
        assert!(
            Instant::now() < deadline,
            "the campaign did not finish after the restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn counts(ids: &[String]) -> HashMap<&str, usize> {
    let mut per_id: HashMap<&str, usize> = HashMap::new();
    for id in ids {
        *per_id.entry(id.as_str()).or_default() += 1;
    }
    per_id
}

impl AfterCrash {
    async fn finish(mut self) {
        self.child.kill().expect("stop");
        self.child.wait().expect("reap");
        self.store.close().await;
        self.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_campaign_reaches_everyone_exactly_once_at_a_deduplicating_receiver() {
    let after = kill_and_restart(true).await;
    let (wire, processed) = {
        let received = after.received.lock().expect("lock");
        (received.wire.clone(), received.processed.clone())
    };
    let per_id = counts(&processed);
    assert_eq!(processed.len(), RECIPIENTS, "nobody processed twice");
    assert_eq!(per_id.len(), RECIPIENTS, "nobody skipped");
    let prefix = format!("campaign-{}-", after.campaign);
    assert!(per_id.keys().all(|message| message.starts_with(&prefix)));
    // On the wire, only the sends in flight at the kill were repeated, with the same key.
    let repeats = wire.len() - processed.len();
    eprintln!("{repeats} sends repeated after the restart, dropped by the receiver");
    assert!(
        repeats >= 1,
        "the unanswered sends are repeated with the same key"
    );
    assert!(
        repeats <= BATCH * PARALLEL,
        "{repeats} repeats: more than the batches in flight at the kill"
    );
    let view = &after.view;
    assert_eq!(
        view["funnel"]["total"]["sent"], RECIPIENTS as i64,
        "the ledger counts each once"
    );
    assert_eq!(view["funnel"]["total"]["in_doubt"], 0);
    assert_eq!(view["funnel"]["total"]["failed"], 0);
    assert_eq!(view["funnel"]["total"]["pending"], 0);
    after.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_campaign_never_sends_twice_to_a_receiver_that_cannot_deduplicate() {
    let after = kill_and_restart(false).await;
    let wire = after.received.lock().expect("lock").wire.clone();
    let per_id = counts(&wire);
    assert_eq!(per_id.len(), wire.len(), "no message went out twice");
    let total = &after.view["funnel"]["total"];
    let sent = total["sent"].as_i64().expect("sent");
    let in_doubt = total["in_doubt"].as_i64().expect("in_doubt");
    eprintln!("{sent} sent, {in_doubt} held in doubt");
    assert_eq!(
        sent + in_doubt,
        RECIPIENTS as i64,
        "every recipient is sent or held: none skipped silently"
    );
    assert!(in_doubt >= 1, "the unanswered sends are held in doubt");
    assert!(
        in_doubt as usize <= BATCH * PARALLEL,
        "{in_doubt} in doubt: more than the batches in flight at the kill"
    );
    assert_eq!(total["pending"], 0);
    assert_eq!(total["failed"], 0);
    // Every contact the ledger calls sent did arrive; the held ones may or may not have.
    assert!(wire.len() as i64 >= sent);

    // The marketer releases the held sends: everyone has the message now, and only held
    // ones can have arrived twice.
    let client = reqwest::Client::new();
    let released = client
        .post(format!(
            "{}/api/v1/campaigns/{}/resend-in-doubt",
            after.base, after.campaign
        ))
        .bearer_auth(&after.token)
        .send()
        .await
        .expect("resend");
    assert_eq!(released.status(), 200);
    let view = wait_finished(&client, &after.base, &after.token, after.campaign).await;
    assert_eq!(view["funnel"]["total"]["sent"], RECIPIENTS as i64);
    assert_eq!(view["funnel"]["total"]["in_doubt"], 0);
    let wire = after.received.lock().expect("lock").wire.clone();
    let per_id = counts(&wire);
    assert_eq!(per_id.len(), RECIPIENTS, "nobody skipped");
    assert!(wire.len() - RECIPIENTS <= in_doubt as usize);
    after.finish().await;
}
