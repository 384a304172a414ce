//! A small SMTP server (plain TCP on 127.0.0.1:0) that hangs up at a chosen point of a session,
//! to test what the email channel does when its SMTP server drops the connection mid-command.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Where a session is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropAt {
    /// After `MAIL FROM` is received, before it is answered.
    MailFrom,
    /// Right after answering `DATA` with 354.
    AfterDataGo,
    /// After the mail's final `.` is received, before the 250: the mail is in doubt (a real
    /// server may have queued it).
    BeforeFinalAnswer,
}

#[derive(Default)]
struct Inner {
    /// One entry per mail transaction (`MAIL FROM`), first first: where to cut it, or `None`
    /// to let it through; transactions beyond the script go through. Per transaction rather
    /// than per session because the client keeps sessions open and reuses them.
    script: VecDeque<Option<DropAt>>,
    /// Mail bodies (`DATA`) received, with whether they were answered 250.
    received: Vec<(String, bool)>,
}

/// The running server.
#[derive(Clone)]
pub struct SmtpDropper {
    pub port: u16,
    inner: Arc<Mutex<Inner>>,
}

impl SmtpDropper {
    /// Starts on a random loopback port; mail transactions are cut as `script` says, in order.
    pub async fn start(script: &[Option<DropAt>]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let inner = Arc::new(Mutex::new(Inner {
            script: script.iter().copied().collect(),
            received: Vec::new(),
        }));
        let server = Self {
            port: listener.local_addr().expect("addr").port(),
            inner: inner.clone(),
        };
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, inner.clone()));
            }
        });
        server
    }

    /// Every mail received so far, with whether it was acknowledged.
    pub fn received(&self) -> Vec<(String, bool)> {
        self.inner.lock().expect("lock").received.clone()
    }

    /// Waits (bounded) until `count` mails were acknowledged; returns all received.
    pub async fn wait_for_acknowledged(&self, count: usize) -> Vec<(String, bool)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            if received.iter().filter(|(_, acked)| *acked).count() >= count {
                return received;
            }
            assert!(Instant::now() < deadline, "only {received:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Speaks just enough SMTP for lettre: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
async fn session(stream: tokio::net::TcpStream, inner: Arc<Mutex<Inner>>) {
    let mut cut = None;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    if write.write_all(b"220 dropper ESMTP\r\n").await.is_err() {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" => b"250-dropper\r\n250 8BITMIME\r\n",
            "HELO" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "MAIL" => {
                cut = inner.lock().expect("lock").script.pop_front().flatten();
                if cut == Some(DropAt::MailFrom) {
                    return;
                }
                b"250 OK\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            "DATA" => {
                if write.write_all(b"354 go ahead\r\n").await.is_err()
                    || cut == Some(DropAt::AfterDataGo)
                {
                    return;
                }
                let mut mail = String::new();
                loop {
                    match lines.next_line().await {
                        Ok(Some(line)) if line == "." => break,
                        Ok(Some(line)) => {
                            mail.push_str(&line);
                            mail.push('\n');
                        }
                        _ => return,
                    }
                }
                let acknowledged = cut != Some(DropAt::BeforeFinalAnswer);
                inner
                    .lock()
                    .expect("lock")
                    .received
                    .push((mail, acknowledged));
                if !acknowledged {
                    return;
                }
                b"250 queued\r\n"
            }
            _ => b"502 not implemented\r\n",
        };
        if write.write_all(answer).await.is_err() {
            return;
        }
    }
}
