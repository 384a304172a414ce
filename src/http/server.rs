//! The HTTP/1.1 server loop in front of the router: it bounds what a connection may cost
//! before any handler runs. A request head must arrive within the header timeout (which also
//! closes idle keep-alive connections), a body within the body timeout; open connections are
//! capped globally and per client address, and a connection over a cap is answered `503`
//! with `Retry-After` and closed instead of being held. Long responses (the event stream)
//! are not cut by these timeouts, but do count toward the caps.
//!
//! Shutdown stops accepting, lets every connection finish its in-flight request, and
//! returns when all are closed (as `axum::serve` with graceful shutdown did).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use super::client_addr::TrustedProxies;
use super::settings::ServerConfig;

/// What a connection over a cap receives before it is closed.
const BUSY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
    Content-Type: application/json\r\nContent-Length: 82\r\nConnection: close\r\n\r\n\
    {\"error\":{\"code\":\"too_many_connections\",\"message\":\"too many open connections\"}}";
/// Refused connections being answered at once at most; beyond, they are closed unanswered,
/// so that a flood cannot turn the answers themselves into held sockets.
const MAX_REFUSING: usize = 64;
/// How long a refused connection is kept to deliver the 503 and read what the client sent
/// (closing with unread data would reset the connection before the client reads the 503).
const REFUSE_LINGER: Duration = Duration::from_secs(1);
/// The pause after the listener fails to accept (out of file descriptors), so the loop does
/// not spin while connections close.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The connection limits, from `[server]`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_client: usize,
}

impl From<&ServerConfig> for Limits {
    fn from(config: &ServerConfig) -> Self {
        Self {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
            body_read_timeout: Duration::from_secs(config.body_read_timeout_secs),
            max_connections: config.max_connections,
            max_connections_per_client: config.max_connections_per_client,
        }
    }
}

/// Serves `router` on `listener` until `shutdown`, then drains open connections.
///
/// # Errors
/// None today: accept failures (such as running out of file descriptors) are logged and
/// retried, as they pass when connections close.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    trusted: Arc<TrustedProxies>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let global = Arc::new(Semaphore::new(limits.max_connections));
    let per_client = Arc::new(ClientCounts::default());
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let connections = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                tracing::warn!(error = %err, "could not accept a connection");
                tokio::select! {
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    () = shutdown.cancelled() => break,
                }
            }
        };
        let Ok(global_slot) = global.clone().try_acquire_owned() else {
            tracing::debug!(%peer, "connection refused: max_connections reached");
            refuse(stream, &refusing);
            continue;
        };
        // A trusted proxy carries many clients: it is bounded by the global cap only.
        let client_slot = if trusted.contains(peer.ip()) {
            None
        } else {
            match per_client.take(&per_client, peer.ip(), limits.max_connections_per_client) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(%peer, "connection refused: max_connections_per_client reached");
                    refuse(stream, &refusing);
                    continue;
                }
            }
        };
        connections.spawn(serve_connection(
            stream,
            peer,
            router.clone(),
            limits,
            shutdown.clone(),
            (global_slot, client_slot),
        ));
    }
    drop(listener);
    connections.close();
    connections.wait().await;
    Ok(())
}

/// Serves one connection; `_slots` are its places under the caps, freed when it closes.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
    _slots: (tokio::sync::OwnedSemaphorePermit, Option<ClientSlot>),
) {
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request
            .map(|body| axum::body::Body::new(DeadlineBody::new(body, limits.body_read_timeout)));
        // Handlers read the peer as with `into_make_service_with_connect_info`.
        request.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move { Ok::<_, Infallible>(router.oneshot(request).await.into_response_ok()) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let connection = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    let finished = tokio::select! {
        result = connection.as_mut() => Some(result),
        () = shutdown.cancelled() => None,
    };
    let result = match finished {
        Some(result) => result,
        None => {
            // Finish the request in flight (if any), then close.
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(err) = result {
        tracing::debug!(%peer, error = %err, "connection ended with an error");
    }
}

/// The router's answer; it never fails (`Router`'s error type is `Infallible`).
trait IntoResponseOk {
    fn into_response_ok(self) -> axum::response::Response;
}

impl IntoResponseOk for Result<axum::response::Response, Infallible> {
    fn into_response_ok(self) -> axum::response::Response {
        match self {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

/// Answers a connection over a cap with [`BUSY_RESPONSE`] and closes it, in the background
/// and for at most [`REFUSE_LINGER`]; when [`MAX_REFUSING`] are already being answered, it
/// is closed at once.
fn refuse(mut stream: TcpStream, refusing: &Arc<Semaphore>) {
    let Ok(permit) = refusing.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _permit = permit;
        let answered = tokio::time::timeout(REFUSE_LINGER, async {
            stream.write_all(BUSY_RESPONSE).await?;
            stream.shutdown().await?;
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            Ok::<_, std::io::Error>(())
        })
        .await;
        if let Ok(Err(err)) = answered {
            tracing::debug!(error = %err, "could not answer a refused connection");
        }
    });
}

/// Open connections per client address.
#[derive(Debug, Default)]
struct ClientCounts(Mutex<HashMap<IpAddr, usize>>);

impl ClientCounts {
    /// A place for one more connection from `ip`, unless it has `max` open already.
    fn take(&self, this: &Arc<Self>, ip: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut counts = self.0.lock().ok()?;
        let count = counts.entry(ip).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            counts: this.clone(),
            ip,
        })
    }
}

/// One connection's place under its client's cap.
#[derive(Debug)]
struct ClientSlot {
    counts: Arc<ClientCounts>,
    ip: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.counts.0.lock()
            && let Some(count) = counts.get_mut(&self.ip)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// A request body that fails when it has not fully arrived by its deadline, so a client
/// trickling a body cannot hold a handler (and the connection) for long.
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl DeadlineBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

/// The error a body that missed its deadline ends with.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within body_read_timeout_secs")]
struct BodyTooSlow;

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|result| result.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(BodyTooSlow.into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
