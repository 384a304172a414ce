//! Web sign-in under guessing: attempts are reserved before the password is checked, checks
//! run in a bounded pool, limits are per (address, client), and the client is read from
//! forwarding headers only through `[server] trusted_proxies`.

use futures_util::future::join_all;

use crate::helpers::TestApp;
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
