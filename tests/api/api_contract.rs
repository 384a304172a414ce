//! The API's contract on the wire, beyond what the OpenAPI document can say: bodies are JSON
//! objects, required names stay non-empty, and an id once given is never given again.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, hook_body};

/// Sends `body` as raw JSON text.
async fn send_raw(app: &TestApp, method: Method, path: &str, body: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.post_hook(&hook_body("m1", "u1", "hello"))
            .await
            .status(),
        200
    );
    let path = "/api/v1/conversations/1";
    let assigned = app
        .post_json(&format!("{path}/assign"), json!({"agent_id": 1}))
        .await;
    assert_eq!(assigned.status(), 200);
    let before = app.get_json(path).await;

    // serde reads a struct from an array field by field: these used to be taken.
    let cases = [
        (Method::POST, format!("{path}/assign"), "[null, null]"),
        (Method::PATCH, path.to_owned(), r#"[["x"], "high"]"#),
        (Method::POST, format!("{path}/notes"), r#""a note""#),
        (Method::POST, "/api/v1/tokens".to_owned(), "42"),
        (Method::POST, "/api/v1/agents".to_owned(), "null"),
    ];
    for (method, route, body) in cases {
        let response = send_raw(&app, method.clone(), &route, body).await;
        assert_eq!(response.status(), 400, "{method} {route} {body}");
        let error: Value = response.json().await.expect("json");
        assert_eq!(error["error"]["code"], "bad_request", "{error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|message| message.contains("JSON object")),
            "{error}"
        );
    }
    let after = app.get_json(path).await;
    assert_eq!(after["assignee_id"], before["assignee_id"]);
    assert_eq!(after["labels"], before["labels"]);
    assert_eq!(after["priority"], before["priority"]);
    // An object still works, with leading whitespace too.
    let response = send_raw(&app, Method::PATCH, path, "  \n{\"priority\": \"high\"}").await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_agent_name_cannot_be_changed_to_nothing() {
    let app = TestApp::spawn().await;
    for name in ["", "   ", "\u{200B}"] {
        let response = app
            .send(
                Method::PATCH,
                "/api/v1/agents/1",
                &app.admin_token,
                json!({"name": name}),
            )
            .await;
        assert_eq!(response.status(), 422, "{name:?}");
    }
    let agents = app.get_json("/api/v1/agents").await;
    let first = &agents.as_array().expect("agents")[0];
    assert!(
        first["name"]
            .as_str()
            .is_some_and(|name| !name.trim().is_empty()),
        "{first}"
    );
}

/// Creates the `n`th object of a kind and returns its id.
async fn create(app: &TestApp, collection: &str, n: usize) -> i64 {
    let body = match collection {
        "canned-responses" => json!({"shortcut": format!("c{n}"), "title": "T", "body": "Hi"}),
        "segments" => json!({"name": format!("s{n}"), "filter": {"op": "everyone"}}),
        "rules" => {
            json!({"name": format!("r{n}"), "on": "message.received", "actions": [{"add_label": "x"}]})
        }
        "webhooks" => json!({"url": "https://93.184.215.14/hook", "events": ["*"]}),
        other => panic!("no body for {other}"),
    };
    let response = app.post_json(&format!("/api/v1/{collection}"), body).await;
    assert_eq!(response.status(), 201, "{collection}");
    let created: Value = response.json().await.expect("json");
    created["id"].as_i64().expect("id")
}

#[tokio::test]
async fn a_deleted_objects_id_is_never_given_again() {
    let app = TestApp::spawn().await;
    for collection in ["canned-responses", "segments", "rules", "webhooks"] {
        let first = create(&app, collection, 1).await;
        let newest = create(&app, collection, 2).await;
        let deleted = app
            .send(
                Method::DELETE,
                &format!("/api/v1/{collection}/{newest}"),
                &app.admin_token,
                json!({}),
            )
            .await;
        assert_eq!(deleted.status(), 204, "{collection}");
        let next = create(&app, collection, 3).await;
        assert!(
            next > newest && newest > first,
            "{collection}: {first}, deleted {newest}, then {next}"
        );
        let stale = app
            .get(&format!("/api/v1/{collection}/{newest}"), &app.admin_token)
            .await;
        assert_eq!(stale.status(), 404, "{collection}");
    }
}

#[tokio::test]
async fn a_rule_with_an_unknown_key_is_refused() {
    let app = TestApp::spawn().await;
    let rule = json!({"name": "r", "on": "message.received", "actions": [{"add_label": "x"}],
        "position": 1, "colour": "red"});
    let response = app.post_json("/api/v1/rules", rule).await;
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.expect("json");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("colour")),
        "{error}"
    );
    assert_eq!(app.get_json("/api/v1/rules").await["items"], json!([]));
}

/// A path parameter that does not parse as its type: an integer past `i64`, or text that is
/// not UTF-8 once percent-decoded.
fn malformed(parameter: &Value) -> &'static str {
    if parameter["schema"]["type"] == "integer" {
        "9223372036854775808"
    } else {
        "%FF%FE"
    }
}

#[tokio::test]
async fn every_route_answers_a_malformed_path_parameter_with_a_json_error() {
    let app = TestApp::spawn().await;
    let spec = app.get_json("/api/v1/openapi.json").await;
    let mut checked = 0;
    let mut faults = Vec::new();
    for (template, operations) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let parameters: Vec<&Value> = operation["parameters"]
                .as_array()
                .map(|all| all.iter().filter(|p| p["in"] == "path").collect())
                .unwrap_or_default();
            let Some(first) = parameters.first() else {
                continue;
            };
            let mut path = template.clone();
            for parameter in &parameters {
                let name = parameter["name"].as_str().expect("name");
                let value = if std::ptr::eq(*parameter, *first) {
                    malformed(parameter)
                } else {
                    "1"
                };
                path = path.replace(&format!("{{{name}}}"), value);
            }
            let method: Method = method.to_uppercase().parse().expect("method");
            let response = send_raw(&app, method.clone(), &path, "{}").await;
            let status = response.status();
            let json = response
                .headers()
                .get("content-type")
                .is_some_and(|kind| kind.to_str().unwrap_or("").starts_with("application/json"));
            let body = response.text().await.unwrap_or_default();
            checked += 1;
            if !status.is_client_error() || !json || !body.contains("\"error\"") {
                faults.push(format!("{method} {path}: {status} {body:.120}"));
            }
        }
    }
    assert!(checked > 20, "only {checked} routes with path parameters");
    assert!(faults.is_empty(), "{}", faults.join("\n"));
    app.stop().await;
}
