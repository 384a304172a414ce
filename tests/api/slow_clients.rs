//! Slow and numerous connections: a head that never completes is closed after the header
//! timeout, a trickled body after the body timeout, and connections over the per-client cap
//! are answered 503 while other clients are still served.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::TestApp;

const CONFIG: &str = "[server]\nmax_connections = 64\nmax_connections_per_client = 16\n\
    header_read_timeout_secs = 3\nbody_read_timeout_secs = 1\n";
/// Longest any step below may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(10);

fn server_addr(app: &TestApp) -> SocketAddr {
    app.base
        .trim_start_matches("http://")
        .parse()
        .expect("server address")
}

/// A connection to the app from `source` (another loopback address is another client).
async fn connect_from(app: &TestApp, source: [u8; 4]) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::from((source, 0)))
        .expect("bind loopback source");
    socket.connect(server_addr(app)).await.expect("connect")
}

/// Everything the server sends until it closes the connection, as text.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(DEADLINE, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .expect("the server closes the connection in time");
    String::from_utf8_lossy(&received).into_owned()
}

/// One request that asks to close afterwards; returns the whole answer.
async fn request(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    read_to_close(stream).await
}

#[tokio::test]
async fn slow_connections_are_capped_per_client_and_cut_by_the_timeouts() {
    let app = TestApp::spawn_with(CONFIG).await;
    // Fill this client's cap with connections that never finish their headers.
    let mut trickling = Vec::new();
    for _ in 0..16 {
        let mut stream = connect_from(&app, [127, 0, 0, 1]).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: te")
            .await
            .expect("write");
        trickling.push(stream);
    }
    let mut over = connect_from(&app, [127, 0, 0, 1]).await;
    let refused = request(&mut over).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    assert!(refused.contains("too_many_connections"), "{refused}");

    // Another client is served meanwhile.
    let mut other = connect_from(&app, [127, 0, 0, 2]).await;
    let served = request(&mut other).await;
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");

    // The unfinished heads are closed by the header timeout, without an answer.
    for stream in &mut trickling {
        let answer = read_to_close(stream).await;
        assert!(!answer.contains("200 OK"), "{answer}");
    }
    // Their places are free again.
    let mut again = connect_from(&app, [127, 0, 0, 1]).await;
    let served = request(&mut again).await;
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    app.stop().await;
}

#[tokio::test]
async fn a_trickled_body_is_cut_by_the_body_timeout() {
    let app = TestApp::spawn_with(CONFIG).await;
    let mut stream = connect_from(&app, [127, 0, 0, 1]).await;
    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 100\r\n\r\nemail=a",
        )
        .await
        .expect("write");
    // The body never completes: the server answers (400) and closes well before the
    // 30 s request timeout would, so the test's deadline is below it.
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
    app.stop().await;
}
