//! Web sign-in under guessing: attempts are reserved before the password is checked, checks
//! run in a bounded pool, limits are per (address, client), and the client is read from
//! forwarding headers only through `[server] trusted_proxies`. On PostgreSQL the counters are
//! shared: two nodes on one database count a client's guesses once.

use std::net::IpAddr;
use std::time::Duration;

use futures_util::future::join_all;
use switchboard::domain::sign_in::SignInLimits;
use switchboard::store::Backend;

use crate::helpers::{TestApp, TestDb, backends, on_each_backend, postgres_server};
use crate::web::{agent_with_password, post_login, post_login_with};

/// Limits that cannot lapse while a test runs: after 3 failures a pair waits ten minutes.
const STRICT: &str = "[server.sign_in]\nfree_failures = 3\nfirst_delay_secs = 600\n\
    max_concurrent_hashes = 4\nhash_wait_ms = 60000\n";

#[tokio::test]
async fn parallel_guesses_are_counted_before_the_password_is_checked() {
    let app = TestApp::spawn_with(STRICT).await;
    let (_, email, password) = agent_with_password(&app, "Gus", "agent").await;
    let guesses = join_all((0..40).map(|_| post_login(&app, &email, "wrong password"))).await;
    let checked = guesses.iter().filter(|r| r.status() == 401).count();
    let refused = guesses.iter().filter(|r| r.status() == 429).count();
    assert_eq!(checked + refused, 40, "only 401 or 429");
    assert!(
        checked <= 3,
        "{checked} of 40 parallel guesses were checked"
    );
    assert!(
        guesses
            .iter()
            .filter(|r| r.status() == 429)
            .all(|r| r.headers().contains_key("retry-after"))
    );
    // The budget is spent before the right password comes: it is not even checked.
    let right = post_login(&app, &email, &password).await;
    assert_eq!(right.status(), 429);
    app.stop().await;
}

#[tokio::test]
async fn unknown_addresses_wait_for_a_bounded_pool_and_get_503_beyond_it() {
    let app =
        TestApp::spawn_with("[server.sign_in]\nmax_concurrent_hashes = 1\nhash_wait_ms = 1\n")
            .await;
    let emails: Vec<String> = (0..30).map(|n| format!("nobody{n}@example.com")).collect();
    let answers = join_all(emails.iter().map(|email| post_login(&app, email, "guess"))).await;
    let busy: Vec<_> = answers.iter().filter(|r| r.status() == 503).collect();
    assert!(
        answers
            .iter()
            .all(|r| [401, 503].contains(&r.status().as_u16())),
        "{:?}",
        answers.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    assert!(
        !busy.is_empty(),
        "30 checks at once on one slot: some must be refused"
    );
    assert!(busy.iter().all(|r| r.headers().contains_key("retry-after")));
    app.stop().await;
}

#[tokio::test]
async fn guessing_from_one_client_does_not_lock_the_user_out_elsewhere() {
    let app = TestApp::spawn_with(&format!(
        "[server]\ntrusted_proxies = [\"127.0.0.1/32\"]\n\n{STRICT}"
    ))
    .await;
    let (_, email, password) = agent_with_password(&app, "Hal", "agent").await;
    let attacker = [("x-forwarded-for", "198.51.100.1")];
    for _ in 0..3 {
        let wrong = post_login_with(&app, &email, "wrong password", &attacker).await;
        assert_eq!(wrong.status(), 401);
    }
    let blocked = post_login_with(&app, &email, &password, &attacker).await;
    assert_eq!(blocked.status(), 429, "the guessing client waits");
    // The same address from another client behind the proxy signs in.
    let user = [("x-forwarded-for", "198.51.100.2")];
    let signed_in = post_login_with(&app, &email, &password, &user).await;
    assert_eq!(signed_in.status(), 303);
    // `Forwarded` is read too; a forged hop left of the proxy's is ignored.
    let forwarded = [("forwarded", "for=198.51.100.1, for=198.51.100.3")];
    let other = post_login_with(&app, &email, &password, &forwarded).await;
    assert_eq!(other.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn forwarding_headers_of_an_untrusted_peer_are_ignored() {
    let app = TestApp::spawn_with(STRICT).await;
    let (_, email, password) = agent_with_password(&app, "Ida", "agent").await;
    for _ in 0..3 {
        let wrong = post_login_with(
            &app,
            &email,
            "wrong",
            &[("x-forwarded-for", "198.51.100.1")],
        )
        .await;
        assert_eq!(wrong.status(), 401);
    }
    let spoofed = post_login_with(
        &app,
        &email,
        &password,
        &[("x-forwarded-for", "198.51.100.2")],
    )
    .await;
    assert_eq!(
        spoofed.status(),
        429,
        "a claimed other client is the same peer"
    );
    app.stop().await;
}

/// The whole seconds of a 429's `Retry-After`.
fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("a Retry-After in seconds")
}

/// Two in-process nodes with `config` on one PostgreSQL database, as behind a load balancer;
/// `None` (the test is skipped) without one: SQLite is a single node.
async fn two_nodes(config: &str) -> Option<(TestApp, TestApp)> {
    if postgres_server().is_none() {
        eprintln!("skipped: two nodes need TEST_DATABASE_URL");
        return None;
    }
    let db = TestDb::new(Backend::Postgres).await;
    let second = db.another_handle();
    let first = TestApp::spawn_on(db, config).await;
    let other = TestApp::spawn_on(second, config).await;
    Some((first, other))
}

async fn stop_both((first, other): (TestApp, TestApp)) {
    other.stop().await;
    first.stop().await;
}

#[tokio::test]
async fn wrong_passwords_on_two_nodes_are_counted_once() {
    let Some(nodes) = two_nodes(STRICT).await else {
        return;
    };
    let (a, b) = (&nodes.0, &nodes.1);
    let (_, email, password) = agent_with_password(a, "Jo", "agent").await;
    for node in [a, b, a] {
        assert_eq!(post_login(node, &email, "wrong").await.status(), 401);
    }
    let refused = post_login(b, &email, "wrong").await;
    assert_eq!(
        refused.status(),
        429,
        "three failures in total, not three per node"
    );
    let wait = retry_after(&refused);
    assert!((1..=600).contains(&wait), "{wait} s");
    // The other node holds the client to the same deadline, right password or not.
    let elsewhere = post_login(a, &email, &password).await;
    assert_eq!(elsewhere.status(), 429);
    let wait_elsewhere = retry_after(&elsewhere);
    assert!(
        (1..=wait).contains(&wait_elsewhere),
        "{wait_elsewhere} s on the other node after {wait} s"
    );
    stop_both(nodes).await;
}

#[tokio::test]
async fn a_sign_in_on_one_node_clears_the_failures_on_both() {
    let Some(nodes) = two_nodes(STRICT).await else {
        return;
    };
    let (a, b) = (&nodes.0, &nodes.1);
    let (_, email, password) = agent_with_password(a, "Kit", "agent").await;
    for node in [a, b] {
        assert_eq!(post_login(node, &email, "wrong").await.status(), 401);
    }
    assert_eq!(post_login(a, &email, &password).await.status(), 303);
    for node in [b, a, b] {
        assert_eq!(post_login(node, &email, "wrong").await.status(), 401);
    }
    assert_eq!(post_login(a, &email, "wrong").await.status(), 429);
    stop_both(nodes).await;
}

#[tokio::test]
async fn parallel_guesses_on_two_nodes_are_checked_three_times_in_all() {
    let Some(nodes) = two_nodes(STRICT).await else {
        return;
    };
    let (a, b) = (&nodes.0, &nodes.1);
    let (_, email, _) = agent_with_password(a, "Lou", "agent").await;
    let guesses = join_all((0..40).map(|n| {
        let node = if n % 2 == 0 { a } else { b };
        post_login(node, &email, "wrong password")
    }))
    .await;
    let statuses: Vec<u16> = guesses.iter().map(|r| r.status().as_u16()).collect();
    assert!(
        statuses.iter().all(|status| [401, 429].contains(status)),
        "{statuses:?}"
    );
    let checked = statuses.iter().filter(|status| **status == 401).count();
    assert_eq!(checked, 3, "{statuses:?}");
    stop_both(nodes).await;
}

#[tokio::test]
async fn a_client_budget_is_spent_across_nodes() {
    let Some(nodes) = two_nodes(
        "[server.sign_in]\nfailures_per_client = 4\nfree_failures = 10\n\
         max_concurrent_hashes = 4\nhash_wait_ms = 60000\n",
    )
    .await
    else {
        return;
    };
    let (a, b) = (&nodes.0, &nodes.1);
    for (n, node) in [a, b, a, b].into_iter().enumerate() {
        let wrong = post_login(node, &format!("nobody{n}@example.com"), "guess").await;
        assert_eq!(wrong.status(), 401);
    }
    let spent = post_login(a, "someone-else@example.com", "guess").await;
    assert_eq!(spent.status(), 429, "four failures from this client in all");
    assert!(retry_after(&spent) >= 1);
    stop_both(nodes).await;
}

fn client(text: &str) -> IpAddr {
    text.parse().expect("address")
}

#[tokio::test]
async fn the_shared_counters_keep_the_rules_on_both_databases() {
    on_each_backend(|store| async move {
        let limits = SignInLimits {
            free_failures: 2,
            first_delay: Duration::from_secs(600),
            max_delay: Duration::from_secs(600),
            failures_per_client: 3,
            window: Duration::from_secs(900),
        };
        let from = client("192.0.2.7");
        let reserve = |key: &'static str| {
            let store = store.clone();
            async move {
                store
                    .reserve_sign_in(key, from, &limits)
                    .await
                    .expect("database")
            }
        };
        assert_eq!(reserve("k1").await, Ok(()));
        assert_eq!(reserve("k1").await, Ok(()));
        let wait = reserve("k1").await.expect_err("the pair waits");
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(600));
        // An unchecked attempt given back lifts the wait it started.
        store
            .give_back_sign_in("k1", from, &limits)
            .await
            .expect("give back");
        assert_eq!(reserve("k1").await, Ok(()));
        assert_eq!(reserve("k2").await, Ok(()));
        let spent = reserve("k3")
            .await
            .expect_err("the client's budget is spent");
        assert!(spent > Duration::ZERO && spent <= Duration::from_secs(900));
        // A success refunds the client and forgets its pair.
        store
            .sign_in_succeeded("k2", from, &limits)
            .await
            .expect("success");
        assert_eq!(reserve("k3").await, Ok(()));
        assert!(reserve("k4").await.is_err(), "spent again");
        assert!(reserve("k1").await.is_err(), "k1 still waits");
        // Another client is untouched.
        assert_eq!(
            store
                .reserve_sign_in("k1", client("192.0.2.8"), &limits)
                .await
                .expect("database"),
            Ok(())
        );
        // With no window left, only k1's wait still says something: both clients and the
        // pairs that do not wait (k3, and k1 of the other client) go, and the refused k4 left
        // no row behind.
        let over = SignInLimits {
            window: Duration::ZERO,
            ..limits
        };
        assert_eq!(store.prune_sign_in_counts(&limits).await.expect("prune"), 0);
        assert_eq!(store.prune_sign_in_counts(&over).await.expect("prune"), 4);
        assert!(reserve("k1").await.is_err(), "its wait survives the prune");
    })
    .await;
}

#[tokio::test]
async fn concurrent_attempts_through_two_pools_are_counted_one_by_one() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let (one, two) = (db.store().await, db.store().await);
        let limits = SignInLimits {
            free_failures: 3,
            first_delay: Duration::from_secs(600),
            max_delay: Duration::from_secs(600),
            failures_per_client: 100,
            window: Duration::from_secs(900),
        };
        let from = client("192.0.2.9");
        let attempts = join_all((0..30).map(|n| {
            let store = if n % 2 == 0 { &one } else { &two };
            store.reserve_sign_in("same address", from, &limits)
        }))
        .await;
        let errors: Vec<String> = attempts
            .iter()
            .filter_map(|attempt| attempt.as_ref().err().map(ToString::to_string))
            .collect();
        assert!(errors.is_empty(), "{backend:?}: {errors:?}");
        let allowed = attempts
            .iter()
            .filter(|attempt| matches!(attempt, Ok(Ok(()))))
            .count();
        assert_eq!(allowed, 3, "{backend:?}");
        one.close().await;
        two.close().await;
        db.cleanup().await;
    }
}
