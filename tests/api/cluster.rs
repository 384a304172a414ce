//! Several real `switchboard serve` processes on one PostgreSQL database, as an operator runs
//! them behind a load balancer. Skipped without `TEST_DATABASE_URL` (SQLite is one node).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use switchboard::store::Backend;

use crate::helpers::{SECRET, ServedBinary, TestDb, hook_body, postgres_server, signed_headers};

/// A webhook channel named `shop`, shared by every test cluster.
pub const SHOP: &str = "[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = \"s3cret\"\n";

/// Clusters of real nodes run one at a time: three processes each on a 2-core machine, and
/// what they measure (fail-over times, a campaign's pace) must not depend on how many other
/// clusters the suite happens to run at once.
static ONE_AT_A_TIME: std::sync::LazyLock<std::sync::Arc<tokio::sync::Mutex<()>>> =
    std::sync::LazyLock::new(std::sync::Arc::default);

/// Nodes sharing one scratch database; every process is killed when it is dropped.
pub struct Cluster {
    /// This cluster's turn: see [`ONE_AT_A_TIME`].
    _turn: tokio::sync::OwnedMutexGuard<()>,
    pub db: TestDb,
    pub dir: tempfile::TempDir,
    nodes: Vec<Option<ServedBinary>>,
    /// The admin token the first node printed.
    pub token: String,
    pub client: reqwest::Client,
}

impl Cluster {
    /// Starts `count` nodes with the same `config`, one after the other; `None` without a
    /// PostgreSQL server.
    pub async fn start(config: &str, count: usize) -> Option<Self> {
        let cluster = Self::start_each(count, |_| config.to_owned()).await?;
        // Where `add_node` starts more nodes with the same configuration.
        std::fs::write(cluster.dir.path().join("switchboard.toml"), config).expect("config");
        Some(cluster)
    }

    /// Starts `count` nodes, node `i` with a configuration of its own, `config(i)` (each in
    /// a directory of its own); `None` without a PostgreSQL server.
    pub async fn start_each(count: usize, config: impl Fn(usize) -> String) -> Option<Self> {
        postgres_server()?;
        let turn = ONE_AT_A_TIME.clone().lock_owned().await;
        let db = TestDb::new(Backend::Postgres).await;
        let dir = tempfile::tempdir().expect("dir");
        let first = ServedBinary::start(&node_dir(dir.path(), 0, &config(0)), &db.url);
        let token = first
            .token()
            .expect("the first node prints the admin token");
        let mut cluster = Self {
            _turn: turn,
            db,
            dir,
            nodes: vec![Some(first)],
            token,
            client: reqwest::Client::new(),
        };
        for index in 1..count {
            cluster.add_node_with(&config(index));
        }
        Some(cluster)
    }

    /// Starts one more node; returns its index.
    pub fn add_node(&mut self) -> usize {
        let node = ServedBinary::start(self.dir.path(), &self.db.url);
        self.nodes.push(Some(node));
        self.nodes.len() - 1
    }

    /// Starts one more node with a configuration of its own; returns its index.
    pub fn add_node_with(&mut self, config: &str) -> usize {
        let index = self.nodes.len();
        let node = ServedBinary::start(&node_dir(self.dir.path(), index, config), &self.db.url);
        self.nodes.push(Some(node));
        index
    }

    /// A connection pool on the shared database, for assertions on what the nodes wrote.
    pub async fn database(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.db.url).await.expect("connect")
    }

    /// `http://127.0.0.1:<port>` of node `index`.
    pub fn base(&self, index: usize) -> &str {
        &self.nodes[index].as_ref().expect("node is running").base
    }

    /// The index of the running node listening at `address` (`127.0.0.1:<port>`).
    pub fn index_of(&self, address: &str) -> Option<usize> {
        self.nodes.iter().position(|node| {
            node.as_ref()
                .is_some_and(|node| node.base.trim_start_matches("http://") == address)
        })
    }

    /// Kills node `index` with SIGKILL, as a crash or a pulled plug would.
    pub fn kill(&mut self, index: usize) {
        if let Some(mut node) = self.nodes[index].take() {
            node.child.kill().expect("kill -9");
            node.child.wait().expect("reap");
        }
    }

    /// Stops node `index` cleanly (SIGTERM), as an operator's restart would, and waits until
    /// it exited; panics unless it exited successfully.
    pub fn stop(&mut self, index: usize) {
        if let Some(mut node) = self.nodes[index].take() {
            let pid = node.child.id().to_string();
            std::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("kill -TERM");
            let status = node.child.wait().expect("stopped");
            assert!(status.success(), "node {index} stopped with {status}");
        }
    }

    /// The indices of the nodes running now.
    pub fn running(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|index| self.nodes[*index].is_some())
            .collect()
    }

    /// `GET path` on node `index` as admin.
    pub async fn get(&self, index: usize, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path}", self.base(index)))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.expect("json")
    }

    /// Posts a signed message to the `shop` hook of node `index`; true when acknowledged.
    pub async fn post_hook(&self, index: usize, id: &str, from: &str, text: &str) -> bool {
        let body = hook_body(id, from, text);
        self.client
            .post(format!("{}/hooks/shop", self.base(index)))
            .headers(signed_headers(SECRET.as_bytes(), body.as_bytes()))
            .body(body)
            .send()
            .await
            .is_ok_and(|response| response.status().is_success())
    }

    /// The cluster as node `index` reports it.
    pub async fn view(&self, index: usize) -> Value {
        self.get(index, "/api/v1/cluster").await
    }

    /// Waits until some node holds `lease` (per node `index`'s view) and returns the holder's
    /// node index; panics after `limit`.
    pub async fn holder_of(&self, index: usize, lease: &str, limit: Duration) -> usize {
        let start = Instant::now();
        loop {
            let view = self.view(index).await;
            let holder = view["leases"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|held| held["name"] == lease)
                .map(|held| held["holder"].as_str().unwrap_or_default().to_owned());
            if let Some(holder) = holder {
                let address = view["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|node| node["id"] == holder.as_str())
                    .and_then(|node| node["address"].as_str())
                    .map(str::to_owned);
                if let Some(found) = address.and_then(|address| self.index_of(&address)) {
                    return found;
                }
            }
            assert!(
                start.elapsed() < limit,
                "nobody among the running nodes took {lease} within {limit:?}: {view}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in self.nodes.iter_mut().filter_map(Option::take) {
            let mut child = node.child;
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A directory of its own for node `index`, holding `config` as its `switchboard.toml`.
fn node_dir(root: &std::path::Path, index: usize, config: &str) -> std::path::PathBuf {
    let dir = root.join(format!("node-{index}"));
    std::fs::create_dir_all(&dir).expect("node dir");
    std::fs::write(dir.join("switchboard.toml"), config).expect("config");
    dir
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub id: Option<i64>,
    pub event: String,
    pub data: Value,
}

/// An open `GET /api/v1/events` stream.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Opens the stream on `base`, resuming after `last_event_id` when given.
    pub async fn open(
        client: &reqwest::Client,
        base: &str,
        token: &str,
        last_event_id: Option<i64>,
    ) -> Self {
        let mut request = client
            .get(format!("{base}/api/v1/events"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.expect("stream");
        assert_eq!(response.status(), 200);
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next logged event (presence and comments skipped), or `None` after `limit`.
    pub async fn next_logged(&mut self, limit: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse_block(&block)
                    && event.id.is_some()
                {
                    return Some(event);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("stream")?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

impl EventStream {
    /// The data of the next `presence` event, or `None` when none came within `limit`.
    pub async fn next_presence(&mut self, limit: Duration) -> Option<Value> {
        self.next_named("presence", limit).await
    }

    /// The data of the next event named `name`, or `None` when none came within `limit`.
    pub async fn next_named(&mut self, name: &str, limit: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse_block(&block)
                    && event.event == name
                {
                    return Some(event.data);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("stream")
                .expect("stream open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

fn parse_block(block: &str) -> Option<SseEvent> {
    let mut id = None;
    let mut event = String::new();
    let mut data = String::new();
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("id:") {
            id = value.trim().parse().ok();
        } else if let Some(value) = line.strip_prefix("event:") {
            event = value.trim().to_owned();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim_start());
        }
    }
    if event.is_empty() {
        return None;
    }
    Some(SseEvent {
        id,
        event,
        data: serde_json::from_str(&data).unwrap_or(Value::Null),
    })
}

/// The ids and kinds of every logged event, straight from the database.
async fn logged_events(db: &TestDb) -> BTreeMap<i64, String> {
    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, kind FROM events ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("events");
    pool.close().await;
    rows.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_streams_what_any_node_wrote_and_resumes_anywhere() {
    let Some(cluster) = Cluster::start(SHOP, 3).await else {
        eprintln!("skipped: several nodes need PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    let mut on_c = EventStream::open(&cluster.client, cluster.base(2), &cluster.token, None).await;
    let posted = Instant::now();
    assert!(
        cluster
            .post_hook(0, "m-1", "ann", "hello from node A")
            .await
    );
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|event: &SseEvent| event.event == "message.created")
    {
        let event = on_c
            .next_logged(Duration::from_secs(10))
            .await
            .expect("node C streams the message node A stored");
        seen.push(event);
    }
    eprintln!(
        "node C saw node A's message after {} ms",
        posted.elapsed().as_millis()
    );
    let last_seen = seen.last().and_then(|event| event.id).expect("an id");
    drop(on_c);

    // While the client is away, customers write to every node.
    for (index, id) in ["m-2", "m-3", "m-4", "m-5", "m-6", "m-7"]
        .iter()
        .enumerate()
    {
        assert!(
            cluster
                .post_hook(index % 3, id, &format!("c{index}"), "more")
                .await
        );
    }
    let logged = logged_events(&cluster.db).await;
    let missed: Vec<i64> = logged.range(last_seen + 1..).map(|(id, _)| *id).collect();
    assert!(
        missed.len() >= 6,
        "six messages and their conversations were logged"
    );

    // The client reconnects through the load balancer to node B.
    let mut on_b = EventStream::open(
        &cluster.client,
        cluster.base(1),
        &cluster.token,
        Some(last_seen),
    )
    .await;
    let mut resumed = Vec::new();
    while resumed.len() < missed.len() {
        let event = on_b
            .next_logged(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("node B stopped after {resumed:?}; wanted {missed:?}"));
        resumed.push(event.id.expect("id"));
    }
    assert_eq!(
        resumed, missed,
        "every event after Last-Event-ID, in log order, once"
    );

    // Live again, in log order, whoever writes.
    assert!(cluster.post_hook(2, "m-8", "ann", "and live").await);
    assert!(cluster.post_hook(0, "m-9", "bob", "and live too").await);
    let mut live = Vec::new();
    while live
        .iter()
        .filter(|e: &&SseEvent| e.event == "message.created")
        .count()
        < 2
    {
        live.push(
            on_b.next_logged(Duration::from_secs(10))
                .await
                .expect("live event"),
        );
    }
    let ids: Vec<i64> = live.iter().filter_map(|event| event.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "live events come in log order, once each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_lists_its_nodes_and_who_holds_what() {
    let Some(mut cluster) = Cluster::start(SHOP, 2).await else {
        eprintln!("skipped: several nodes need PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    let holder = cluster
        .holder_of(0, "automation", Duration::from_secs(15))
        .await;
    let view = cluster.view(1).await;
    let nodes = view["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 2, "{view}");
    assert!(nodes.iter().all(|node| node["alive"] == true), "{view}");
    assert_eq!(
        nodes
            .iter()
            .filter(|node| node["this_node"] == true)
            .count(),
        1
    );
    let leases: Vec<&str> = view["leases"]
        .as_array()
        .expect("leases")
        .iter()
        .filter_map(|lease| lease["name"].as_str())
        .collect();
    assert!(
        leases.contains(&"automation") && leases.contains(&"router"),
        "{view}"
    );
    // Agents may not look.
    let agent_token = {
        let response = cluster
            .client
            .post(format!("{}/api/v1/tokens", cluster.base(0)))
            .bearer_auth(&cluster.token)
            .json(&serde_json::json!({"name": "viewer", "role": "marketer"}))
            .send()
            .await
            .expect("token");
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    };
    let refused = cluster
        .client
        .get(format!("{}/api/v1/cluster", cluster.base(1)))
        .bearer_auth(agent_token)
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 403);

    // A node that stops cleanly hands its leases over at once and leaves the list.
    let other = 1 - holder;
    let mut node = cluster.nodes[holder].take().expect("running");
    let pid = i32::try_from(node.child.id()).expect("pid");
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill -TERM");
    node.child.wait().expect("stopped");
    let taken = cluster
        .holder_of(other, "automation", Duration::from_secs(10))
        .await;
    assert_eq!(taken, other);
    let view = cluster.view(other).await;
    assert_eq!(view["nodes"].as_array().map(Vec::len), Some(1), "{view}");
    cluster.kill(other);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_availability_change_on_one_node_reaches_the_live_boards_on_the_others() {
    let Some(cluster) = Cluster::start(SHOP, 2).await else {
        eprintln!("skipped: several nodes need PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    let agents = cluster.get(0, "/api/v1/agents").await;
    let admin = agents[0]["id"].as_i64().expect("the admin");
    let mut on_b = EventStream::open(&cluster.client, cluster.base(1), &cluster.token, None).await;
    // Changed on node A, again and again until node B streams it: a change is not stored as
    // an event, so one sent while node B was still subscribing to the relay is not replayed.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut toggle = ["busy", "online"].into_iter().cycle();
    let (sent, streamed) = loop {
        let availability = toggle.next().expect("cycle");
        let response = cluster
            .client
            .patch(format!("{}/api/v1/agents/{admin}", cluster.base(0)))
            .bearer_auth(&cluster.token)
            .json(&serde_json::json!({"availability": availability}))
            .send()
            .await
            .expect("patch");
        assert_eq!(response.status(), 200);
        if let Some(streamed) = on_b
            .next_named("availability", Duration::from_secs(1))
            .await
        {
            break (availability, streamed);
        }
        assert!(
            Instant::now() < deadline,
            "no availability event on node B within 10 s"
        );
    };
    assert_eq!(streamed["agent_id"], admin, "{streamed}");
    assert_eq!(streamed["availability"], sent, "{streamed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_is_viewing_is_the_same_on_every_node() {
    let Some(cluster) = Cluster::start(SHOP, 2).await else {
        eprintln!("skipped: several nodes need PostgreSQL (TEST_DATABASE_URL)");
        return;
    };
    assert!(cluster.post_hook(0, "p-1", "ann", "anyone there?").await);
    let list = cluster.get(1, "/api/v1/conversations").await;
    let id = list["items"][0]["id"].as_i64().expect("a conversation");
    let presence = format!("/api/v1/conversations/{id}/presence");
    let mut on_b = EventStream::open(&cluster.client, cluster.base(1), &cluster.token, None).await;
    // The admin (an agent too) types on node A, saying so again while typing as the inbox
    // does (every few seconds): presence is never stored, so a signal sent while node B was
    // still subscribing to the relay is not replayed.
    let deadline = Instant::now() + Duration::from_secs(10);
    let streamed = loop {
        let response = cluster
            .client
            .post(format!("{}{presence}", cluster.base(0)))
            .bearer_auth(&cluster.token)
            .json(&serde_json::json!({"state": "typing"}))
            .send()
            .await
            .expect("presence");
        assert_eq!(response.status(), 200);
        // Node B streams it and answers the same.
        if let Some(streamed) = on_b.next_presence(Duration::from_secs(1)).await {
            break streamed;
        }
        assert!(
            Instant::now() < deadline,
            "no presence event on node B within 10 s"
        );
    };
    assert_eq!(streamed["conversation_id"], id, "{streamed}");
    assert_eq!(streamed["viewers"][0]["typing"], true, "{streamed}");
    let start = Instant::now();
    loop {
        let seen = cluster.get(1, &presence).await;
        if seen["viewers"]
            .as_array()
            .is_some_and(|viewers| viewers.len() == 1)
        {
            assert_eq!(seen["viewers"][0]["typing"], true, "{seen}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "node B: {seen}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
