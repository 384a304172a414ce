//! The local SMTP server `switchboard bench campaign` dispatches email into: just enough of
//! RFC 5321 for lettre's pooled transport (the email channel's), counting accepted messages
//! and keeping none of them, so memory stays flat however much arrives. Not a mail server:
//! no TLS, no AUTH, no relaying; loopback only.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// Longest command line accepted (RFC 5321 §4.5.3.1.4 allows 512 octets, extensions add some).
const MAX_COMMAND_BYTES: usize = 4096;

const GREETING: &[u8] = b"220 localhost ESMTP switchboard bench sink\r\n";
/// SIZE advertises 50 MiB, not enforced: nothing is kept.
const EHLO: &[u8] = b"250-localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n";
const OK: &[u8] = b"250 OK\r\n";

/// A running sink; it stops accepting and closes its connections when dropped.
pub struct SmtpSink {
    counters: Arc<Counters>,
    shutdown: CancellationToken,
}

#[derive(Default)]
struct Counters {
    received: AtomicUsize,
    connections: AtomicUsize,
}

impl SmtpSink {
    /// Starts a sink on `127.0.0.1` and a free port, returning it and its address.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<(Self, SocketAddr)> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let address = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let shutdown = CancellationToken::new();
        tokio::spawn(accept(listener, counters.clone(), shutdown.clone()));
        Ok((Self { counters, shutdown }, address))
    }

    /// Messages accepted so far (a completed DATA, whatever its number of recipients).
    pub fn received(&self) -> usize {
        self.counters.received.load(Ordering::Relaxed)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.counters.connections.load(Ordering::Relaxed)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn accept(listener: TcpListener, counters: Arc<Counters>, shutdown: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::debug!(error = %err, "smtp sink: accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        counters.connections.fetch_add(1, Ordering::Relaxed);
        let (counters, shutdown) = (counters.clone(), shutdown.clone());
        tokio::spawn(async move {
            tokio::select! {
                () = shutdown.cancelled() => {}
                served = serve(stream, &counters) => {
                    if let Err(err) = served {
                        tracing::debug!(error = %err, "smtp sink: connection ended");
                    }
                }
            }
        });
    }
}

/// Where a client is in a mail transaction.
#[derive(Default)]
struct Transaction {
    has_sender: bool,
    recipients: usize,
}

/// What to do after a command.
enum Reply {
    Send(&'static [u8]),
    /// 354, then the message up to its terminating dot.
    Data,
    /// 221, then close.
    Quit,
}

impl Transaction {
    fn command(&mut self, line: &[u8]) -> Reply {
        let verb = line.get(..4).unwrap_or(line).to_ascii_uppercase();
        let argument = line.get(4..).unwrap_or_default();
        if !argument.is_empty() && argument[0] != b' ' {
            return Reply::Send(b"500 unrecognised command\r\n");
        }
        let argument = argument.trim_ascii();
        let has_prefix = |prefix: &[u8]| {
            argument
                .get(..prefix.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
        };
        match verb.as_slice() {
            b"EHLO" => {
                *self = Self::default();
                Reply::Send(EHLO)
            }
            b"HELO" => {
                *self = Self::default();
                Reply::Send(b"250 localhost\r\n")
            }
            b"MAIL" if !has_prefix(b"FROM:") => Reply::Send(b"501 syntax: MAIL FROM:<address>\r\n"),
            b"MAIL" if self.has_sender => Reply::Send(b"503 nested MAIL command\r\n"),
            b"MAIL" => {
                self.has_sender = true;
                Reply::Send(OK)
            }
            b"RCPT" if !has_prefix(b"TO:") => Reply::Send(b"501 syntax: RCPT TO:<address>\r\n"),
            b"RCPT" if !self.has_sender => Reply::Send(b"503 need MAIL before RCPT\r\n"),
            b"RCPT" => {
                self.recipients += 1;
                Reply::Send(OK)
            }
            b"DATA" if self.recipients == 0 => Reply::Send(b"503 need RCPT before DATA\r\n"),
            b"DATA" => Reply::Data,
            b"RSET" => {
                *self = Self::default();
                Reply::Send(OK)
            }
            b"NOOP" => Reply::Send(OK),
            b"QUIT" => Reply::Quit,
            _ => Reply::Send(b"500 unrecognised command\r\n"),
        }
    }
}

async fn serve(stream: TcpStream, counters: &Counters) -> std::io::Result<()> {
    // Every reply is small and awaited by the client: Nagle would hold each one back.
    stream.set_nodelay(true)?;
    let (read, write) = stream.into_split();
    let mut reader = BufReader::with_capacity(16 * 1024, read);
    let mut writer = BufWriter::new(write);
    writer.write_all(GREETING).await?;
    writer.flush().await?;
    let mut line = Vec::with_capacity(512);
    let mut transaction = Transaction::default();
    loop {
        match read_command(&mut reader, &mut line).await? {
            Command::End => return Ok(()),
            Command::TooLong => writer.write_all(b"500 line too long\r\n").await?,
            Command::Line => match transaction.command(&line) {
                Reply::Send(reply) => writer.write_all(reply).await?,
                Reply::Data => {
                    // DATA ends a pipelined group (RFC 2920 §3.1): the client waits for 354.
                    writer
                        .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    writer.flush().await?;
                    if !skip_message(&mut reader).await? {
                        return Ok(());
                    }
                    counters.received.fetch_add(1, Ordering::Relaxed);
                    transaction = Transaction::default();
                    writer.write_all(b"250 OK queued\r\n").await?;
                }
                Reply::Quit => {
                    writer.write_all(b"221 bye\r\n").await?;
                    writer.flush().await?;
                    return Ok(());
                }
            },
        }
        // PIPELINING: answer a batch of commands at once, and flush only when the client
        // has sent everything it wants answered.
        if reader.buffer().is_empty() {
            writer.flush().await?;
        }
    }
}

/// What `read_command` found.
enum Command {
    /// A command line, without its line ending.
    Line,
    /// A line longer than `MAX_COMMAND_BYTES` (read and dropped).
    TooLong,
    /// The client closed the connection.
    End,
}

/// Reads one command line into `line`, holding at most `MAX_COMMAND_BYTES` of it.
async fn read_command(
    reader: &mut (impl AsyncBufRead + Unpin),
    line: &mut Vec<u8>,
) -> std::io::Result<Command> {
    line.clear();
    let mut too_long = false;
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(Command::End);
        }
        let (chunk, used, done) = match buffer.iter().position(|&byte| byte == b'\n') {
            Some(at) => (&buffer[..at], at + 1, true),
            None => (buffer, buffer.len(), false),
        };
        if too_long || line.len() + chunk.len() > MAX_COMMAND_BYTES {
            too_long = true;
            line.clear();
        } else {
            line.extend_from_slice(chunk);
        }
        reader.consume(used);
        if done {
            break;
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(if too_long {
        Command::TooLong
    } else {
        Command::Line
    })
}

/// Where the reader is relative to the end of a message (`<CRLF>.<CRLF>`).
#[derive(Clone, Copy)]
enum DataState {
    LineStart,
    InLine,
    /// A line that began with a dot: the end, or a dot-stuffed line (`..text`).
    Dot,
    DotCr,
}

/// Reads a message's content up to and including its terminating line, keeping none of it.
/// Returns false when the client closed the connection first.
async fn skip_message(reader: &mut (impl AsyncBufRead + Unpin)) -> std::io::Result<bool> {
    // DATA's own line ending was consumed with the command: the content starts a line.
    let mut state = DataState::LineStart;
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(false);
        }
        let mut end = None;
        for (at, &byte) in buffer.iter().enumerate() {
            state = match (state, byte) {
                (DataState::Dot | DataState::DotCr, b'\n') => {
                    end = Some(at + 1);
                    break;
                }
                (_, b'\n') => DataState::LineStart,
                (DataState::LineStart, b'.') => DataState::Dot,
                (DataState::Dot, b'\r') => DataState::DotCr,
                _ => DataState::InLine,
            };
        }
        let used = end.unwrap_or(buffer.len());
        reader.consume(used);
        if end.is_some() {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_sdk::{CampaignHeaders, OutboundMessage, Recipient};

    /// An email channel as the benchmark configures one: SMTP without TLS to the sink.
    fn email_channel(address: SocketAddr) -> Arc<dyn connector_sdk::Connector> {
        let text = format!(
            "[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"bench@example.test\"\n\
             display_name = \"Bench\"\ndomain = \"example.test\"\nsecret = \"bench-secret-0123456789\"\n\
             smtp_host = {:?}\nsmtp_port = {}\nsmtp_tls = \"none\"\n",
            address.ip().to_string(),
            address.port()
        );
        let channels =
            crate::config::Config::from_parts(Some(("test".into(), &text)), Vec::new(), |_| None)
                .expect("config")
                .channels;
        crate::app::build_connectors(&channels)
            .expect("email channel")
            .remove(0)
    }

    #[tokio::test]
    async fn lettre_sends_three_messages_over_one_pooled_transport() {
        let (sink, address) = SmtpSink::start().await.expect("sink");
        let mail = email_channel(address);
        for n in 0..3 {
            let mut message = OutboundMessage::text(
                format!("campaign-1-{n}"),
                "mail",
                0,
                Recipient::new(format!("customer{n}@example.test")),
                // A line that starts with a dot is stuffed on the wire; it must not end DATA.
                format!("Hello {n}\n.\n..\nbye"),
            );
            message.subject = Some("Spring sale".into());
            message.html = Some(format!("<p>Hello {n}</p>"));
            message.campaign = Some(CampaignHeaders::new(
                "Spring sale <campaign-1.example.test>",
                "https://sb.example.test/unsubscribe/x",
                None,
            ));
            mail.send(&message).await.expect("sent");
        }
        assert_eq!(sink.received(), 3);
        // The pool hands a connection back from a spawned task, so the second message may
        // open a second one; the third finds one waiting.
        assert!(
            sink.connections() < 3,
            "the transport reused its connection: {} connections",
            sink.connections()
        );
    }

    #[tokio::test]
    async fn concurrent_sends_share_the_pooled_sessions() {
        let (sink, address) = SmtpSink::start().await.expect("sink");
        let mail = email_channel(address);
        let messages: Vec<OutboundMessage> = (0..64)
            .map(|n| {
                let mut message = OutboundMessage::text(
                    format!("campaign-2-{n}"),
                    "mail",
                    0,
                    Recipient::new(format!("customer{n}@example.test")),
                    "Hello",
                );
                message.subject = Some("Spring sale".into());
                message
            })
            .collect();
        let sent = futures_util::future::join_all(messages.iter().map(|m| mail.send(m))).await;
        assert!(sent.iter().all(Result::is_ok), "{sent:?}");
        assert_eq!(sink.received(), 64);
        // lettre's pool alone opens one session per concurrent send (64 here, 2,000 under an
        // unthrottled campaign); the connector lets 8 sends run at once. A few more sessions
        // than 8 open in all, because the pool takes a finished session back in a spawned task
        // and the next send may not find it idle yet.
        assert!(
            sink.connections() <= 16,
            "{} SMTP sessions for 64 concurrent sends",
            sink.connections()
        );
    }

    /// A client speaking raw SMTP.
    struct Client {
        reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
        writer: tokio::net::tcp::OwnedWriteHalf,
    }

    impl Client {
        async fn connect(address: SocketAddr) -> Self {
            let stream = TcpStream::connect(address).await.expect("connect");
            let (read, writer) = stream.into_split();
            let mut client = Self {
                reader: BufReader::new(read),
                writer,
            };
            assert!(client.reply().await.starts_with("220 "));
            client
        }

        /// The next reply, all its lines.
        async fn reply(&mut self) -> String {
            let mut reply = String::new();
            loop {
                let mut line = String::new();
                let read = self.reader.read_line(&mut line).await.expect("read");
                assert!(read > 0, "the sink closed the connection after {reply:?}");
                reply.push_str(&line);
                if line.as_bytes().get(3) != Some(&b'-') {
                    return reply;
                }
            }
        }

        async fn send(&mut self, text: &str) {
            self.writer.write_all(text.as_bytes()).await.expect("write");
        }

        async fn command(&mut self, line: &str) -> String {
            self.send(&format!("{line}\r\n")).await;
            self.reply().await
        }
    }

    #[tokio::test]
    async fn garbage_gets_500_and_the_connection_stays_usable() {
        let (sink, address) = SmtpSink::start().await.expect("sink");
        let mut client = Client::connect(address).await;
        let ehlo = client.command("EHLO client.test").await;
        for extension in ["PIPELINING", "8BITMIME", "SIZE"] {
            assert!(ehlo.contains(extension), "{ehlo}");
        }
        assert!(client.command("FROBNICATE now").await.starts_with("500 "));
        assert!(client.command("MAILX FROM:<a@b>").await.starts_with("500 "));
        assert!(client.command("").await.starts_with("500 "));
        assert!(client.command("DATA").await.starts_with("503 "));
        let long = format!("NOOP {}", "x".repeat(10_000));
        assert!(client.command(&long).await.starts_with("500 "));
        assert!(client.command("noop").await.starts_with("250 "));

        // Pipelined: three commands in one write, three answers.
        client
            .send("MAIL FROM:<shop@example.test> BODY=8BITMIME\r\nRCPT TO:<a@example.test>\r\nDATA\r\n")
            .await;
        assert!(client.reply().await.starts_with("250 "));
        assert!(client.reply().await.starts_with("250 "));
        assert!(client.reply().await.starts_with("354 "));
        // A stuffed dot line (`..`) and a dot inside a line are content, not the end.
        client.send("Subject: hi\r\n\r\n..\r\n.x\r\na.\r\n").await;
        client.send(".\r\n").await;
        assert!(client.reply().await.starts_with("250 "));
        assert_eq!(sink.received(), 1);

        assert!(client.command("RSET").await.starts_with("250 "));
        assert!(
            client
                .command("RCPT TO:<a@example.test>")
                .await
                .starts_with("503 ")
        );
        assert!(client.command("HELO client.test").await.starts_with("250 "));
        assert!(client.command("MAIL FROM:<>").await.starts_with("250 "));
        assert!(
            client
                .command("RCPT TO:<b@example.test>")
                .await
                .starts_with("250 ")
        );
        assert!(client.command("DATA").await.starts_with("354 "));
        client.send("one line\r\n.\r\n").await;
        assert!(client.reply().await.starts_with("250 "));
        assert_eq!(sink.received(), 2);
        assert!(client.command("QUIT").await.starts_with("221 "));
        assert_eq!(sink.connections(), 1);
    }
}
