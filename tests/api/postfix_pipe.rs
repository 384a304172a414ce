//! The README's Postfix pipe end to end: a private Postfix 3.7 (its own config, queue and data
//! directories in a temp dir, SMTP on a free loopback port) routes support@example.test to a
//! `pipe` service running contrib/postfix/switchboard-mail as `nobody`, exactly as the manual
//! sets it up, and the tests send mail to it over SMTP. What they check is what an operator
//! sees: the mail stored once, the queue (postqueue -j) and the maillog's status lines.
//! `scripts/test` installs Postfix (without starting the system's own instance).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::helpers::{TestApp, TestDb, app_backend};
use crate::mail_peers::{free_port, require};

const SECRET: &str = "postfix-pipe-secret-0123456789";
/// The channel's body limit: small, so the too-big case needs no big mail.
const LIMIT: usize = 256 * 1024;
/// Debian's `nobody`, the pipe's user.
const NOBODY: u32 = 65534;

fn channel_config(blobs: &Path) -> String {
    // The channel only receives through the hook; smtp_host is still required (port 9:
    // nothing is sent in these tests).
    format!(
        "[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"support@example.test\"\n\
         display_name = \"ACME\"\ndomain = \"example.test\"\nsecret = {SECRET:?}\n\
         smtp_host = \"127.0.0.1\"\nsmtp_port = 9\nsmtp_tls = \"none\"\nblob_dir = {:?}\n\
         max_body_bytes = {LIMIT}\n",
        blobs.display().to_string()
    )
}

/// What the pipe's header file holds.
enum HeaderFile {
    /// The channel's secret, readable only by `nobody` (as the manual says).
    Secret(&'static str),
    /// The right secret, but readable only by root: the pipe's user cannot read it.
    Unreadable,
}

/// A private Postfix instance; stopped (and waited for) on drop.
struct Postfix {
    dir: tempfile::TempDir,
    port: u16,
}

impl Postfix {
    /// Starts Postfix with the pipe posting to `hook_url`.
    fn start(hook_url: &str, header: HeaderFile) -> Self {
        require("postfix");
        require("curl");
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        // The pipe runs as nobody: it must reach the script and the header file.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::create_dir(root.join("etc")).expect("etc");
        // Postfix creates the queue's subdirectories but not the queue directory itself.
        std::fs::create_dir(root.join("queue")).expect("queue");
        let script = root.join("switchboard-mail");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/postfix/switchboard-mail"),
            &script,
        )
        .expect("copy the pipe script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let headers = root.join("headers");
        let (secret, owner) = match header {
            HeaderFile::Secret(secret) => (secret, NOBODY),
            HeaderFile::Unreadable => (SECRET, 0),
        };
        std::fs::write(&headers, format!("Authorization: Bearer {secret}\n")).expect("headers");
        std::fs::set_permissions(&headers, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        std::os::unix::fs::chown(&headers, Some(owner), None).expect("chown");
        // The support address goes to the pipe; bounces to the (made-up) senders' domain are
        // discarded, so a bounced mail leaves nothing queued and needs no DNS.
        std::fs::write(
            root.join("transport"),
            "support@example.test switchboard:\ncustomer.test discard:\n",
        )
        .expect("transport");
        std::fs::write(root.join("recipients"), "support@example.test ok\n").expect("recipients");
        let d = root.display();
        let main_cf = format!(
            "compatibility_level = 3.6\n\
             queue_directory = {d}/queue\n\
             data_directory = {d}/data\n\
             meta_directory = /etc/postfix\n\
             maillog_file = {d}/maillog\n\
             maillog_file_prefixes = {d}\n\
             myhostname = mx.example.test\n\
             mydomain = example.test\n\
             myorigin = example.test\n\
             inet_interfaces = 127.0.0.1\n\
             inet_protocols = ipv4\n\
             mynetworks = 127.0.0.0/8\n\
             mydestination =\n\
             alias_maps =\n\
             alias_database =\n\
             relay_domains = example.test\n\
             relay_recipient_maps = texthash:{d}/recipients\n\
             transport_maps = texthash:{d}/transport\n\
             switchboard_destination_recipient_limit = 1\n\
             queue_run_delay = 1s\n\
             minimal_backoff_time = 1s\n\
             maximal_backoff_time = 2s\n\
             biff = no\n"
        );
        std::fs::write(root.join("etc/main.cf"), main_cf).expect("main.cf");
        let port = free_port();
        // No chroot: the services read the temp dir directly.
        let master_cf = format!(
            "127.0.0.1:{port} inet n - n - - smtpd\n\
             pickup unix n - n 60 1 pickup\n\
             cleanup unix n - n - 0 cleanup\n\
             qmgr unix n - n 300 1 qmgr\n\
             rewrite unix - - n - - trivial-rewrite\n\
             bounce unix - - n - 0 bounce\n\
             defer unix - - n - 0 bounce\n\
             trace unix - - n - 0 bounce\n\
             verify unix - - n - 1 verify\n\
             flush unix n - n 1000? 0 flush\n\
             proxymap unix - - n - - proxymap\n\
             showq unix n - n - - showq\n\
             error unix - - n - - error\n\
             retry unix - - n - - error\n\
             discard unix - - n - - discard\n\
             anvil unix - - n - 1 anvil\n\
             scache unix - - n - 1 scache\n\
             postlog unix-dgram n - n - 1 postlogd\n\
             switchboard unix - n n - - pipe\n  \
             flags=Rq user=nobody argv={} {hook_url} {}\n",
            script.display(),
            headers.display()
        );
        std::fs::write(root.join("etc/master.cf"), master_cf).expect("master.cf");
        let postfix = Self { dir, port };
        let output = postfix.command("postfix", &["start"]);
        assert!(
            output.status.success(),
            "postfix start failed: {}{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            postfix.maillog()
        );
        postfix
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("etc")
    }

    fn command(&self, program: &str, args: &[&str]) -> std::process::Output {
        Command::new(program)
            .arg("-c")
            .arg(self.config_dir())
            .args(args)
            .output()
            .unwrap_or_else(|err| panic!("{program}: {err}"))
    }

    fn maillog(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }

    /// The maillog's delivery lines for queue id `id`.
    fn deliveries(&self, id: &str) -> Vec<String> {
        self.maillog()
            .lines()
            .filter(|line| line.contains(&format!(" {id}: to=<")))
            .map(str::to_owned)
            .collect()
    }

    /// Waits (bounded) for a delivery line of `id` with `status=<status>` and returns it.
    async fn wait_for_status(&self, id: &str, status: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let wanted = format!("status={status} ");
            if let Some(line) = self
                .deliveries(id)
                .into_iter()
                .find(|line| line.contains(&wanted))
            {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no status={status} for {id} within 30 s; maillog:\n{}",
                self.maillog()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The queue, one JSON object a mail (postqueue -j).
    fn queue(&self) -> Vec<Value> {
        let output = self.command("postqueue", &["-j"]);
        assert!(
            output.status.success(),
            "postqueue -j: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).expect("postqueue -j line"))
            .collect()
    }

    /// Waits (bounded) until the queue is empty.
    async fn wait_for_empty_queue(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let queue = self.queue();
            if queue.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the queue did not empty within 30 s: {queue:?}\nmaillog:\n{}",
                self.maillog()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asks Postfix to try the deferred mail now.
    fn flush(&self) {
        let output = self.command("postqueue", &["-f"]);
        assert!(
            output.status.success(),
            "postqueue -f: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Asks Postfix to try the deferred mail now, again every second (a request that reaches
    /// the queue manager while it still holds the destination as failing is passed over: the
    /// suite under load met that), until mail `id` has `status` (bounded).
    async fn flush_until(&self, id: &str, status: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        let wanted = format!("status={status} ");
        loop {
            self.flush();
            let asked = Instant::now();
            while asked.elapsed() < Duration::from_secs(1) {
                if let Some(line) = self
                    .deliveries(id)
                    .into_iter()
                    .find(|line| line.contains(&wanted))
                {
                    return line;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert!(
                Instant::now() < deadline,
                "no status={status} for {id} within 60 s of flushing; queue {:?}; maillog:\n{}",
                self.queue(),
                self.maillog()
            );
        }
    }

    /// Sends one mail over SMTP; returns the queue id Postfix gave it.
    async fn send(&self, raw: &str) -> String {
        smtp_send(self.port, "jane@customer.test", "support@example.test", raw).await
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let pid = std::fs::read_to_string(self.dir.path().join("queue/pid/master.pid"))
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok());
        let _ = self.command("postfix", &["stop"]);
        // Wait (bounded) for the master to go before the temp dir does.
        if let Some(pid) = pid {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
                // A stopped master that is our child's child stays a zombie: that counts as gone.
                let state =
                    std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                if state.contains(") Z ") {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// A minimal SMTP client: one mail, checking each reply code.
async fn smtp_send(port: u16, from: &str, to: &str, raw: &str) -> String {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to postfix");
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    async fn reply(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: &str) -> String {
        let mut last = String::new();
        loop {
            let mut line = String::new();
            read.read_line(&mut line).await.expect("smtp reply");
            assert!(line.starts_with(code), "expected {code}, got {line:?}");
            // "250-" continues a multi-line reply, "250 " ends it.
            if line.as_bytes().get(3) != Some(&b'-') {
                last.push_str(&line);
                return last;
            }
        }
    }
    reply(&mut read, "220").await;
    for (command, code) in [
        ("EHLO client.customer.test".to_owned(), "250"),
        (format!("MAIL FROM:<{from}>"), "250"),
        (format!("RCPT TO:<{to}>"), "250"),
        ("DATA".to_owned(), "354"),
    ] {
        write
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .expect("write");
        reply(&mut read, code).await;
    }
    // Dot-stuffing: a line starting with "." gets another.
    let mut data = String::with_capacity(raw.len() + 16);
    for line in raw.split("\r\n") {
        if line.starts_with('.') {
            data.push('.');
        }
        data.push_str(line);
        data.push_str("\r\n");
    }
    data.push_str(".\r\n");
    write.write_all(data.as_bytes()).await.expect("write data");
    let queued = reply(&mut read, "250").await;
    write.write_all(b"QUIT\r\n").await.expect("quit");
    reply(&mut read, "221").await;
    // "250 2.0.0 Ok: queued as 0A0E198C3C8"
    queued
        .trim()
        .rsplit(' ')
        .next()
        .filter(|_| queued.contains("queued as"))
        .unwrap_or_else(|| panic!("no queue id in {queued:?}"))
        .to_owned()
}

fn mail(message_id: &str, subject: &str, body: &str) -> String {
    format!(
        "From: Jane Doe <jane@customer.test>\r\nTo: ACME Support <support@example.test>\r\n\
         Subject: {subject}\r\nMessage-ID: <{message_id}>\r\nDate: Fri, 4 Dec 2026 10:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

async fn stored(app: &TestApp) -> i64 {
    app.store.count_messages().await.expect("count")
}

/// An ordinary mail goes through the pipe into the store, once, and leaves the queue.
#[tokio::test]
async fn an_ordinary_mail_is_stored_once_and_leaves_the_queue() {
    let blobs = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn_with(&channel_config(blobs.path())).await;
    let postfix = Postfix::start(&app.url("/hooks/mail"), HeaderFile::Secret(SECRET));
    let id = postfix
        .send(&mail(
            "order-1@customer.test",
            "Where is my order?",
            "Hello,\r\n.I ordered a lamp last week.\r\nJane",
        ))
        .await;
    let line = postfix.wait_for_status(&id, "sent").await;
    assert!(line.contains("relay=switchboard"), "{line}");
    postfix.wait_for_empty_queue().await;
    assert_eq!(stored(&app).await, 1);
    let conversations = app.get_json("/api/v1/conversations").await;
    let items = conversations["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{conversations}");
    assert_eq!(items[0]["channel"], "mail");
    assert_eq!(items[0]["subject"], "Where is my order?");
    // SMTP's dot-stuffing undone on the way: the line starting with "." arrives as written.
    assert_eq!(
        items[0]["last_message"],
        "Hello,\n.I ordered a lamp last week.\nJane"
    );
    assert_eq!(postfix.deliveries(&id).len(), 1, "{}", postfix.maillog());
    drop(postfix);
    app.stop().await;
}

/// While Switchboard is down the mail stays queued (deferred, 75); once it is back on the same
/// address and database, the mail is delivered exactly once.
#[tokio::test]
async fn mail_waits_in_the_queue_while_switchboard_is_down_and_arrives_once() {
    let blobs = tempfile::tempdir().expect("dir");
    let config = channel_config(blobs.path());
    let port = free_port();
    let bind = || async move {
        tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the hook's port")
    };
    let app =
        TestApp::spawn_on_listener(TestDb::new(app_backend()).await, &config, bind().await).await;
    let postfix = Postfix::start(
        &format!("http://127.0.0.1:{port}/hooks/mail"),
        HeaderFile::Secret(SECRET),
    );
    let first = postfix
        .send(&mail("before@customer.test", "Before", "Still up."))
        .await;
    postfix.wait_for_status(&first, "sent").await;
    let db = app.stop_keeping_db().await;

    let id = postfix
        .send(&mail("during@customer.test", "During", "Is anyone there?"))
        .await;
    let line = postfix.wait_for_status(&id, "deferred").await;
    assert!(line.contains("will retry"), "{line}");
    // The queue manager files the mail as deferred just after the delivery agent logs it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let queue = loop {
        let queue = postfix.queue();
        if queue.len() == 1 && queue[0]["queue_name"] == "deferred"
            || std::time::Instant::now() > deadline
        {
            break queue;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["queue_id"], id.as_str());
    assert_eq!(queue[0]["queue_name"], "deferred");

    let app = TestApp::spawn_on_listener(db, &config, bind().await).await;
    postfix.flush_until(&id, "sent").await;
    postfix.wait_for_empty_queue().await;
    assert_eq!(stored(&app).await, 2);
    let sent = postfix
        .deliveries(&id)
        .iter()
        .filter(|line| line.contains("status=sent "))
        .count();
    assert_eq!(sent, 1, "{}", postfix.maillog());
    drop(postfix);
    app.stop().await;
}

/// A mail over the channel's limit is refused for good (413 → 69): bounced at once with the
/// reason, not retried.
#[tokio::test]
async fn a_mail_over_the_channels_limit_is_bounced_at_once() {
    let blobs = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn_with(&channel_config(blobs.path())).await;
    let postfix = Postfix::start(&app.url("/hooks/mail"), HeaderFile::Secret(SECRET));
    let big = "The log you asked for, line after line of it.\r\n".repeat(LIMIT / 40);
    let id = postfix
        .send(&mail("big@customer.test", "The logs", &big))
        .await;
    let line = postfix.wait_for_status(&id, "bounced").await;
    assert!(line.contains("(413)"), "{line}");
    let deliveries = postfix.deliveries(&id);
    assert_eq!(deliveries.len(), 1, "retried: {deliveries:?}");
    assert!(!deliveries[0].contains("status=deferred"), "{deliveries:?}");
    postfix.wait_for_empty_queue().await;
    assert_eq!(stored(&app).await, 0);
    drop(postfix);
    app.stop().await;
}

/// A wrong secret in the header file is refused (401 → 69): bounced, nothing stored.
#[tokio::test]
async fn a_wrong_secret_bounces_and_stores_nothing() {
    let blobs = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn_with(&channel_config(blobs.path())).await;
    let postfix = Postfix::start(
        &app.url("/hooks/mail"),
        HeaderFile::Secret("not-the-channel-secret-000000"),
    );
    let id = postfix
        .send(&mail("secret@customer.test", "Hello", "Anyone?"))
        .await;
    let line = postfix.wait_for_status(&id, "bounced").await;
    assert!(line.contains("(401)"), "{line}");
    postfix.wait_for_empty_queue().await;
    assert_eq!(stored(&app).await, 0);
    drop(postfix);
    app.stop().await;
}

/// A header file the pipe's user cannot read is the script's own setup error (75): the mail
/// stays queued (deferred) until an operator fixes it, and nothing reaches Switchboard.
#[tokio::test]
async fn an_unreadable_header_file_keeps_the_mail_queued() {
    let blobs = tempfile::tempdir().expect("dir");
    let app = TestApp::spawn_with(&channel_config(blobs.path())).await;
    let postfix = Postfix::start(&app.url("/hooks/mail"), HeaderFile::Unreadable);
    let id = postfix
        .send(&mail("setup@customer.test", "Hello", "Anyone?"))
        .await;
    let line = postfix.wait_for_status(&id, "deferred").await;
    assert!(
        line.contains("cannot read the header file") && line.contains("nobody"),
        "{line}"
    );
    let queue = postfix.queue();
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["queue_id"], id.as_str());
    assert_eq!(stored(&app).await, 0);
    // And it is retried, not given up: a second attempt is deferred too.
    postfix.flush();
    let deadline = Instant::now() + Duration::from_secs(30);
    while postfix.deliveries(&id).len() < 2 {
        assert!(Instant::now() < deadline, "no retry: {}", postfix.maillog());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        postfix
            .deliveries(&id)
            .iter()
            .all(|line| line.contains("status=deferred ")),
        "{}",
        postfix.maillog()
    );
    assert_eq!(stored(&app).await, 0);
    drop(postfix);
    app.stop().await;
}
