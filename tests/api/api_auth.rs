//! Every documented route refuses a caller without a token (401) and a caller whose role is
//! not in the route's documented roles (403), before reading the body.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn every_route_checks_the_token_and_the_role() {
    let app = TestApp::spawn().await;
    let spec: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    let marketer = app.token("marketer").await;
    let agent = app.token("agent").await;
    let tokens = [("marketer", marketer.as_str()), ("agent", agent.as_str())];

    let paths = spec["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, operations) in paths {
        let concrete = path.replace("{id}", "1").replace("{index}", "0");
        for (method, operation) in operations.as_object().expect("operations") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            if operation["security"] == serde_json::json!([{}]) {
                // Open to anyone: only a survey answer may be, authorised by its signed token.
                assert!(
                    path.starts_with("/csat/"),
                    "{method} {path} is documented as open to anyone"
                );
                continue;
            }
            let roles: Vec<&str> = operation["security"][0]["bearer"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} documents no roles"))
                .iter()
                .map(|role| role.as_str().expect("role"))
                .collect();
            assert!(
                roles.contains(&"admin"),
                "{method} {path}: admins may do everything"
            );

            let anonymous = app
                .client
                .request(method.clone(), app.url(&concrete))
                .json(&serde_json::json!({}))
                .send()
                .await
                .expect("request");
            assert_eq!(anonymous.status(), 401, "{method} {path} without a token");
            let body: Value = anonymous.json().await.expect("JSON error");
            assert_eq!(body["error"]["code"], "unauthenticated");

            let bogus = app
                .send(
                    method.clone(),
                    &concrete,
                    "sb_not_a_token",
                    serde_json::json!({}),
                )
                .await;
            assert_eq!(bogus.status(), 401, "{method} {path} with an unknown token");

            for (role, token) in tokens {
                if method == Method::GET && path == "/api/v1/events" && roles.contains(&role) {
                    continue; // an allowed caller gets an endless stream
                }
                let response = app
                    .send(method.clone(), &concrete, token, serde_json::json!({}))
                    .await;
                if roles.contains(&role) {
                    assert_ne!(response.status(), 401, "{method} {path} as {role}");
                    if path != "/api/v1/agents/{id}" {
                        assert_ne!(response.status(), 403, "{method} {path} as {role}");
                    }
                } else {
                    assert_eq!(
                        response.status(),
                        403,
                        "{method} {path} as {role} must be refused"
                    );
                    let body: Value = response.json().await.expect("JSON error");
                    assert_eq!(body["error"]["code"], "forbidden");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} operations documented");
    app.stop().await;
}

#[tokio::test]
async fn a_revoked_token_stops_working() {
    let app = TestApp::spawn().await;
    let created: Value = app
        .post_json(
            "/api/v1/tokens",
            serde_json::json!({"name": "ci", "role": "agent"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let token = created["token"].as_str().expect("token");
    assert_eq!(app.get("/api/v1/conversations", token).await.status(), 200);
    let revoked = app
        .send(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", created["id"]),
            &app.admin_token,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(revoked.status(), 204);
    assert_eq!(app.get("/api/v1/conversations", token).await.status(), 401);
    let listed = app.get_json("/api/v1/tokens").await;
    assert!(
        listed
            .as_array()
            .expect("list")
            .iter()
            .all(|t| t.get("token").is_none()),
        "secrets are never listed"
    );
    app.stop().await;
}
