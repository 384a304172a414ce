//! `[access] agents_see = "own_teams"`: an agent of team A walks every conversation route
//! against a conversation of team B's channel and gets 404, lists without it and no events of
//! it; an assigned one of the other team is visible; admins see all; the default sees all.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, hook_body, rand_suffix, signed_headers};

const DESK_SECRET: &str = "desk-secret-0123456789";

fn config(limited: bool) -> String {
    let access = if limited {
        "[access]\nagents_see = \"own_teams\"\n[access.team_channels]\nalpha = [\"shop\"]\nbeta = [\"desk\"]\n"
    } else {
        ""
    };
    format!(
        "{access}[[channels]]\nname = \"desk\"\nkind = \"webhook\"\nsecret = \"{DESK_SECRET}\"\ncallback_url = \"http://127.0.0.1:9/unused\"\n"
    )
}

/// A message from `from` on the `desk` channel: (conversation id, message id).
async fn on_desk(app: &TestApp, id: &str, from: &str, text: &str) -> (i64, i64) {
    let body = hook_body(id, from, text);
    let receipt: Value = app
        .client
        .post(app.url("/hooks/desk"))
        .header("content-type", "application/json")
        .headers(signed_headers(DESK_SECRET.as_bytes(), body.as_bytes()))
        .body(body)
        .send()
        .await
        .expect("hook")
        .json()
        .await
        .expect("json");
    let message = &receipt["messages"][0];
    (
        message["conversation_id"].as_i64().expect("conversation"),
        message["message_id"].as_i64().expect("message"),
    )
}

async fn on_shop(app: &TestApp, id: &str, from: &str, text: &str) -> i64 {
    let receipt: Value = app
        .post_hook(&hook_body(id, from, text))
        .await
        .json()
        .await
        .expect("json");
    receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("conversation")
}

/// An agent in a new team `team`, with a token acting as them: (agent id, token).
async fn member_of(app: &TestApp, team: &str) -> (i64, String) {
    let agent: Value = app
        .post_json("/api/v1/agents", json!({"name": team, "email": format!("{team}-{}@example.com", rand_suffix()), "role": "agent"}))
        .await
        .json()
        .await
        .expect("json");
    let id = agent["id"].as_i64().expect("id");
    let created = app
        .post_json("/api/v1/teams", json!({"name": team, "members": [id]}))
        .await;
    assert_eq!(created.status(), 201);
    let token: Value = app
        .post_json(
            "/api/v1/tokens",
            json!({"name": team, "role": "agent", "agent_id": id}),
        )
        .await
        .json()
        .await
        .expect("json");
    (id, token["token"].as_str().expect("token").to_owned())
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect()
}

async fn json_of(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.expect("json")
}

#[tokio::test]
async fn an_agent_of_another_team_finds_nothing_of_it() {
    let app = TestApp::spawn_with(&config(true)).await;
    let (alpha, alpha_token) = member_of(&app, "alpha").await;
    let _beta = member_of(&app, "beta").await;
    let own = on_shop(&app, "s1", "u1", "alpha question").await;
    let (hidden, hidden_message) = on_desk(&app, "d1", "u2", "betasecret words").await;
    let (assigned, _) = on_desk(&app, "d2", "u3", "given to alpha").await;
    let given = app
        .post_json(
            &format!("/api/v1/conversations/{assigned}/assign"),
            json!({"agent_id": alpha}),
        )
        .await;
    assert_eq!(given.status(), 200);
    // A delivery on the hidden conversation, so the deliveries list has something to hide.
    assert_eq!(
        app.post_json(
            &format!("/api/v1/conversations/{hidden}/reply"),
            json!({"text": "on it"})
        )
        .await
        .status(),
        202
    );
    let hidden_contact = app
        .get_json(&format!("/api/v1/conversations/{hidden}"))
        .await["contact_id"]
        .as_i64()
        .expect("contact");

    // Open the event stream before anything else happens.
    let stream = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth(&alpha_token)
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), 200);

    let h = hidden.to_string();
    let m = hidden_message.to_string();
    let routes: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/api/v1/conversations/{h}"),
            json!(null),
        ),
        (
            Method::PATCH,
            format!("/api/v1/conversations/{h}"),
            json!({"priority": "high"}),
        ),
        (
            Method::GET,
            format!("/api/v1/conversations/{h}/messages"),
            json!(null),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{h}/reply"),
            json!({"text": "hi"}),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{h}/notes"),
            json!({"text": "hi"}),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{h}/assign"),
            json!({"agent_id": alpha}),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{h}/status"),
            json!({"status": "resolved"}),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{h}/take"),
            json!(null),
        ),
        (
            Method::GET,
            format!("/api/v1/conversations/{h}/presence"),
            json!(null),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{h}/presence"),
            json!({"state": "viewing"}),
        ),
        (
            Method::GET,
            format!("/api/v1/conversations/{h}/activity"),
            json!(null),
        ),
        (
            Method::GET,
            format!("/api/v1/messages/{m}/revisions"),
            json!(null),
        ),
        (
            Method::GET,
            format!("/api/v1/messages/{m}/attachments/0"),
            json!(null),
        ),
        (
            Method::GET,
            format!("/api/v1/messages/{m}/images?url=https%3A%2F%2Fexample.com%2Fa.png"),
            json!(null),
        ),
        (
            Method::POST,
            format!("/api/v1/messages/{m}/retry"),
            json!(null),
        ),
        (
            Method::POST,
            format!("/api/v1/messages/{m}/redact"),
            json!({}),
        ),
        (
            Method::GET,
            format!("/api/v1/contacts/{hidden_contact}"),
            json!(null),
        ),
    ];
    for (method, path, body) in &routes {
        let response = if body.is_null() {
            app.client
                .request(method.clone(), app.url(path))
                .bearer_auth(&alpha_token)
                .send()
                .await
                .expect("request")
        } else {
            app.send(method.clone(), path, &alpha_token, body.clone())
                .await
        };
        assert_eq!(response.status(), 404, "{method} {path}");
        let error: Value = response.json().await.expect("json");
        assert_eq!(error["error"]["code"], "not_found", "{method} {path}");
    }
    let unchanged = app
        .get_json(&format!("/api/v1/conversations/{hidden}"))
        .await;
    assert_eq!(unchanged["priority"], "normal", "nothing was written");
    assert_eq!(unchanged["status"], "open");

    let listed = ids(&json_of(&app, "/api/v1/conversations", &alpha_token).await);
    assert!(
        listed.contains(&own) && listed.contains(&assigned),
        "{listed:?}"
    );
    assert!(!listed.contains(&hidden), "{listed:?}");
    assert!(
        ids(&json_of(&app, "/api/v1/conversations?q=betasecret", &alpha_token).await).is_empty()
    );
    assert!(
        ids(&json_of(
            &app,
            "/api/v1/conversations?channel=desk&limit=1",
            &alpha_token
        )
        .await)
            == vec![assigned]
    );
    let queue = json_of(&app, "/api/v1/queue", &alpha_token).await;
    assert!(
        queue
            .as_array()
            .expect("queue")
            .iter()
            .all(|q| q["conversation"]["id"] != hidden)
    );
    let deliveries = json_of(&app, "/api/v1/deliveries", &alpha_token).await;
    assert!(
        deliveries["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|d| d["conversation_id"] != hidden)
    );
    let contacts = json_of(&app, "/api/v1/contacts", &alpha_token).await;
    assert!(ids(&contacts).iter().all(|c| *c != hidden_contact));

    // The admin sees everything, and its work on the hidden conversation never reaches alpha's stream.
    assert_eq!(
        app.get(&format!("/api/v1/conversations/{hidden}"), &app.admin_token)
            .await
            .status(),
        200
    );
    assert!(ids(&app.get_json("/api/v1/contacts").await).contains(&hidden_contact));
    let hidden_note: Value = app
        .post_json(
            &format!("/api/v1/conversations/{hidden}/notes"),
            json!({"text": "beta only"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let own_note: Value = app
        .post_json(
            &format!("/api/v1/conversations/{own}/notes"),
            json!({"text": "alpha sees"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let mut body = stream.bytes_stream();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let own_marker = format!("\"message_id\":{}", own_note["id"]);
    while !seen.contains(&own_marker) {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("alpha's own event in time")
            .expect("stream open")
            .expect("chunk");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        !seen.contains(&format!("\"conversation_id\":{hidden}")),
        "no event of the hidden conversation: {seen}"
    );
    assert!(!seen.contains(&format!("\"message_id\":{}", hidden_note["id"])));
}

#[tokio::test]
async fn by_default_agents_see_every_conversation() {
    let app = TestApp::spawn_with(&config(false)).await;
    let (_, alpha_token) = member_of(&app, "alpha").await;
    let (other, _) = on_desk(&app, "d1", "u2", "for anyone").await;
    assert_eq!(
        app.get(&format!("/api/v1/conversations/{other}"), &alpha_token)
            .await
            .status(),
        200
    );
    assert!(ids(&json_of(&app, "/api/v1/conversations", &alpha_token).await).contains(&other));
}
