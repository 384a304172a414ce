//! OAuth2 on the email channel, against Dovecot's oauth2 passdb and an XOAUTH2 SMTP server,
//! both checking tokens with a local stand-in provider (`oauth_provider`): mail in over IMAP
//! and out over SMTP with access tokens, renewal before expiry, rotation of the refresh token,
//! a revoked token shown on the channel until a new one is stored, the CLI's device flow, and
//! the refresh token sealed in the database and absent from logs.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard::secrets::{SecretsConfig, Vault};

use crate::helpers::{TestApp, TestDb, app_backend, on_each_backend};
use crate::mail_peers::{Dovecot, MAILBOX_USER};
use crate::oauth_provider::{CLIENT_ID, OAuthProvider, OAuthSmtp};

const REFRESH_TOKEN: &str = connector_email::oauth::REFRESH_TOKEN;

/// A secrets key file (hex) in its own temp dir.
struct KeyFile {
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl KeyFile {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("secrets.key");
        std::fs::write(&path, "7f".repeat(32)).expect("key");
        Self { path, _dir: dir }
    }

    fn config(&self) -> SecretsConfig {
        SecretsConfig {
            key_file: Some(self.path.clone()),
            ..SecretsConfig::default()
        }
    }
}

struct Peers {
    provider: OAuthProvider,
    dovecot: Dovecot,
    smtp: OAuthSmtp,
    key: KeyFile,
    blobs: tempfile::TempDir,
}

impl Peers {
    async fn start(lifetime: Duration) -> Self {
        let provider = OAuthProvider::start(lifetime).await;
        let dovecot = Dovecot::start_oauth(&provider.url("/introspect")).await;
        let smtp = OAuthSmtp::start(provider.clone()).await;
        Self {
            provider,
            dovecot,
            smtp,
            key: KeyFile::new(),
            blobs: tempfile::tempdir().expect("dir"),
        }
    }

    fn config(&self, mechanism: &str) -> String {
        format!(
            "[secrets]\nkey_file = {:?}\n\n\
             [[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = {MAILBOX_USER:?}\n\
             display_name = \"ACME Support\"\ndomain = \"example.test\"\n\
             secret = \"mail-channel-secret-0123456789\"\n\
             imap_host = \"127.0.0.1\"\nimap_port = {}\nimap_tls = \"none\"\n\
             smtp_host = \"127.0.0.1\"\nsmtp_port = {}\nsmtp_tls = \"none\"\nblob_dir = {:?}\n\
             idle_secs = 60\nauth = \"oauth2\"\n\
             [channels.oauth2]\ntoken_url = {:?}\nclient_id = {CLIENT_ID:?}\n\
             scopes = \"https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access\"\n\
             mechanism = {mechanism:?}\ndevice_authorization_url = {:?}\n",
            self.key.path.display().to_string(),
            self.dovecot.port,
            self.smtp.port,
            self.blobs.path().display().to_string(),
            self.provider.url("/token"),
            self.provider.url("/devicecode"),
        )
    }

    /// A database whose secret store holds `refresh_token` for the channel, as
    /// `switchboard email authorize` leaves it.
    async fn database_with(&self, refresh_token: &str) -> TestDb {
        let db = TestDb::new(app_backend()).await;
        let vault = Vault::open(db.store().await, &self.key.config()).expect("vault");
        vault
            .put("mail", REFRESH_TOKEN, refresh_token)
            .await
            .expect("store the refresh token");
        db
    }
}

fn customer_mail(n: usize) -> String {
    format!(
        "From: Jana <jana{n}@customer.test>\nTo: ACME Support <{MAILBOX_USER}>\n\
         Subject: Order {n}\nDate: Tue, 24 Nov 2026 10:00:00 +0000\n\
         Message-ID: <order-{n}@customer.test>\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\n\nWhere is order {n}?\n"
    )
}

/// Waits until the mail `order-<n>` is stored; returns its conversation.
async fn wait_for_mail(app: &TestApp, n: usize) -> i64 {
    let external_id = format!("order-{n}@customer.test");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list = app.get_json("/api/v1/conversations?channel=mail").await;
        for conversation in list["items"].as_array().expect("items") {
            let id = conversation["id"].as_i64().expect("id");
            let messages = app
                .get_json(&format!("/api/v1/conversations/{id}/messages"))
                .await;
            if messages["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|m| m["external_id"] == external_id)
            {
                return id;
            }
        }
        assert!(Instant::now() < deadline, "{external_id} never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn reply(app: &TestApp, conversation: i64, text: &str) {
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/reply"),
            json!({"text": text}),
        )
        .await;
    assert_eq!(response.status(), 202);
    app.drain_outbox().await;
}

async fn mail_channel(app: &TestApp) -> Value {
    app.get_json("/api/v1/channels")
        .await
        .as_array()
        .expect("channels")
        .iter()
        .find(|channel| channel["name"] == "mail")
        .cloned()
        .expect("the mail channel")
}

fn refresh_grants(provider: &OAuthProvider) -> usize {
    provider
        .grants()
        .iter()
        .filter(|grant| *grant == "refresh_token")
        .count()
}

#[tokio::test]
async fn mail_comes_in_over_imap_and_goes_out_over_smtp_with_renewed_tokens() {
    // Tokens live 3 s, so the second reply needs a token the first did not have.
    let peers = Peers::start(Duration::from_secs(3)).await;
    let refresh = peers.provider.grant_refresh_token();
    let app = TestApp::spawn_on(
        peers.database_with(&refresh).await,
        &peers.config("xoauth2"),
    )
    .await;

    peers.dovecot.deliver(&customer_mail(1));
    let conversation = wait_for_mail(&app, 1).await;
    reply(&app, conversation, "It ships today.").await;
    let received = peers.smtp.wait_for(1).await;
    assert!(received[0].contains("It ships today."), "{}", received[0]);

    let first = peers
        .provider
        .accepted()
        .last()
        .cloned()
        .expect("a token was accepted");
    peers
        .provider
        .wait_until("the first access token has expired", |p| {
            p.has_expired(&first)
        })
        .await;
    reply(&app, conversation, "Tracking number follows.").await;
    let received = peers.smtp.wait_for(2).await;
    assert!(received[1].contains("Tracking number follows."));
    assert_eq!(
        peers.provider.refused(),
        0,
        "the token was renewed before it expired, never offered stale"
    );
    assert!(
        refresh_grants(&peers.provider) >= 2,
        "{:?}",
        peers.provider.grants()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_token_refused_before_its_expiry_is_renewed_once_and_the_send_repeated() {
    let peers = Peers::start(Duration::from_secs(600)).await;
    let refresh = peers.provider.grant_refresh_token();
    let app = TestApp::spawn_on(
        peers.database_with(&refresh).await,
        &peers.config("xoauth2"),
    )
    .await;
    peers.dovecot.deliver(&customer_mail(1));
    let conversation = wait_for_mail(&app, 1).await;
    reply(&app, conversation, "First answer.").await;
    peers.smtp.wait_for(1).await;
    let grants = refresh_grants(&peers.provider);

    // The provider drops the token the channel still holds as valid for ten minutes; the
    // SMTP server refuses it the way Gmail does (334 with a JSON error, then 535).
    peers.provider.revoke_access_tokens();
    reply(&app, conversation, "Second answer.").await;
    let received = peers.smtp.wait_for(2).await;
    assert!(received[1].contains("Second answer."));
    assert_eq!(peers.provider.refused(), 1, "refused once, then renewed");
    assert_eq!(refresh_grants(&peers.provider), grants + 1);
    app.stop().await;
}

#[tokio::test]
async fn oauthbearer_signs_in_to_imap() {
    let peers = Peers::start(Duration::from_secs(600)).await;
    let refresh = peers.provider.grant_refresh_token();
    let app = TestApp::spawn_on(
        peers.database_with(&refresh).await,
        &peers.config("oauthbearer"),
    )
    .await;
    peers.dovecot.deliver(&customer_mail(1));
    wait_for_mail(&app, 1).await;
    assert_eq!(peers.provider.refused(), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_rotated_refresh_token_replaces_the_stored_one() {
    let peers = Peers::start(Duration::from_secs(2)).await;
    peers.provider.rotate();
    let first = peers.provider.grant_refresh_token();
    let db = peers.database_with(&first).await;
    let store = db.store().await;
    let app = TestApp::spawn_on(db, &peers.config("xoauth2")).await;

    peers.dovecot.deliver(&customer_mail(1));
    let conversation = wait_for_mail(&app, 1).await;
    let vault = Vault::open(store, &peers.key.config()).expect("vault");
    let stored = vault
        .get("mail", REFRESH_TOKEN)
        .await
        .expect("read")
        .expect("stored");
    assert_ne!(stored, first, "the rotated token replaced the first");
    assert_eq!(peers.provider.live_refresh_tokens(), vec![stored]);

    // Later renewals use the stored, rotated token (the first one is dead).
    let used = peers.provider.accepted().last().cloned().expect("accepted");
    peers
        .provider
        .wait_until("the access token has expired", |p| p.has_expired(&used))
        .await;
    reply(&app, conversation, "Sent with a rotated token.").await;
    peers.smtp.wait_for(1).await;
    assert!(refresh_grants(&peers.provider) >= 2);
    app.stop().await;
}

#[tokio::test]
async fn a_revoked_refresh_token_shows_on_the_channel_until_a_new_one_is_stored() {
    let peers = Peers::start(Duration::from_secs(600)).await;
    let revoked = peers.provider.grant_refresh_token();
    peers.provider.revoke_all();
    let db = peers.database_with(&revoked).await;
    let store = db.store().await;
    let app = TestApp::spawn_on(db, &peers.config("xoauth2")).await;
    peers.dovecot.deliver(&customer_mail(1));

    // The listener fails, says why, and keeps trying with growing pauses.
    peers
        .provider
        .wait_until("the listener tried the revoked token twice", |p| {
            refresh_grants(p) >= 2
        })
        .await;
    // (The state reads "running" while an attempt is under way, so wait for the pause.)
    let deadline = Instant::now() + Duration::from_secs(30);
    let channel = loop {
        let channel = mail_channel(&app).await;
        if channel["state"] == "restarting" && channel["last_error"].is_string() {
            break channel;
        }
        assert!(Instant::now() < deadline, "no error shown: {channel}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let error = channel["last_error"].as_str().expect("an error is shown");
    assert!(error.contains("invalid_grant"), "{error}");
    assert!(error.contains("switchboard email authorize"), "{error}");
    assert!(!error.contains(&revoked), "the token is never shown");

    // An operator authorizes again (as the CLI does): the next retry signs in.
    let vault = Vault::open(store, &peers.key.config()).expect("vault");
    vault
        .put("mail", REFRESH_TOKEN, &peers.provider.grant_refresh_token())
        .await
        .expect("store");
    wait_for_mail(&app, 1).await;
    assert_eq!(mail_channel(&app).await["state"], "running");
    app.stop().await;
}

#[tokio::test]
async fn client_credentials_need_no_operator() {
    let peers = Peers::start(Duration::from_secs(600)).await;
    let config = peers.config("xoauth2").replace(
        "mechanism = ",
        "grant = \"client_credentials\"\nclient_secret = \"app-secret\"\nmechanism = ",
    );
    let app = TestApp::spawn_on(TestDb::new(app_backend()).await, &config).await;
    peers.dovecot.deliver(&customer_mail(1));
    let conversation = wait_for_mail(&app, 1).await;
    reply(&app, conversation, "App-only access works.").await;
    peers.smtp.wait_for(1).await;
    assert!(
        peers
            .provider
            .grants()
            .iter()
            .all(|g| g == "client_credentials")
    );
    app.stop().await;
}

/// `switchboard email authorize` with the config in `dir`; returns its output.
fn authorize(dir: &std::path::Path, config: &str) -> std::process::Output {
    std::fs::write(dir.join("switchboard.toml"), config).expect("config");
    std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["email", "authorize", "mail"])
        .current_dir(dir)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .env("RUST_LOG", "trace")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run switchboard")
}

#[tokio::test]
async fn the_device_flow_stores_the_refresh_token_sealed_and_never_logged() {
    let peers = Peers::start(Duration::from_secs(600)).await;
    // One `authorization_pending` before the user approves.
    peers.provider.script_device(1, false);
    let dir = tempfile::tempdir().expect("dir");
    let database = dir.path().join("sb.db");
    // No key file: on SQLite the key is made beside the database.
    let config = format!(
        "[database]\nurl = \"sqlite://{}\"\n\n{}",
        database.display(),
        peers
            .config("xoauth2")
            .split_once("\n\n")
            .expect("sections")
            .1
    );
    let dir_path = dir.path().to_owned();
    let config_text = config.clone();
    let output = tokio::task::spawn_blocking(move || authorize(&dir_path, &config_text))
        .await
        .expect("join");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("open https://microsoft.com/devicelogin and enter the code WDJB-MJHT"),
        "{stdout}"
    );
    assert!(peers.provider.device_polls() >= 2, "polled until approved");
    let live = peers.provider.live_refresh_tokens();
    assert_eq!(live.len(), 1);
    let token = &live[0];

    // Sealed: not in the database's files, nor in anything printed.
    for suffix in ["", "-wal"] {
        let mut path = database.clone().into_os_string();
        path.push(suffix);
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "the refresh token is readable in {path:?}"
            );
        }
    }
    assert!(!stdout.contains(token.as_str()) && !stderr.contains(token.as_str()));
    let key = dir.path().join("sb.db.key");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key)
        .expect("the key beside the database")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // …and it opens with that key: the channel can use it.
    let store = switchboard::store::Store::connect(&switchboard::store::ConnectOptions::new(
        format!("sqlite://{}", database.display()),
    ))
    .await
    .expect("open");
    let vault = Vault::open(store, &SecretsConfig::default()).expect("vault");
    assert_eq!(
        vault
            .get("mail", REFRESH_TOKEN)
            .await
            .expect("read")
            .as_ref(),
        Some(token)
    );

    // A user who declines gets a clear message and nothing changes.
    peers.provider.script_device(0, true);
    let dir_path = dir.path().to_owned();
    let output = tokio::task::spawn_blocking(move || authorize(&dir_path, &config))
        .await
        .expect("join");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("declined (access_denied)"), "{stderr}");
    assert_eq!(
        vault
            .get("mail", REFRESH_TOKEN)
            .await
            .expect("read")
            .as_ref(),
        Some(token)
    );
}

#[tokio::test]
async fn the_authorization_code_flow_checks_state_and_pkce() {
    use std::io::{BufRead, BufReader, Write};
    let peers = Peers::start(Duration::from_secs(600)).await;
    let dir = tempfile::tempdir().expect("dir");
    let config = format!(
        "[database]\nurl = \"sqlite://{}\"\n\n{}authorization_url = \"https://accounts.example/o/oauth2/v2/auth\"\n",
        dir.path().join("sb.db").display(),
        peers
            .config("xoauth2")
            .split_once("\n\n")
            .expect("sections")
            .1
    );
    std::fs::write(dir.path().join("switchboard.toml"), config).expect("config");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["email", "authorize", "mail", "--flow", "code"])
        .current_dir(dir.path())
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run switchboard");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let provider = peers.provider.clone();
    // The operator: opens the printed address (the provider signs the user in and sends the
    // browser back with a code), then pastes where the browser went.
    let output = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines.next().expect("the address is printed").expect("read");
            if line.starts_with("https://accounts.example/") {
                break reqwest::Url::parse(&line).expect("an address");
            }
        };
        let query = |key: &str| {
            address
                .query_pairs()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default()
        };
        assert_eq!(query("code_challenge_method"), "S256");
        assert_eq!(query("client_id"), CLIENT_ID);
        assert_eq!(query("redirect_uri"), "http://localhost");
        let code = provider.authorize_browser(&query("code_challenge"));
        let back = format!(
            "http://localhost/?code={}&state={}\n",
            code.replace('/', "%2F"),
            query("state")
        );
        stdin.write_all(back.as_bytes()).expect("paste");
        drop(stdin);
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        (child.wait_with_output().expect("wait"), rest)
    })
    .await
    .expect("join");
    let (finished, rest) = output;
    assert!(
        finished.status.success(),
        "{}",
        String::from_utf8_lossy(&finished.stderr)
    );
    assert!(rest.join("\n").contains("Authorized"), "{rest:?}");
    let store = switchboard::store::Store::connect(&switchboard::store::ConnectOptions::new(
        format!("sqlite://{}", dir.path().join("sb.db").display()),
    ))
    .await
    .expect("open");
    let vault = Vault::open(store, &SecretsConfig::default()).expect("vault");
    assert_eq!(
        vault.get("mail", REFRESH_TOKEN).await.expect("read"),
        peers.provider.live_refresh_tokens().pop()
    );
}

#[tokio::test]
async fn secrets_are_sealed_per_slot_and_need_a_key() {
    on_each_backend(|store| async move {
        let key = KeyFile::new();
        let vault = Vault::open(store.clone(), &key.config()).expect("vault");
        vault
            .put("mail", "token", "rt-very-secret")
            .await
            .expect("put");
        assert_eq!(
            vault.get("mail", "token").await.expect("get").as_deref(),
            Some("rt-very-secret")
        );
        vault
            .put("mail", "token", "rt-newer")
            .await
            .expect("replace");
        assert_eq!(
            vault.get("mail", "token").await.expect("get").as_deref(),
            Some("rt-newer")
        );
        assert_eq!(vault.get("mail", "other").await.expect("get"), None);

        let sealed = store
            .find_secret("mail", "token")
            .await
            .expect("row")
            .expect("stored");
        assert!(!sealed.sealed.windows(8).any(|w| w == b"rt-newer"));
        // A sealed value copied into another slot does not open there.
        store
            .put_secret("other", "token", &sealed)
            .await
            .expect("copy");
        let moved = vault.get("other", "token").await.unwrap_err().to_string();
        assert!(moved.contains("does not open"), "{moved}");
        // Another key opens nothing.
        let other_key = tempfile::NamedTempFile::new().expect("file");
        std::fs::write(other_key.path(), "01".repeat(32)).expect("key");
        let stranger = Vault::open(
            store.clone(),
            &SecretsConfig {
                key_file: Some(other_key.path().to_owned()),
                ..SecretsConfig::default()
            },
        )
        .expect("vault");
        assert!(stranger.get("mail", "token").await.is_err());

        // Without a configured key: PostgreSQL refuses to store, naming the setting.
        let keyless = Vault::open(store.clone(), &SecretsConfig::default()).expect("vault");
        if store.database_file().is_none() {
            let refused = keyless
                .put("mail", "token", "x")
                .await
                .unwrap_err()
                .to_string();
            assert!(refused.contains("[secrets] key_file"), "{refused}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_bad_key_file_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("short.key");
    std::fs::write(&key, "abcd").expect("key");
    let db = TestDb::new(switchboard::store::Backend::Sqlite).await;
    let err = Vault::open(
        db.store().await,
        &SecretsConfig {
            key_file: Some(key.clone()),
            ..SecretsConfig::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("secrets.key_file"), "{err}");
    assert!(err.contains("holds 2 bytes"), "{err}");
}

#[test]
fn oauth2_settings_are_checked_naming_the_key() {
    let base = "[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"support@example.test\"\n\
                display_name = \"S\"\ndomain = \"example.test\"\nsecret = \"0123456789abcdef0123\"\n\
                imap_host = \"imap.example.test\"\nsmtp_host = \"smtp.example.test\"\n";
    let check = |extra: &str| -> String {
        let text = format!("{base}{extra}");
        let config = switchboard::config::Config::from_parts(
            Some(("switchboard.toml".into(), &text)),
            Vec::new(),
            |_| None,
        )
        .expect("parses");
        match switchboard::app::build_connectors(&config.channels) {
            Ok(_) => "ok".into(),
            Err(err) => err.to_string(),
        }
    };
    let table =
        "[channels.oauth2]\ntoken_url = \"https://login.example/token\"\nclient_id = \"c\"\n";
    assert_eq!(check(&format!("auth = \"oauth2\"\n{table}")), "ok");
    let cases = [
        (
            "auth = \"oauth2\"\n".to_owned(),
            "oauth2: required with auth",
        ),
        (
            "auth = \"oauth2\"\n[channels.oauth2]\nclient_id = \"c\"\n".to_owned(),
            "oauth2: missing field `token_url`",
        ),
        (
            format!("auth = \"oauth2\"\nimap_password = \"pw\"\n{table}"),
            "imap_password: not used with auth = \"oauth2\"",
        ),
        (
            format!("auth = \"oauth2\"\n{table}grant = \"client_credentials\"\n"),
            "oauth2.client_secret: required with grant = \"client_credentials\"",
        ),
        (
            format!("imap_password = \"pw\"\n{table}"),
            "oauth2: only used with auth = \"oauth2\"",
        ),
        (
            "auth = \"kerberos\"\n".to_owned(),
            "auth: unknown variant `kerberos`",
        ),
    ];
    for (extra, expected) in cases {
        let error = check(&extra);
        assert!(
            error.starts_with("switchboard.toml: channels[0]") && error.contains(expected),
            "{extra:?}: {error}"
        );
    }
}
