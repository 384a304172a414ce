//! The service as separate processes for `bench ingest --nodes N` and `bench widget`: N
//! `switchboard serve` children of this very binary on one database, each on a free loopback
//! port, configured through a config file and `SWITCHBOARD_DATABASE_URL`. They are stopped when the benchmark
//! ends — SIGTERM, then a kill after a grace period — and killed when dropped, so an error
//! halfway leaves no process behind.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Longest a node may take from its start to listening (migrations included).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest a node may take to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(15);

/// Running service processes.
pub struct Nodes {
    nodes: Vec<Node>,
}

struct Node {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    base: String,
}

impl Nodes {
    /// Starts `count` nodes on `database_url` with the configuration file `config`, in
    /// `workdir`, and waits until each listens. They start one after another: the first
    /// migrates the database and creates the first admin, which nodes starting together
    /// would race for.
    ///
    /// # Errors
    /// When this binary cannot be found or started, or a node exits or stays silent instead
    /// of listening; the nodes already started are killed.
    pub async fn start(
        count: usize,
        database_url: &str,
        config: &Path,
        workdir: &Path,
    ) -> anyhow::Result<Self> {
        let binary = std::env::current_exe().context("finding the switchboard binary")?;
        let mut nodes = Vec::with_capacity(count);
        for index in 1..=count {
            let mut child = Command::new(&binary)
                .arg("--config")
                .arg(config)
                .args(["serve", "--bind", "127.0.0.1:0"])
                .env("SWITCHBOARD_DATABASE_URL", database_url)
                .current_dir(workdir)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .with_context(|| format!("starting node {index}"))?;
            let stdout = child.stdout.take().context("the node's stdout")?;
            let mut lines = BufReader::new(stdout).lines();
            let listening = async {
                while let Some(line) = lines.next_line().await? {
                    if let Some(base) = line.strip_prefix("listening on ") {
                        return Ok(Some(base.trim().to_owned()));
                    }
                }
                Ok::<_, std::io::Error>(None)
            };
            let base = match tokio::time::timeout(START_TIMEOUT, listening).await {
                Ok(Ok(Some(base))) => base,
                Ok(Ok(None)) => {
                    let status = child.wait().await?;
                    anyhow::bail!("node {index} exited before listening ({status})");
                }
                Ok(Err(err)) => return Err(err).context(format!("reading node {index}")),
                Err(_) => anyhow::bail!(
                    "node {index} did not listen within {} s",
                    START_TIMEOUT.as_secs()
                ),
            };
            // Keep reading, so the node never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            nodes.push(Node { child, base });
        }
        Ok(Self { nodes })
    }

    /// The nodes' base URLs, `http://127.0.0.1:<port>`.
    pub fn bases(&self) -> Vec<String> {
        self.nodes.iter().map(|node| node.base.clone()).collect()
    }

    /// The nodes' process ids, for reading their memory from `/proc/<pid>/status`.
    pub fn pids(&self) -> Vec<u32> {
        self.nodes
            .iter()
            .filter_map(|node| node.child.id())
            .collect()
    }

    /// Group-commit transactions of every node so far, from their `/metrics`.
    ///
    /// # Errors
    /// When a node does not answer or its metrics lack the counter.
    pub async fn inbound_batches(&self) -> anyhow::Result<u64> {
        let client = reqwest::Client::new();
        let mut total = 0;
        for node in &self.nodes {
            let text = client
                .get(format!("{}/metrics", node.base))
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .with_context(|| format!("metrics of {}", node.base))?
                .text()
                .await?;
            total += counter(&text, "switchboard_inbound_batches_total")
                .with_context(|| format!("{}/metrics lacks the inbound batches", node.base))?;
        }
        Ok(total)
    }

    /// Stops every node: SIGTERM to all, then waits for each, killing those still running
    /// after the grace period.
    ///
    /// # Errors
    /// When a node had to be killed or stopped with a failure.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        for node in &self.nodes {
            if let Some(pid) = node.child.id() {
                // A node that is already gone is found out by the wait below.
                let _ = Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status()
                    .await;
            }
        }
        let mut problems = Vec::new();
        for node in &mut self.nodes {
            match tokio::time::timeout(STOP_GRACE, node.child.wait()).await {
                Ok(Ok(status)) if status.success() => {}
                Ok(Ok(status)) => problems.push(format!("{} stopped with {status}", node.base)),
                Ok(Err(err)) => problems.push(format!("{}: {err}", node.base)),
                Err(_) => {
                    let _ = node.child.kill().await;
                    problems.push(format!(
                        "{} was killed: still running {} s after SIGTERM",
                        node.base,
                        STOP_GRACE.as_secs()
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("nodes did not stop cleanly: {}", problems.join("; "))
        }
    }
}

/// The value of counter `name` in Prometheus exposition `text`.
fn counter(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .find_map(|value| value.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn counters_are_read_by_their_exact_name() {
        let text = "# HELP switchboard_inbound_batches_total Group-commit transactions.\n\
                    # TYPE switchboard_inbound_batches_total counter\n\
                    switchboard_inbound_batches_total_x 9\n\
                    switchboard_inbound_batches_total 42\n";
        assert_eq!(
            super::counter(text, "switchboard_inbound_batches_total"),
            Some(42)
        );
        assert_eq!(super::counter(text, "missing"), None);
    }
}
