//! Listeners a provider allows once per account, on several nodes: exactly one node runs each,
//! and when it dies another takes over from the committed checkpoint, losing nothing and
//! storing nothing twice. Real binaries on one PostgreSQL database, real peers (Dovecot) or
//! the project's protocol stand-ins.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::cluster::{Cluster, SHOP};
use crate::mail_peers::{Dovecot, MAILBOX_PASSWORD, MAILBOX_USER, SmtpSink};

/// Inbound messages stored on `channel`: (all rows, distinct external ids).
async fn stored(cluster: &Cluster, channel: &str) -> (i64, i64) {
    let pool = sqlx::PgPool::connect(&cluster.db.url)
        .await
        .expect("connect");
    let counts: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT external_id) FROM messages \
         WHERE channel = $1 AND direction = 'in'",
    )
    .bind(channel)
    .fetch_one(&pool)
    .await
    .expect("count");
    pool.close().await;
    counts
}

/// Polls until `want` inbound messages of `channel` are stored; panics after `limit`.
async fn wait_stored(cluster: &Cluster, channel: &str, want: i64, limit: Duration) -> (i64, i64) {
    let start = Instant::now();
    loop {
        let counts = stored(cluster, channel).await;
        if counts.0 >= want {
            return counts;
        }
        assert!(
            start.elapsed() < limit,
            "only {counts:?} of {want} messages stored within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn mail(n: usize) -> String {
    format!(
        "From: Customer {n} <c{n}@example.org>\nTo: ACME Support <{MAILBOX_USER}>\n\
         Subject: order {n}\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <m{n}@example.org>\n\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nWhere is order {n}?\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_imap_session_per_mailbox_across_nodes_and_fail_over_without_loss() {
    let dovecot = Arc::new(Dovecot::start().await);
    let sink = SmtpSink::start().await;
    let blobs = tempfile::tempdir().expect("dir");
    std::fs::set_permissions(
        blobs.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .expect("chmod");
    let config = format!(
        "{SHOP}[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = {MAILBOX_USER:?}\n\
         display_name = \"ACME Support\"\ndomain = \"example.test\"\nsecret = \"mail-secret-of-the-test\"\n\
         imap_host = \"127.0.0.1\"\nimap_port = {}\nimap_tls = \"none\"\nimap_password = {MAILBOX_PASSWORD:?}\n\
         smtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_tls = \"none\"\nblob_dir = {:?}\nidle_secs = 60\n",
        dovecot.port,
        sink.port,
        blobs.path().display().to_string(),
    );
    let Some(mut cluster) = Cluster::start(&config, 3).await else {
        eprintln!("skipped: several nodes need PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    // Watch the mailbox's sessions at the server for the whole test.
    let most_sessions = Arc::new(AtomicUsize::new(0));
    let watching = Arc::new(AtomicBool::new(true));
    let watcher = {
        let (dovecot, most, watching) = (dovecot.clone(), most_sessions.clone(), watching.clone());
        std::thread::spawn(move || {
            while watching.load(Ordering::Relaxed) {
                most.fetch_max(dovecot.imap_sessions(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let holder = cluster
        .holder_of(0, "listener:mail", Duration::from_secs(15))
        .await;
    dovecot.deliver(&mail(1));
    dovecot.deliver(&mail(2));
    wait_stored(&cluster, "mail", 2, Duration::from_secs(20)).await;

    // The holder dies; mail keeps arriving meanwhile.
    cluster.kill(holder);
    let killed = Instant::now();
    for n in 3..=6 {
        dovecot.deliver(&mail(n));
    }
    let survivor = (holder + 1) % 3;
    let taken = cluster
        .holder_of(survivor, "listener:mail", Duration::from_secs(15))
        .await;
    let fail_over = killed.elapsed();
    assert_ne!(taken, holder);
    let (rows, distinct) = wait_stored(&cluster, "mail", 6, Duration::from_secs(30)).await;
    eprintln!(
        "IMAP listener: node {taken} took over {} ms after the holder was killed",
        fail_over.as_millis()
    );
    assert!(
        fail_over < Duration::from_secs(10),
        "fail-over took {fail_over:?}"
    );
    assert_eq!((rows, distinct), (6, 6), "every mail stored once");
    watching.store(false, Ordering::Relaxed);
    watcher.join().expect("watcher");
    assert_eq!(
        most_sessions.load(Ordering::Relaxed),
        1,
        "never more than one IMAP session for the mailbox across three nodes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_telegram_poller_across_nodes_and_fail_over_without_loss() {
    use crate::fake_telegram::FakeBotApi;
    use crate::telegram::{TOKEN, private_text};
    let fake = FakeBotApi::start(TOKEN).await;
    let config = format!(
        "{SHOP}[[channels]]\nname = \"tg\"\nkind = \"telegram\"\ntoken = {TOKEN:?}\napi_url = {:?}\n\
         poll_timeout_secs = 1\n",
        fake.url()
    );
    let Some(mut cluster) = Cluster::start(&config, 3).await else {
        eprintln!("skipped: several nodes need PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    let holder = cluster
        .holder_of(0, "listener:tg", Duration::from_secs(15))
        .await;
    for n in 1..=3 {
        fake.push_update(private_text(n, 4200 + n, &format!("message {n}")));
    }
    wait_stored(&cluster, "tg", 3, Duration::from_secs(20)).await;
    // Every node shows the listener: running on the holder, standby elsewhere.
    for index in 0..3 {
        let channels = cluster.get(index, "/api/v1/channels").await;
        let state = channels
            .as_array()
            .expect("channels")
            .iter()
            .find(|channel| channel["name"] == "tg")
            .map(|channel| channel["state"].clone())
            .expect("tg");
        let expected = if index == holder {
            "running"
        } else {
            "standby"
        };
        assert_eq!(state, expected, "node {index}");
    }

    cluster.kill(holder);
    let killed = Instant::now();
    for n in 4..=9 {
        fake.push_update(private_text(n, 4200 + n, &format!("message {n}")));
    }
    let survivor = (holder + 1) % 3;
    let taken = cluster
        .holder_of(survivor, "listener:tg", Duration::from_secs(15))
        .await;
    let fail_over = killed.elapsed();
    let (rows, distinct) = wait_stored(&cluster, "tg", 9, Duration::from_secs(30)).await;
    eprintln!(
        "Telegram listener: node {taken} took over {} ms after the holder was killed",
        fail_over.as_millis()
    );
    assert_ne!(taken, holder);
    assert!(
        fail_over < Duration::from_secs(10),
        "fail-over took {fail_over:?}"
    );
    assert_eq!((rows, distinct), (9, 9), "every update stored once");
    assert_eq!(
        fake.max_concurrent_get_updates(),
        1,
        "never two pollers of the bot at once"
    );
    assert_eq!(fake.conflicts(), 0, "the Bot API never had to end a poll");
}
