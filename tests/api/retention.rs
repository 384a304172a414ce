//! Retention (`[retention]`): old resolved conversations deleted with everything hanging on
//! them (search entries, outbox rows, attachment files no other message shares), the rest
//! kept (recent, open, legal hold, longer channel and label periods); the event log, webhook
//! delivery logs and sessions pruned; the dry run (API and CLI) counting exactly what a pass
//! deletes and deleting nothing; a node that lost the lease committing nothing. Rows are
//! aged in the database instead of waiting days.

use serde_json::{Value, json};
use switchboard::domain::Millis;
use tokio_util::sync::CancellationToken;

use crate::helpers::{SECRET, TestApp, hook_body, signed_headers};

const DAY: i64 = 24 * 3600 * 1000;

/// Runs `statement` on the app's database; returns the rows it touched.
pub(crate) async fn sql(app: &TestApp, statement: &str) -> u64 {
    let url = app.database_url();
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.expect("connect");
        let done = sqlx::query(statement)
            .execute(&pool)
            .await
            .expect(statement);
        pool.close().await;
        done.rows_affected()
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.expect("connect");
        let done = sqlx::query(statement)
            .execute(&pool)
            .await
            .expect(statement);
        pool.close().await;
        done.rows_affected()
    }
}

/// The single number `query` answers.
pub(crate) async fn count(app: &TestApp, query: &str) -> i64 {
    let url = app.database_url();
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.expect("connect");
        let n: i64 = sqlx::query_scalar(query)
            .fetch_one(&pool)
            .await
            .expect(query);
        pool.close().await;
        n
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.expect("connect");
        let n: i64 = sqlx::query_scalar(query)
            .fetch_one(&pool)
            .await
            .expect(query);
        pool.close().await;
        n
    }
}

/// A customer message on webhook channel `channel`; returns its conversation.
async fn inbound(app: &TestApp, channel: &str, from: &str, text: &str) -> i64 {
    let body = hook_body(
        &format!("{from}-{}", crate::helpers::rand_suffix()),
        from,
        text,
    );
    let response = app
        .client
        .post(app.url(&format!("/hooks/{channel}")))
        .header("content-type", "application/json")
        .headers(signed_headers(SECRET.as_bytes(), body.as_bytes()))
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let receipt: Value = response.json().await.expect("json");
    receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("conversation id")
}

/// Resolves conversation `id` and ages its resolution by `days`.
async fn resolved_days_ago(app: &TestApp, id: i64, days: i64) {
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{id}/status"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let aged = sql(
        app,
        &format!(
            "UPDATE conversations SET resolved_at = resolved_at - {}, \
             created_at = created_at - {0}, last_activity_at = last_activity_at - {0} WHERE id = {id}",
            days * DAY
        ),
    )
    .await;
    assert_eq!(aged, 1);
}

async fn label(app: &TestApp, id: i64, label: &str) {
    let response = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/conversations/{id}"),
            &app.admin_token,
            json!({"labels": [label]}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

async fn exists(app: &TestApp, id: i64) -> bool {
    let response = app
        .get(&format!("/api/v1/conversations/{id}"), &app.admin_token)
        .await;
    match response.status().as_u16() {
        200 => true,
        404 => false,
        other => panic!("GET conversation {id}: {other}"),
    }
}

/// Conversation ids that full-text search finds for `word`.
async fn search(app: &TestApp, word: &str) -> Vec<i64> {
    let page = app
        .get_json(&format!("/api/v1/conversations?q={word}"))
        .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

const POLICY: &str = "[retention]\nconversations_days = 30\nkeep_labels = [\"legal-hold\"]\n\
    [retention.channels.desk]\nconversations_days = 365\n\
    [retention.labels.complaint]\nconversations_days = 100\n\n\
    [[channels]]\nname = \"desk\"\nkind = \"webhook\"\nsecret = \"s3cret\"\n";

#[tokio::test]
async fn old_resolved_conversations_go_and_the_rest_stay() {
    let app = TestApp::spawn_with(POLICY).await;
    let old = inbound(&app, "shop", "old", "zebracorn invoice 4711").await;
    let reply = app
        .post_json(
            &format!("/api/v1/conversations/{old}/reply"),
            json!({"text": "zebracorn answered"}),
        )
        .await;
    assert_eq!(reply.status(), 202, "{:?}", reply.text().await);
    resolved_days_ago(&app, old, 40).await;
    let recent = inbound(&app, "shop", "recent", "recent question").await;
    resolved_days_ago(&app, recent, 10).await;
    let open = inbound(&app, "shop", "open", "still open").await;
    sql(
        &app,
        &format!(
            "UPDATE conversations SET created_at = created_at - {} WHERE id = {open}",
            400 * DAY
        ),
    )
    .await;
    let held = inbound(&app, "shop", "held", "under legal hold").await;
    label(&app, held, "legal-hold").await;
    resolved_days_ago(&app, held, 400).await;
    let complaint = inbound(&app, "shop", "complaint", "a complaint").await;
    label(&app, complaint, "complaint").await;
    resolved_days_ago(&app, complaint, 40).await;
    let old_complaint = inbound(&app, "shop", "oldcomplaint", "an old complaint").await;
    label(&app, old_complaint, "complaint").await;
    resolved_days_ago(&app, old_complaint, 120).await;
    let desk = inbound(&app, "desk", "desk", "desk question").await;
    resolved_days_ago(&app, desk, 40).await;
    let old_desk = inbound(&app, "desk", "olddesk", "old desk question").await;
    resolved_days_ago(&app, old_desk, 400).await;
    let doomed = [old, old_complaint, old_desk];
    let kept = [recent, open, held, complaint, desk];
    let doomed_list = doomed.map(|id| id.to_string()).join(",");
    let messages = |channel: &str| {
        format!(
            "SELECT COUNT(*) FROM messages WHERE conversation_id IN ({doomed_list}) AND channel = '{channel}'"
        )
    };
    let shop_messages = count(&app, &messages("shop")).await;
    let desk_messages = count(&app, &messages("desk")).await;
    assert!(shop_messages >= 3, "the reply is a message too");
    assert_eq!(search(&app, "zebracorn").await, [old]);

    // The dry run: admin only, exact counts, nothing deleted.
    let agent = app.token("agent").await;
    let refused = app.get("/api/v1/retention/preview", &agent).await;
    assert_eq!(refused.status(), 403);
    let preview = app.get_json("/api/v1/retention/preview").await;
    assert_eq!(preview["conversations"], json!({"shop": 2, "desk": 1}));
    assert_eq!(
        preview["messages"],
        json!({"shop": shop_messages, "desk": desk_messages})
    );
    for id in doomed.iter().chain(&kept) {
        assert!(exists(&app, *id).await, "the dry run deleted {id}");
    }

    let counts = app
        .retention
        .run_once(Millis::now(), None, &CancellationToken::new())
        .await
        .expect("pass");
    assert_eq!(
        serde_json::to_value(&counts.conversations).expect("json"),
        preview["conversations"]
    );
    assert_eq!(
        serde_json::to_value(&counts.messages).expect("json"),
        preview["messages"]
    );
    for id in doomed {
        assert!(!exists(&app, id).await, "{id} should be deleted");
    }
    // The reporting record outlives the conversation, with the count of the customer's
    // messages the conversation kept.
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT CAST(messages_in AS BIGINT) FROM report_conversations WHERE conversation_id = {old}"
            )
        )
        .await,
        1
    );
    for id in kept {
        assert!(exists(&app, id).await, "{id} should be kept");
    }
    assert!(
        search(&app, "zebracorn").await.is_empty(),
        "search still finds deleted text"
    );
    assert_eq!(count(&app, &messages("shop")).await, 0);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM conversation_labels WHERE conversation_id IN ({doomed_list})"
            )
        )
        .await,
        0
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox").await,
        0,
        "the reply's outbox row"
    );
    let again = app
        .retention
        .run_once(Millis::now(), None, &CancellationToken::new())
        .await
        .expect("second pass");
    assert_eq!(again.total(), 0, "{again:?}");
    app.stop().await;
}

#[tokio::test]
async fn the_event_log_webhook_deliveries_and_sessions_are_pruned() {
    let app = TestApp::spawn_with(
        "[retention]\nevents_days = 30\nwebhook_deliveries_days = 7\n\
         [webhooks]\nallow_private_targets = true\n",
    )
    .await;
    inbound(&app, "shop", "first", "first message").await;
    // The log's readers (rule engine, campaign replies) have read up to here; later events
    // stay until they have read them. (They save their place every few seconds; set it.)
    readers_at_head(&app).await;
    let read: i64 = count(&app, "SELECT COUNT(*) FROM events").await;
    inbound(&app, "shop", "second", "second message").await;
    let all = count(&app, "SELECT COUNT(*) FROM events").await;
    assert!(read > 0 && all > read);

    let later = Millis::now().0 + 31 * DAY;
    let hook = app
        .post_json(
            "/api/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/never", "events": ["*"]}),
        )
        .await;
    assert_eq!(hook.status(), 201);
    let subscription = hook.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    for (id, state, age) in [
        (1, "delivered", 10),
        (2, "failed", 10),
        (3, "delivered", 1),
        (4, "pending", 10),
    ] {
        let at = later - age * DAY;
        sql(
            &app,
            &format!(
                "INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_kind, state, \
                 next_attempt_at, queued_at, created_at, updated_at) \
                 VALUES ({}, {subscription}, {id}, 'message.created', '{state}', {at}, {at}, {at}, {at})",
                1000 + id
            ),
        )
        .await;
    }
    sql(
        &app,
        "INSERT INTO webhook_attempts (delivery_id, status, duration_ms, attempted_at) VALUES (1001, 200, 5, 0)",
    )
    .await;
    for (token, expires) in [("gone", later - DAY), ("live", later + DAY)] {
        sql(
            &app,
            &format!(
                "INSERT INTO web_sessions (token_hash, csrf_token, agent_id, created_at, last_seen_at, expires_at) \
                 VALUES ('{token}', 'csrf', 1, 0, 0, {expires})"
            ),
        )
        .await;
    }

    let counts = app
        .retention
        .run_once(Millis(later), None, &CancellationToken::new())
        .await
        .expect("pass");
    assert_eq!(counts.events, u64::try_from(read).expect("count"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM events").await, all - read);
    assert_eq!(counts.webhook_deliveries, 2);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM webhook_deliveries WHERE id IN (1003, 1004)"
        )
        .await,
        2,
        "recent and pending deliveries stay"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM webhook_attempts").await,
        0
    );
    assert_eq!(counts.sessions, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM web_sessions WHERE token_hash = 'live'"
        )
        .await,
        1
    );
    // Once the readers have read the rest, it goes too.
    readers_at_head(&app).await;
    let rest = app
        .retention
        .run_once(Millis(later), None, &CancellationToken::new())
        .await
        .expect("pass");
    assert_eq!(rest.events, u64::try_from(all - read).expect("count"));
    app.stop().await;
}

/// Places every log reader's saved cursor at the newest event.
async fn readers_at_head(app: &TestApp) {
    let moved = sql(
        app,
        "UPDATE worker_cursors SET event_id = (SELECT MAX(id) FROM events)",
    )
    .await;
    assert!(moved > 0, "the rule engine places its cursor at start-up");
}

const MAIL_SECRET: &str = "mail-channel-secret-0123456789";

/// A customer's mail with one attachment holding `bytes`.
fn mail_with_attachment(from: &str, id: &str, bytes: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!(
        "From: {from}\r\nTo: support@example.test\r\nSubject: Files from {from}\r\n\
         Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n--b1\r\n\
         Content-Type: application/pdf; name=\"file.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"file.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b1--\r\n"
    )
}

/// Posts a mail to the hook; returns the conversation and the attachment's blob reference.
async fn post_mail(app: &TestApp, raw: String) -> (i64, String) {
    let response = app
        .client
        .post(app.url("/hooks/mail"))
        .header("content-type", "message/rfc822")
        .header("authorization", format!("Bearer {MAIL_SECRET}"))
        .body(raw)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let receipt: Value = response.json().await.expect("json");
    let conversation = receipt["messages"][0]["conversation_id"]
        .as_i64()
        .expect("conversation");
    let messages = app
        .get_json(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    let file_id = messages["items"][0]["attachments"][0]["file_id"]
        .as_str()
        .expect("a stored attachment")
        .to_owned();
    (conversation, file_id)
}

fn blob_path(dir: &std::path::Path, reference: &str) -> std::path::PathBuf {
    let hex = reference.strip_prefix("sha256:").expect("blob reference");
    dir.join(&hex[..2]).join(hex)
}

#[tokio::test]
async fn attachment_files_go_only_when_no_message_refers_to_them() {
    let blobs = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn_with(&format!(
        "[retention]\nconversations_days = 30\nattachments_days = 180\n\n\
         [[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"support@example.test\"\n\
         domain = \"example.test\"\nsecret = {MAIL_SECRET:?}\nblob_dir = {:?}\n",
        blobs.path().display().to_string()
    ))
    .await;
    let shared: &[u8] = b"%PDF-1.4 the same contract sent by two customers";
    let (first, shared_ref) = post_mail(
        &app,
        mail_with_attachment("a@customer.test", "a1@c", shared),
    )
    .await;
    let (second, same_ref) = post_mail(
        &app,
        mail_with_attachment("b@customer.test", "b1@c", shared),
    )
    .await;
    assert_eq!(shared_ref, same_ref, "content-addressed");
    let (only, only_ref) = post_mail(
        &app,
        mail_with_attachment("c@customer.test", "c1@c", b"%PDF-1.4 one of a kind"),
    )
    .await;
    let (aged, aged_ref) = post_mail(
        &app,
        mail_with_attachment("d@customer.test", "d1@c", b"%PDF-1.4 an old scan"),
    )
    .await;
    for reference in [&shared_ref, &only_ref, &aged_ref] {
        assert!(blob_path(blobs.path(), reference).exists());
    }
    resolved_days_ago(&app, first, 40).await;
    resolved_days_ago(&app, only, 40).await;
    // Still open, but its message is older than the attachment period.
    sql(
        &app,
        &format!(
            "UPDATE messages SET created_at = created_at - {} WHERE conversation_id = {aged}",
            200 * DAY
        ),
    )
    .await;

    let preview = app.get_json("/api/v1/retention/preview").await;
    assert_eq!(preview["conversations"], json!({"mail": 2}));
    assert_eq!(preview["expired_attachments"], json!({"mail": 1}));
    let counts = app
        .retention
        .run_once(Millis::now(), None, &CancellationToken::new())
        .await
        .expect("pass");
    assert!(!exists(&app, first).await && !exists(&app, only).await);
    assert!(
        blob_path(blobs.path(), &shared_ref).exists(),
        "the second customer's message still refers to the shared file"
    );
    assert!(
        !blob_path(blobs.path(), &only_ref).exists(),
        "an unshared file goes with its message"
    );
    assert!(
        !blob_path(blobs.path(), &aged_ref).exists(),
        "an expired attachment's file goes"
    );
    assert_eq!(counts.blob_files, 2);
    let messages = app
        .get_json(&format!("/api/v1/conversations/{aged}/messages"))
        .await;
    let attachment = &messages["items"][0]["attachments"][0];
    assert_eq!(attachment["expired"], true, "{attachment}");
    assert_eq!(attachment["name"], "file.pdf", "the metadata stays");
    assert!(attachment.get("file_id").is_none());
    assert!(exists(&app, second).await);
    app.stop().await;
}

#[tokio::test]
async fn a_node_that_lost_the_lease_deletes_nothing() {
    let app = TestApp::spawn_with("[retention]\nconversations_days = 30\n").await;
    let old = inbound(&app, "shop", "old", "old question").await;
    resolved_days_ago(&app, old, 40).await;
    let lost = app
        .store
        .acquire_lease(
            switchboard::retention::LEASE,
            "node-a",
            std::time::Duration::ZERO,
        )
        .await
        .expect("acquire")
        .expect("free");
    // node-a's lease lasts no time at all, but it ends only once the clock has moved past
    // the millisecond it was taken in: node-b asks until it is free (bounded).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    let taken = loop {
        if let Some(taken) = app
            .store
            .acquire_lease(
                switchboard::retention::LEASE,
                "node-b",
                std::time::Duration::from_secs(60),
            )
            .await
            .expect("acquire")
        {
            break taken;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node-a's lease never ran out"
        );
        tokio::task::yield_now().await;
    };
    let refused = app
        .retention
        .run_once(Millis::now(), Some(&lost), &CancellationToken::new())
        .await;
    assert!(refused.is_err(), "the fence must refuse node-a's batch");
    assert!(
        exists(&app, old).await,
        "nothing committed under a lost lease"
    );
    let counts = app
        .retention
        .run_once(Millis::now(), Some(&taken), &CancellationToken::new())
        .await
        .expect("the holder's pass");
    assert_eq!(counts.conversations.values().sum::<u64>(), 1);
    assert!(!exists(&app, old).await);
    app.stop().await;
}

#[tokio::test]
async fn the_command_line_dry_run_counts_and_the_pass_deletes() {
    let app = TestApp::spawn().await;
    let old = inbound(&app, "shop", "old", "old question").await;
    resolved_days_ago(&app, old, 40).await;
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("switchboard.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = {:?}\n\n[retention]\nconversations_days = 30\n",
            app.database_url()
        ),
    )
    .expect("write config");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .current_dir(dir.path())
            .env_remove("SWITCHBOARD_DATABASE_URL")
            .output()
            .expect("run switchboard")
    };
    let dry = run(&["retention", "--dry-run"]);
    let printed = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let line = printed
        .lines()
        .find(|line| line.starts_with("conversations"))
        .expect("a conversations line");
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>(),
        ["conversations", "shop", "1"],
        "{printed}"
    );
    assert!(printed.contains("would delete"), "{printed}");
    assert!(exists(&app, old).await, "the dry run deleted");
    let pass = run(&["retention"]);
    assert!(
        pass.status.success(),
        "{}",
        String::from_utf8_lossy(&pass.stderr)
    );
    assert!(!exists(&app, old).await);
    app.stop().await;
}

#[test]
fn the_retention_benchmark_runs_at_a_tiny_size() {
    let dir = tempfile::tempdir().expect("dir");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command
        .args([
            "bench",
            "retention",
            "--messages",
            "300",
            "--rate",
            "50",
            "--seconds",
            "1",
        ])
        .current_dir(dir.path())
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG");
    if let Some(server) = crate::helpers::postgres_server() {
        command.args(["--database-url", &server]);
    }
    let ran = command.output().expect("run switchboard bench retention");
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(stdout.contains("ingest while retention runs"), "{stdout}");
    assert!(
        stdout.contains("retention deleted 297 of 297 due rows"),
        "{stdout}"
    );
}
