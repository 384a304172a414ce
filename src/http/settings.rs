//! `[server]` (the listener, its connection limits and `[server.sign_in]`),
//! `[remote_images]` (email images fetched through the server) and `[access]` (which
//! conversations agents see): the HTTP layer's settings.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::client_addr::Cidr;

/// `[server]`: the HTTP listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// Largest request body accepted on hooks and the API (413 above it).
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered 408.
    pub request_timeout_secs: u64,
    /// How long shutdown waits for in-flight work.
    pub shutdown_grace_secs: u64,
    /// Proxies (CIDR networks) whose `Forwarded` / `X-Forwarded-For` headers name the
    /// client; from any other peer those headers are ignored.
    #[serde(serialize_with = "cidrs_as_text")]
    pub trusted_proxies: Vec<Cidr>,
    /// A connection must deliver each request head within this time, or it is closed (also
    /// the longest an idle keep-alive connection is kept).
    pub header_read_timeout_secs: u64,
    /// A request body must arrive completely within this time after its head.
    pub body_read_timeout_secs: u64,
    /// Open connections at most; more are answered 503 and closed.
    pub max_connections: usize,
    /// Open connections per client address at most (trusted proxies count only globally).
    pub max_connections_per_client: usize,
    /// How often an open event stream checks that its token or session is still valid.
    pub stream_recheck_secs: u64,
    /// `[server.sign_in]`: password checks and guessing limits of the web sign-in.
    pub sign_in: SignInConfig,
}

/// Writes networks as they are read: `10.0.0.0/8`.
fn cidrs_as_text<S: serde::Serializer>(cidrs: &[Cidr], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(cidrs.iter().map(ToString::to_string))
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 15,
            trusted_proxies: Vec::new(),
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            max_connections: 2048,
            max_connections_per_client: 256,
            stream_recheck_secs: 2,
            sign_in: SignInConfig::default(),
        }
    }
}

impl ServerConfig {
    /// Checks the keys; the message names the first one that is out of range.
    ///
    /// # Errors
    /// `server.<key>: <problem>`.
    pub fn validate(&self) -> Result<(), String> {
        let sign_in = &self.sign_in;
        let checks: [(&str, bool, &str); 13] = [
            ("max_body_bytes", self.max_body_bytes > 0, "must be above 0"),
            // Zero would answer every request 408 before it ran.
            (
                "request_timeout_secs",
                self.request_timeout_secs > 0,
                "must be above 0",
            ),
            // Zero would fail every shutdown before the work in flight could finish.
            (
                "shutdown_grace_secs",
                self.shutdown_grace_secs > 0,
                "must be above 0",
            ),
            (
                "header_read_timeout_secs",
                self.header_read_timeout_secs > 0,
                "must be above 0",
            ),
            (
                "body_read_timeout_secs",
                self.body_read_timeout_secs > 0,
                "must be above 0",
            ),
            (
                "max_connections",
                self.max_connections > 0,
                "must be above 0",
            ),
            (
                "max_connections_per_client",
                (1..=self.max_connections).contains(&self.max_connections_per_client),
                "must be between 1 and max_connections",
            ),
            (
                "stream_recheck_secs",
                (1..=60).contains(&self.stream_recheck_secs),
                "must be between 1 and 60",
            ),
            (
                "sign_in.max_concurrent_hashes",
                (1..=64).contains(&sign_in.max_concurrent_hashes),
                "must be between 1 and 64",
            ),
            (
                "sign_in.free_failures",
                sign_in.free_failures > 0,
                "must be above 0",
            ),
            (
                "sign_in.max_delay_secs",
                sign_in.max_delay_secs >= sign_in.first_delay_secs,
                "must be at least first_delay_secs",
            ),
            (
                "sign_in.failures_per_client",
                sign_in.failures_per_client > 0,
                "must be above 0",
            ),
            (
                "sign_in.window_secs",
                sign_in.window_secs > 0,
                "must be above 0",
            ),
        ];
        match checks.iter().find(|(_, ok, _)| !ok) {
            Some((key, _, rule)) => Err(format!("server.{key}: {rule}")),
            None => Ok(()),
        }
    }
}

/// `[server.sign_in]`: the web sign-in's limits. Failures are counted per (address, client)
/// with growing waits, so guessing from one client never locks the account for others.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignInConfig {
    /// Password checks (argon2, ~19 MiB each) that may run at once.
    pub max_concurrent_hashes: usize,
    /// How long a sign-in waits for a free check before it is answered 503.
    pub hash_wait_ms: u64,
    /// Failed sign-ins for one address from one client before each next one must wait.
    pub free_failures: u32,
    /// The first wait after the free failures; it doubles with each further failure.
    pub first_delay_secs: u64,
    /// The longest wait between two attempts of one address from one client.
    pub max_delay_secs: u64,
    /// Failed sign-ins from one client, whatever the address, within `window_secs`.
    pub failures_per_client: u32,
    /// The window of `failures_per_client`; also how long failures are remembered.
    pub window_secs: u64,
}

impl Default for SignInConfig {
    fn default() -> Self {
        Self {
            max_concurrent_hashes: 2,
            hash_wait_ms: 2000,
            free_failures: 5,
            first_delay_secs: 2,
            max_delay_secs: 900,
            failures_per_client: 100,
            window_secs: 900,
        }
    }
}

/// `[remote_images]`: the inbox never loads a sender's images directly (they track when and
/// where agents read); "Load images" fetches them through the server, held to these limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemoteImagesConfig {
    /// Lets image URLs point at loopback and private addresses (a private test setup only:
    /// the URLs come from outside).
    pub allow_private_targets: bool,
    /// Largest image fetched, in bytes.
    pub max_bytes: u64,
    /// Longest one image fetch may take, redirects included.
    pub timeout_secs: u64,
}

impl Default for RemoteImagesConfig {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            max_bytes: 5 * 1024 * 1024,
            timeout_secs: 10,
        }
    }
}

impl RemoteImagesConfig {
    /// Checks the keys; the message names the one that is wrong.
    ///
    /// # Errors
    /// `remote_images.<key>: <problem>`.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_bytes == 0 {
            return Err("remote_images.max_bytes: must be above 0".into());
        }
        if !(1..=120).contains(&self.timeout_secs) {
            return Err("remote_images.timeout_secs: must be between 1 and 120".into());
        }
        Ok(())
    }
}
