//! A TCP proxy between the service and a peer (PostgreSQL, Dovecot) that a test can cut and
//! restore, to stage a server restart or a network drop without touching the real server,
//! which other tests may share.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// The proxy; connections to `addr` reach the upstream server while it is not cut.
pub struct CutProxy {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    /// Cancelled by `cut`: stops the listener and drops every proxied connection.
    live: Mutex<Option<CancellationToken>>,
}

impl CutProxy {
    /// Listens on a random loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let proxy = Self {
            addr: listener.local_addr().expect("proxy address"),
            upstream,
            live: Mutex::new(None),
        };
        proxy.serve(listener);
        proxy
    }

    /// `url` (a `postgres://` URL) with its host and port replaced by the proxy's.
    pub fn route(&self, url: &str) -> String {
        let mut url = reqwest::Url::parse(url).expect("database url");
        url.set_host(Some(&self.addr.ip().to_string()))
            .expect("host");
        url.set_port(Some(self.addr.port())).expect("port");
        url.to_string()
    }

    /// The upstream address of a `postgres://` URL.
    pub async fn upstream_of(url: &str) -> SocketAddr {
        let url = reqwest::Url::parse(url).expect("database url");
        let host = url.host_str().expect("host").to_owned();
        let port = url.port().unwrap_or(5432);
        tokio::net::lookup_host((host.as_str(), port))
            .await
            .expect("resolve database host")
            .next()
            .expect("an address")
    }

    fn serve(&self, listener: TcpListener) {
        let token = CancellationToken::new();
        *self.live.lock().expect("lock") = Some(token.clone());
        let upstream = self.upstream;
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    // Returning drops the listener: new connections are refused, as by a
                    // server that is down.
                    () = token.cancelled() => return,
                };
                let Ok((mut client, _)) = accepted else {
                    continue;
                };
                let token = token.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        () = token.cancelled() => {}
                    }
                });
            }
        });
    }

    /// Drops every connection and refuses new ones until [`CutProxy::restore`].
    pub fn cut(&self) {
        if let Some(token) = self.live.lock().expect("lock").take() {
            token.cancel();
        }
    }

    /// Accepts connections again on the same port.
    pub async fn restore(&self) {
        // The accept task drops the old listener asynchronously after `cut`.
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(err) => panic!("cannot listen on {} again: {err}", self.addr),
            }
        };
        self.serve(listener);
    }
}
