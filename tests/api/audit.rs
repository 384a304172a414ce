//! The audit log: every sensitive route writes an entry naming the actor, the action, the
//! subject and the client address; failed sign-ins too; admins read it (filters, CSV); views
//! are coalesced; the prune deletes old entries only.

use reqwest::Method;
use serde_json::{Value, json};
use switchboard::domain::Millis;
use switchboard::domain::audit::{AuditAction, AuditActor, AuditSubject, NewAuditEntry};

use crate::helpers::{TestApp, TestDb, app_backend, hook_body, rand_suffix};

/// An agent with a token acting as them: (agent id, token).
async fn agent_with_token(app: &TestApp, role: &str) -> (i64, String) {
    let agent: Value = app
        .post_json(
            "/api/v1/agents",
            json!({"name": format!("{role} {}", rand_suffix()), "email": format!("{role}-{}@example.com", rand_suffix()), "role": role}),
        )
        .await
        .json()
        .await
        .expect("json");
    let id = agent["id"].as_i64().expect("agent id");
    let token: Value = app
        .post_json(
            "/api/v1/tokens",
            json!({"name": format!("{role} token"), "role": role, "agent_id": id}),
        )
        .await
        .json()
        .await
        .expect("json");
    (id, token["token"].as_str().expect("token").to_owned())
}

/// The newest entries matching `query`.
async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let page = app.get_json(&format!("/api/v1/audit?{query}")).await;
    page["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn every_sensitive_route_writes_an_entry() {
    let app = TestApp::spawn_with("[webhooks]\nallow_private_targets = true\n").await;
    let (agent, agent_token) = agent_with_token(&app, "agent").await;
    let (admin, admin_token) = agent_with_token(&app, "admin").await;
    let receipt: Value = app
        .post_hook(&hook_body("a1", "u1", "my address is Main St 1"))
        .await
        .json()
        .await
        .expect("json");
    let conversation = receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("id");
    let message = receipt["messages"][0]["message_id"]
        .as_i64()
        .expect("message id");
    let contact = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await["contact_id"]
        .as_i64()
        .expect("contact");
    let rule =
        json!({"name": "tag vip", "on": "message.received", "actions": [{"add_label": "seen"}]});

    // method, path, who, body, action, subject kind, subject id ("" = from the answer's id)
    let c = conversation.to_string();
    let table: Vec<(Method, String, &str, Value, &str, &str, String)> = vec![
        (
            Method::GET,
            format!("/api/v1/conversations/{c}"),
            "agent",
            json!(null),
            "conversation.viewed",
            "conversation",
            c.clone(),
        ),
        (
            Method::GET,
            format!("/api/v1/messages/{message}/revisions"),
            "agent",
            json!(null),
            "message.viewed",
            "message",
            message.to_string(),
        ),
        (
            Method::GET,
            format!("/api/v1/contacts/{contact}"),
            "agent",
            json!(null),
            "contact.viewed",
            "contact",
            contact.to_string(),
        ),
        (
            Method::POST,
            "/api/v1/agents".into(),
            "admin",
            json!({"name": "New", "email": format!("new-{}@example.com", rand_suffix()), "role": "agent"}),
            "agent.created",
            "agent",
            String::new(),
        ),
        (
            Method::PATCH,
            format!("/api/v1/agents/{agent}"),
            "admin",
            json!({"role": "marketer"}),
            "agent.role_changed",
            "agent",
            agent.to_string(),
        ),
        (
            Method::POST,
            format!("/api/v1/agents/{agent}/password"),
            "admin",
            json!(null),
            "agent.password_reset",
            "agent",
            agent.to_string(),
        ),
        (
            Method::POST,
            "/api/v1/teams".into(),
            "admin",
            json!({"name": "Audit team", "members": []}),
            "team.created",
            "team",
            String::new(),
        ),
        (
            Method::POST,
            "/api/v1/tokens".into(),
            "admin",
            json!({"name": "ci", "role": "agent"}),
            "token.created",
            "token",
            String::new(),
        ),
        (
            Method::POST,
            "/api/v1/rules".into(),
            "admin",
            rule,
            "rule.created",
            "rule",
            String::new(),
        ),
        (
            Method::POST,
            "/api/v1/webhooks".into(),
            "admin",
            json!({"url": "http://127.0.0.1:9/hook", "events": ["*"]}),
            "webhook.created",
            "webhook",
            String::new(),
        ),
        (
            Method::POST,
            format!("/api/v1/messages/{message}/redact"),
            "agent",
            json!({"parts": ["Main St 1"]}),
            "message.redacted",
            "message",
            message.to_string(),
        ),
        (
            Method::GET,
            format!("/api/v1/contacts/{contact}/export"),
            "admin",
            json!(null),
            "contact.exported",
            "contact",
            contact.to_string(),
        ),
        // Last: it erases the contact the rows above read.
        (
            Method::POST,
            format!("/api/v1/contacts/{contact}/erase"),
            "admin",
            json!({"reason": "asked by email"}),
            "contact.erased",
            "contact",
            contact.to_string(),
        ),
    ];
    for (method, path, who, body, action, kind, id) in table {
        let token = if who == "admin" {
            &admin_token
        } else {
            &agent_token
        };
        let actor = if who == "admin" { admin } else { agent };
        let response = if body.is_null() {
            app.client
                .request(method.clone(), app.url(&path))
                .bearer_auth(token)
                .send()
                .await
                .expect("request")
        } else {
            app.send(method.clone(), &path, token, body).await
        };
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            response.status()
        );
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        let id = if id.is_empty() {
            let created = answer
                .get("webhook")
                .or(answer.get("record"))
                .unwrap_or(&answer);
            created["id"].as_i64().expect("created id").to_string()
        } else {
            id
        };
        let found = audit(
            &app,
            &format!("action={action}&subject={kind}:{id}&actor={actor}"),
        )
        .await;
        assert_eq!(
            found.len(),
            1,
            "{method} {path}: one {action} entry, got {found:?}"
        );
        let entry = &found[0];
        assert_eq!(entry["agent_id"], actor, "{method} {path}: actor");
        assert_eq!(entry["actor_kind"], "token", "{method} {path}");
        assert_eq!(entry["ip"], "127.0.0.1", "{method} {path}: client address");
    }
    // Views of a conversation count as entries about its contact.
    let about = audit(&app, &format!("contact={contact}")).await;
    let actions: Vec<&str> = about.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(
        actions.contains(&"conversation.viewed") && actions.contains(&"contact.viewed"),
        "{actions:?}"
    );
    assert_eq!(
        app.store
            .audit_about_contact(switchboard::domain::ContactId::new(contact))
            .await
            .expect("about")
            .len(),
        about.len()
    );

    // Revoking and deleting: the last three.
    let token_id = audit(&app, "action=token.created").await[0]["subject_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let revoked = app
        .send(
            Method::DELETE,
            &format!("/api/v1/tokens/{token_id}"),
            &admin_token,
            json!(null),
        )
        .await;
    assert_eq!(revoked.status(), 204);
    assert_eq!(
        audit(
            &app,
            &format!("action=token.revoked&subject=token:{token_id}")
        )
        .await
        .len(),
        1
    );
}

#[tokio::test]
async fn sign_ins_and_failures_are_recorded() {
    let app = TestApp::spawn().await;
    let (agent, _) = agent_with_token(&app, "agent").await;
    let agents = app.get_json("/api/v1/agents").await;
    let email = agents
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["id"] == agent)
        .expect("agent")["email"]
        .as_str()
        .expect("email")
        .to_owned();
    let password: Value = app
        .post_json(&format!("/api/v1/agents/{agent}/password"), json!(null))
        .await
        .json()
        .await
        .expect("json");
    let password = password["password"].as_str().expect("password");

    let wrong = crate::web::post_login(&app, &email, "not the password").await;
    assert_eq!(wrong.status(), 401);
    let failed = audit(&app, "action=sign_in.failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["actor_kind"], "anonymous");
    assert_eq!(failed[0]["actor_label"], email);
    assert_eq!(failed[0]["ip"], "127.0.0.1");

    let right = crate::web::post_login(&app, &email, password).await;
    assert_eq!(right.status(), 303);
    let succeeded = audit(&app, &format!("action=sign_in.succeeded&actor={agent}")).await;
    assert_eq!(succeeded.len(), 1);
    assert_eq!(succeeded[0]["actor_kind"], "agent");
}

#[tokio::test]
async fn only_admins_read_the_log_and_bad_filters_are_refused() {
    let app = TestApp::spawn().await;
    for role in ["agent", "marketer"] {
        let token = app.token(role).await;
        let refused = app.get("/api/v1/audit", &token).await;
        assert_eq!(refused.status(), 403, "{role}");
        let body: Value = refused.json().await.expect("json");
        assert!(body["error"]["code"].is_string());
    }
    for query in [
        "action=nonsense",
        "subject=contact",
        "subject=:7",
        "format=xml",
        "since=yesterday",
        "cursor=abc",
    ] {
        let response = app
            .get(&format!("/api/v1/audit?{query}"), &app.admin_token)
            .await;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.expect("json");
        assert!(body["error"]["message"].is_string(), "{query}");
    }
}

#[tokio::test]
async fn filters_pages_and_csv_with_formula_cells_defused() {
    let app = TestApp::spawn().await;
    let (agent, token) = agent_with_token(&app, "agent").await;
    let mut conversations = Vec::new();
    for n in 0..3 {
        let receipt: Value = app
            .post_hook(&hook_body(&format!("f{n}"), &format!("u{n}"), "hi"))
            .await
            .json()
            .await
            .expect("json");
        conversations.push(
            receipt["messages"][0]["conversation_id"]
                .as_i64()
                .expect("id"),
        );
    }
    for id in &conversations {
        assert_eq!(
            app.get(&format!("/api/v1/conversations/{id}"), &token)
                .await
                .status(),
            200
        );
    }
    // A label a spreadsheet would run: an anonymous sign-in label is what a stranger types.
    let entry = NewAuditEntry {
        actor: AuditActor {
            label: Some("=HYPERLINK(\"http://evil\",\"x\")".into()),
            ..AuditActor::system()
        },
        action: AuditAction::SignInFailed,
        subject: AuditSubject::None,
        ip: Some("10.0.0.1".into()),
        detail: json!({"note": "a,b"}),
    };
    app.store.record_audit(&entry).await.expect("record");

    let mine = audit(&app, &format!("actor={agent}&action=conversation.viewed")).await;
    assert_eq!(mine.len(), 3);
    let first = app
        .get_json(&format!("/api/v1/audit?actor={agent}&limit=2"))
        .await;
    assert_eq!(first["items"].as_array().expect("items").len(), 2);
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let second = app
        .get_json(&format!(
            "/api/v1/audit?actor={agent}&limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(
        second["items"].as_array().expect("items").len(),
        1,
        "the third view"
    );
    let future = audit(&app, "since=2999-01-01T00:00:00Z").await;
    assert!(future.is_empty());
    let past = audit(&app, "until=2000-01-01T00:00:00Z").await;
    assert!(past.is_empty());

    for (path, accept) in [
        ("/api/v1/audit?format=csv", "*/*"),
        ("/api/v1/audit", "text/csv"),
    ] {
        let response = app
            .client
            .get(app.url(path))
            .bearer_auth(&app.admin_token)
            .header("accept", accept)
            .send()
            .await
            .expect("csv");
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("type")
                .starts_with("text/csv")
        );
        let text = response.text().await.expect("text");
        let mut lines = text.split("\r\n");
        assert!(
            lines
                .next()
                .expect("header")
                .starts_with("id,at,actor_kind,")
        );
        assert!(
            text.contains(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\","),
            "{text}"
        );
        assert!(text.contains("\"{\"\"note\"\":\"\"a,b\"\"}\""), "{text}");
        assert_eq!(text.matches("conversation.viewed").count(), 3);
    }
}

#[tokio::test]
async fn repeated_views_are_coalesced_and_the_prune_deletes_old_entries_only() {
    let app = TestApp::spawn().await;
    let (_, token) = agent_with_token(&app, "agent").await;
    let receipt: Value = app
        .post_hook(&hook_body("v1", "u1", "hello"))
        .await
        .json()
        .await
        .expect("json");
    let id = receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("id");
    for _ in 0..3 {
        assert_eq!(
            app.get(&format!("/api/v1/conversations/{id}"), &token)
                .await
                .status(),
            200
        );
        assert_eq!(
            app.get(&format!("/api/v1/conversations/{id}/messages"), &token)
                .await
                .status(),
            200
        );
    }
    let views = audit(
        &app,
        &format!("action=conversation.viewed&subject=conversation:{id}"),
    )
    .await;
    assert_eq!(
        views.len(),
        1,
        "an inbox polling one conversation writes one entry per window"
    );
    // Another reader is another entry.
    let (_, other) = agent_with_token(&app, "agent").await;
    assert_eq!(
        app.get(&format!("/api/v1/conversations/{id}"), &other)
            .await
            .status(),
        200
    );
    assert_eq!(
        audit(&app, &format!("subject=conversation:{id}"))
            .await
            .len(),
        2
    );

    let total = audit(&app, "limit=200").await.len() as u64;
    let deleted = app
        .store
        .delete_audit_before(Millis(Millis::now().0 - 60_000), 10)
        .await
        .expect("prune");
    assert_eq!(deleted, 0, "nothing is a minute old");
    let deleted = app
        .store
        .delete_audit_before(Millis(Millis::now().0 + 60_000), 2)
        .await
        .expect("prune");
    assert_eq!(deleted, 2, "one batch at a time");
    assert_eq!(audit(&app, "limit=200").await.len() as u64, total - 2);
}

/// Channels and retention live in the configuration file: a start records what is new or
/// changed since the log's last entries (which keys, never their values), a start with the same
/// file records nothing, and a channel taken out is recorded as removed.
#[tokio::test]
async fn configuration_changes_are_recorded_at_start() {
    const SECRET: &str = "desk-secret-value-1";
    let first = format!(
        "[retention]\nconversations_days = 30\n\n\
         [[channels]]\nname = \"desk\"\nkind = \"webhook\"\nsecret = \"{SECRET}\"\n\n\
         [[channels]]\nname = \"old\"\nkind = \"webhook\"\nsecret = \"old-secret\"\n"
    );
    let app = TestApp::spawn_on(TestDb::new(app_backend()).await, &first).await;
    let channels = audit(&app, "action=channel.changed").await;
    let named = |entries: &[Value], name: &str| -> Vec<Value> {
        entries
            .iter()
            .filter(|entry| entry["subject_id"] == name)
            .cloned()
            .collect()
    };
    for name in ["desk", "old", "shop"] {
        let entries = named(&channels, name);
        assert_eq!(entries.len(), 1, "{name}: {channels:?}");
        assert_eq!(entries[0]["detail"]["change"], "added");
        assert_eq!(entries[0]["detail"]["kind"], "webhook");
        assert_eq!(entries[0]["actor_kind"], "system");
    }
    let retention = audit(&app, "action=retention.changed").await;
    assert_eq!(retention.len(), 1, "{retention:?}");
    assert_eq!(retention[0]["detail"]["settings"]["conversations_days"], 30);

    // The same file again: nothing new but the test's own channel, whose callback is a new
    // stand-in on another port at every start.
    let db = app.stop_keeping_db().await;
    let app = TestApp::spawn_on(db, &first).await;
    let channels = audit(&app, "action=channel.changed").await;
    assert_eq!(named(&channels, "desk").len(), 1, "{channels:?}");
    assert_eq!(named(&channels, "old").len(), 1, "{channels:?}");
    let shop = named(&channels, "shop");
    assert_eq!(shop.len(), 2, "{channels:?}");
    assert_eq!(shop[0]["detail"]["changed"], json!(["callback_url"]));
    assert_eq!(audit(&app, "action=retention.changed").await.len(), 1);

    // A new secret for desk, old taken out, a longer retention.
    let db = app.stop_keeping_db().await;
    let second = "[retention]\nconversations_days = 60\n\n\
         [[channels]]\nname = \"desk\"\nkind = \"webhook\"\nsecret = \"desk-secret-value-2\"\n";
    let app = TestApp::spawn_on(db, second).await;
    let channels = audit(&app, "action=channel.changed").await;
    let desk = named(&channels, "desk");
    assert_eq!(desk.len(), 2, "{channels:?}");
    assert_eq!(desk[0]["detail"]["change"], "changed");
    assert_eq!(desk[0]["detail"]["changed"], json!(["secret"]));
    let old = named(&channels, "old");
    assert_eq!(old.len(), 2, "{channels:?}");
    assert_eq!(old[0]["detail"]["change"], "removed");
    let retention = audit(&app, "action=retention.changed").await;
    assert_eq!(retention.len(), 2);
    assert_eq!(retention[0]["detail"]["settings"]["conversations_days"], 60);
    let log = app.get_json("/api/v1/audit?limit=200").await.to_string();
    assert!(
        !log.contains("desk-secret-value") && !log.contains("old-secret"),
        "no secret in the log"
    );
    app.stop().await;
}
