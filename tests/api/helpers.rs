//! Test harness: fresh databases per test (SQLite always, PostgreSQL when `TEST_DATABASE_URL`
//! is set), an in-process service on a random loopback port, a fake channel and a real
//! callback receiver for the webhook channel.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use connector_sdk::testing::FakeConnector;
use connector_sdk::{ChannelKind, Connector};
use serde_json::Value;
use switchboard::app::{App, Workers};
use switchboard::automation::Automation;
use switchboard::config::Config;
use switchboard::dispatch::Dispatcher;
use switchboard::event_webhooks::EventWebhooks;
use switchboard::router::Router;
use switchboard::store::{Backend, ConnectOptions, Store, scratch};
use tokio::sync::{Notify, oneshot};

pub const SECRET: &str = "s3cret";

/// The PostgreSQL server to test against, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// The backends store tests run on.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if postgres_server().is_some() {
        backends.push(Backend::Postgres);
    }
    backends
}

/// The backend app tests run on: PostgreSQL when configured, else SQLite.
pub fn app_backend() -> Backend {
    if postgres_server().is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let server = postgres_server().expect("TEST_DATABASE_URL");
                let (url, name) = scratch::create_postgres_database(&server, "sb_test")
                    .await
                    .expect("create test database");
                Self {
                    url,
                    _dir: None,
                    postgres: Some((server, name)),
                }
            }
        }
    }

    /// Another handle on this database, for a second node in the same test; the database
    /// stays the first handle's to drop.
    pub fn another_handle(&self) -> Self {
        Self {
            url: self.url.clone(),
            _dir: None,
            postgres: None,
        }
    }

    pub async fn store(&self) -> Store {
        Store::connect(&ConnectOptions::new(self.url.clone()))
            .await
            .expect("connect")
    }

    /// Drops a PostgreSQL test database (SQLite files go with the temp dir).
    pub async fn cleanup(mut self) {
        if let Some((server, name)) = self.postgres.take() {
            scratch::drop_postgres_database(&server, &name)
                .await
                .expect("drop test database");
        }
    }
}

/// A test that ends without [`TestDb::cleanup`] (it returned early, or panicked) still drops
/// its PostgreSQL database, so that runs do not pile them up on the server. `Drop` cannot
/// await, and the test's runtime may be the one it runs on, so a thread of its own with a
/// runtime of its own does it; `WITH (FORCE)` ends connections a pool still holds.
impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| err.to_string())?;
            runtime
                .block_on(scratch::drop_postgres_database(&server, &name))
                .map_err(|err| format!("{name}: {err}"))
        })
        .join();
        if let Ok(Err(err)) = dropped {
            eprintln!("could not drop test database {err}");
        }
    }
}

/// Runs `test` once per backend, each on a fresh store.
pub async fn on_each_backend<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        test(store.clone()).await;
        store.close().await;
        db.cleanup().await;
    }
}

/// What the webhook channel's `callback_url` received.
#[derive(Clone, Default)]
pub struct Callback {
    pub received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    /// Statuses to answer with, first first; 200 when empty.
    pub answers: Arc<Mutex<Vec<StatusCode>>>,
    pub arrived: Arc<Notify>,
}

impl Callback {
    async fn spawn() -> (Self, String) {
        async fn receive(
            axum::extract::State(callback): axum::extract::State<Callback>,
            headers: HeaderMap,
            body: Bytes,
        ) -> (StatusCode, &'static str) {
            callback
                .received
                .lock()
                .expect("lock")
                .push((headers, body));
            callback.arrived.notify_waiters();
            let mut answers = callback.answers.lock().expect("lock");
            if answers.is_empty() {
                (StatusCode::OK, r#"{"id":"remote-id"}"#)
            } else {
                (answers.remove(0), "try later")
            }
        }
        let callback = Callback::default();
        let router = axum::Router::new()
            .route("/cb", axum::routing::post(receive))
            .with_state(callback.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/cb", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        (callback, url)
    }
}

/// The service, in process, on a random port.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub admin_token: String,
    pub store: Store,
    pub dispatcher: Dispatcher,
    /// The event webhook worker; tests drive it with `run_once`.
    pub event_webhooks: EventWebhooks,
    /// The assignment worker; tests drive it with `run_once`.
    pub router: Router,
    /// The rule engine; tests drive it with `run_once` and `fire_timers`.
    pub automation: Automation,
    /// The campaign worker; tests drive it with `run_once`.
    pub campaigns: switchboard::campaigns::CampaignRunner,
    /// The retention job; tests drive it with `run_once` at an injected "now".
    pub retention: switchboard::retention::Retention,
    pub fake: FakeConnector,
    pub callback: Callback,
    /// Committed events, as the event stream sees them.
    pub events:
        tokio::sync::Mutex<tokio::sync::broadcast::Receiver<Arc<switchboard::domain::Event>>>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    db: Option<TestDb>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with("").await
    }

    /// Spawns with extra TOML appended to the test config.
    pub async fn spawn_with(extra_config: &str) -> Self {
        Self::spawn_on(TestDb::new(app_backend()).await, extra_config).await
    }

    /// Spawns on an existing database (a restart).
    pub async fn spawn_on(db: TestDb, extra_config: &str) -> Self {
        Self::spawn_on_with(db, "", extra_config).await
    }

    /// Spawns on an existing database with extra `[database]` keys besides its URL.
    pub async fn spawn_on_with(db: TestDb, database_keys: &str, extra_config: &str) -> Self {
        let none = Workers {
            dispatcher: false,
            event_webhooks: false,
            router: false,
            automation: false,
            campaigns: false,
            retention: false,
        };
        Self::spawn_full(db, database_keys, extra_config, none).await
    }

    /// Spawns with `workers` running in the background, as in production (the others are
    /// driven by the test with `run_once`).
    pub async fn spawn_running(db: TestDb, extra_config: &str, workers: Workers) -> Self {
        Self::spawn_full(db, "", extra_config, workers).await
    }

    /// Spawns on an existing database, serving on `listener` (a restart on the same address,
    /// for peers that keep the service's URL in their own configuration).
    pub async fn spawn_on_listener(
        db: TestDb,
        extra_config: &str,
        listener: tokio::net::TcpListener,
    ) -> Self {
        let none = Workers {
            dispatcher: false,
            event_webhooks: false,
            router: false,
            automation: false,
            campaigns: false,
            retention: false,
        };
        Self::spawn_full_on(db, "", extra_config, none, Some(listener)).await
    }

    async fn spawn_full(
        db: TestDb,
        database_keys: &str,
        extra_config: &str,
        workers: Workers,
    ) -> Self {
        Self::spawn_full_on(db, database_keys, extra_config, workers, None).await
    }

    async fn spawn_full_on(
        db: TestDb,
        database_keys: &str,
        extra_config: &str,
        workers: Workers,
        listener: Option<tokio::net::TcpListener>,
    ) -> Self {
        let (callback, callback_url) = Callback::spawn().await;
        let text = format!(
            "[database]\nurl = {:?}\n{database_keys}\n\n[dispatch]\nbackoff_base_ms = 0\nmax_attempts = 3\n{extra_config}\n\n\
             [[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = {SECRET:?}\ncallback_url = {callback_url:?}\n",
            db.url
        );
        let config = Config::from_parts(Some(("test config".into(), &text)), Vec::new(), |_| None)
            .expect("test config");
        let fake = FakeConnector::new("fake", ChannelKind::Telegram);
        let app = App::build(config, vec![Arc::new(fake.clone()) as Arc<dyn Connector>])
            .await
            .expect("build app");
        let admin = match switchboard::app::bootstrap_admin(&app.state.store)
            .await
            .expect("bootstrap")
        {
            Some(admin) => admin.token,
            None => {
                // A restart: make a new admin token on the existing database.
                let token = switchboard::tokens::generate();
                app.state
                    .store
                    .create_token(&switchboard::store::NewToken {
                        name: "restart".into(),
                        role: switchboard::domain::Role::Admin,
                        agent: Some(switchboard::domain::AgentId::new(1)),
                        hash: switchboard::tokens::hash(&token),
                    })
                    .await
                    .expect("token");
                token
            }
        };
        let events = app.state.events.subscribe();
        let store = app.state.store.clone();
        let dispatcher = app.dispatcher.clone();
        let event_webhooks = app.event_webhooks.clone();
        let router = app.router.clone();
        let automation = app.automation.clone();
        let campaigns = app.campaigns.clone();
        let retention = app.retention.clone();
        let listener = match listener {
            Some(listener) => listener,
            None => tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind"),
        };
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.serve(
            listener,
            async {
                let _ = stopped.await;
            },
            workers,
        ));
        Self {
            base,
            client: reqwest::Client::new(),
            admin_token: admin,
            events: tokio::sync::Mutex::new(events),
            store,
            dispatcher,
            event_webhooks,
            router,
            automation,
            campaigns,
            retention,
            fake,
            callback,
            stop: Some(stop),
            server: Some(server),
            db: Some(db),
        }
    }

    /// Waits (bounded) for the next committed event of `kind` and returns it.
    pub async fn wait_for_event(&self, kind: &str) -> switchboard::domain::Event {
        let mut events = self.events.lock().await;
        let found = tokio::time::timeout(std::time::Duration::from_secs(15), async {
            loop {
                match events.recv().await {
                    Ok(event) if event.kind.as_str() == kind => return event,
                    Ok(_) => {}
                    Err(err) => panic!("event stream broke: {err}"),
                }
            }
        })
        .await;
        match found {
            Ok(event) => switchboard::domain::Event::clone(&event),
            Err(_) => panic!("no {kind} event within 15 s"),
        }
    }

    /// Shuts the service down gracefully and keeps the database for a restart.
    pub async fn stop_keeping_db(mut self) -> TestDb {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("clean shutdown");
        }
        self.db.take().expect("database")
    }

    /// Shuts the service down gracefully and drops the database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("clean shutdown");
        }
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }

    /// The database's URL (for tests that must reach under the API, e.g. to age rows).
    pub fn database_url(&self) -> &str {
        self.db.as_ref().map_or("", |db| db.url.as_str())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a signed webhook body to `/hooks/shop`.
    pub async fn post_hook(&self, body: &str) -> reqwest::Response {
        self.client
            .post(self.url("/hooks/shop"))
            .header("content-type", "application/json")
            .headers(crate::helpers::signed_headers(
                SECRET.as_bytes(),
                body.as_bytes(),
            ))
            .body(body.to_owned())
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path, &self.admin_token).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("json")
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: Value) -> reqwest::Response {
        self.send(reqwest::Method::POST, path, &self.admin_token, body)
            .await
    }

    /// Creates a token with `role` (acting as a new agent for agent roles) and returns it.
    pub async fn token(&self, role: &str) -> String {
        let agent = self
            .post_json(
                "/api/v1/agents",
                serde_json::json!({"name": role, "email": format!("{role}-{}@example.com", rand_suffix()), "role": role}),
            )
            .await;
        assert_eq!(agent.status(), 201);
        let agent: Value = agent.json().await.expect("json");
        let created = self
            .post_json(
                "/api/v1/tokens",
                serde_json::json!({"name": role, "role": role, "agent_id": agent["id"]}),
            )
            .await;
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.expect("json");
        created["token"].as_str().expect("token").to_owned()
    }

    /// Runs the dispatcher until nothing is due.
    pub async fn drain_outbox(&self) {
        loop {
            let outcome = self.dispatcher.run_once().await.expect("dispatch");
            if outcome.claimed == 0 {
                break;
            }
        }
    }
}

/// `X-Switchboard-Timestamp` and `X-Switchboard-Signature` of `body` signed now with `secret`,
/// as a webhook channel's sender signs a request.
pub fn signed_headers(secret: &[u8], body: impl AsRef<[u8]>) -> reqwest::header::HeaderMap {
    use connector_sdk::signing::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
    let timestamp = chrono::Utc::now().timestamp();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        TIMESTAMP_HEADER,
        timestamp.to_string().parse().expect("digits"),
    );
    headers.insert(
        SIGNATURE_HEADER,
        sign(secret, timestamp, body.as_ref())
            .parse()
            .expect("ascii"),
    );
    headers
}

pub fn rand_suffix() -> String {
    format!("{:08x}", rand::random::<u32>())
}

/// A webhook body from sender `from` with message id `id`.
pub fn hook_body(id: &str, from: &str, text: &str) -> String {
    serde_json::json!({"id": id, "from": {"id": from, "name": format!("Customer {from}")}, "text": text}).to_string()
}

/// `switchboard serve` run as an operator would: the real binary on a random port.
pub struct ServedBinary {
    pub child: std::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// What it printed before listening (a first run's sign-in and API token).
    pub printed: Vec<String>,
}

impl ServedBinary {
    /// Starts the binary in `dir` on `database_url` and waits until it listens; its output is
    /// drained afterwards so it never blocks on a full pipe.
    pub fn start(dir: &std::path::Path, database_url: &str) -> Self {
        Self::start_with_stderr(dir, database_url, std::process::Stdio::inherit())
    }

    /// [`ServedBinary::start`] with the binary's log (stderr) sent to `stderr`.
    pub fn start_with_stderr(
        dir: &std::path::Path,
        database_url: &str,
        stderr: std::process::Stdio,
    ) -> Self {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(dir)
            .env("SWITCHBOARD_DATABASE_URL", database_url)
            .env("SWITCHBOARD_LOG_LEVEL", "warn")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start switchboard");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut printed = Vec::new();
        let base = loop {
            let line = lines
                .next()
                .expect("switchboard exited before listening")
                .expect("read");
            if let Some(address) = line.strip_prefix("listening on ") {
                break address.trim().to_owned();
            }
            printed.push(line);
        };
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            base,
            printed,
        }
    }

    /// The API token a first run prints (`None` when the database already had agents).
    pub fn token(&self) -> Option<String> {
        self.printed
            .iter()
            .map(|line| line.trim())
            .find(|line| line.starts_with("sb_"))
            .map(str::to_owned)
    }

    /// The rest of the first printed line that starts with `prefix`, trimmed.
    pub fn printed_value(&self, prefix: &str) -> Option<String> {
        self.printed
            .iter()
            .find_map(|line| line.trim().strip_prefix(prefix))
            .map(|rest| rest.trim().to_owned())
    }
}
