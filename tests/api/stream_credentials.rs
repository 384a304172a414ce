//! Open event streams end within seconds of their credential: a revoked token, a signed-out
//! session, a password reset, a changed role. A stream whose credential stands stays open.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::web::{agent_with_password, no_redirects, session};

/// Streams re-check their credential every 2 s by default; they must end within this.
const BOUND: Duration = Duration::from_secs(5);

/// Opens `/api/v1/events` with `header` and checks it is live.
async fn open_stream(app: &TestApp, header: (&str, &str)) -> reqwest::Response {
    let response = no_redirects()
        .get(app.url("/api/v1/events"))
        .header(header.0, header.1)
        .send()
        .await
        .expect("events");
    assert_eq!(response.status(), 200);
    response
}

/// True when the stream ends within `within` (events read meanwhile are skipped).
async fn ends_within(stream: &mut reqwest::Response, within: Duration) -> bool {
    tokio::time::timeout(within, async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_stream_ends_when_its_token_is_revoked() {
    let app = TestApp::spawn().await;
    let token = app.token("agent").await;
    let id = app
        .get_json("/api/v1/tokens")
        .await
        .as_array()
        .expect("tokens")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .max()
        .expect("token id");
    let mut stream = open_stream(&app, ("authorization", &format!("Bearer {token}"))).await;
    assert!(
        !ends_within(&mut stream, Duration::from_millis(2500)).await,
        "a valid token's stream stays open past several re-checks"
    );
    let revoked = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(revoked.status(), 204);
    assert!(
        ends_within(&mut stream, BOUND).await,
        "still open after revocation"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_session_stream_ends_at_sign_out_password_reset_and_role_change() {
    let app = TestApp::spawn().await;
    let (id, email, password) = agent_with_password(&app, "Sam", "agent").await;

    // Sign-out.
    let (cookie, csrf) = session(&app, &email, &password).await;
    let mut stream = open_stream(&app, ("cookie", &cookie)).await;
    let out = no_redirects()
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 303);
    assert!(ends_within(&mut stream, BOUND).await, "open after sign-out");

    // A password reset by an admin.
    let (cookie, _) = session(&app, &email, &password).await;
    let mut stream = open_stream(&app, ("cookie", &cookie)).await;
    let reset = app
        .post_json(&format!("/api/v1/agents/{id}/password"), json!({}))
        .await;
    assert_eq!(reset.status(), 200);
    let password = reset.json::<Value>().await.expect("json")["password"]
        .as_str()
        .expect("password")
        .to_owned();
    assert!(
        ends_within(&mut stream, BOUND).await,
        "open after a password reset"
    );

    // A role change: the stream's filter was chosen for the old role.
    let (cookie, _) = session(&app, &email, &password).await;
    let mut stream = open_stream(&app, ("cookie", &cookie)).await;
    let demoted = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/agents/{id}"),
            &app.admin_token,
            json!({"role": "marketer"}),
        )
        .await;
    assert_eq!(demoted.status(), 200);
    assert!(
        ends_within(&mut stream, BOUND).await,
        "open after a role change"
    );
    app.stop().await;
}
