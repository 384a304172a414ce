//! Real mail servers for the email tests, each in its own temp dir on a free loopback port:
//! Dovecot for IMAP (mail is delivered into the mailbox with `doveadm save`, as an MTA's LDA
//! would) and aiosmtpd as the SMTP server whose received mail the tests read back.
//! `scripts/test` installs both.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const MAILBOX_USER: &str = "support@example.test";
pub const MAILBOX_PASSWORD: &str = "imap-secret";

/// The uid/gid Dovecot runs mail processes as (Debian's `nobody`/`nogroup`).
const MAIL_UID: u32 = 65534;

/// A port nobody listens on now (the server binds it right after).
pub(crate) fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Waits (bounded) until something accepts connections on `port`.
async fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {port} within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn require(program: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        found,
        "{program} is not installed: run scripts/test (it installs the mail test peers)"
    );
}

/// A self-signed certificate for `localhost` and `127.0.0.1` (trusted by the channel through
/// `tls_ca_file`).
pub struct TestCert {
    pub cert: PathBuf,
    pub key: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestCert {
    pub fn generate() -> Self {
        require("openssl");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let output = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
            ])
            .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl");
        assert!(
            output.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Self {
            cert,
            key,
            _dir: dir,
        }
    }
}

/// A Dovecot IMAP server with one mailbox.
pub struct Dovecot {
    pub port: u16,
    /// The implicit-TLS port, when started with a certificate.
    pub tls_port: Option<u16>,
    dir: tempfile::TempDir,
    child: Child,
}

impl Dovecot {
    /// Plain IMAP only.
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    /// IMAP with STARTTLS on `port` and implicit TLS on `tls_port`, when `tls` is given.
    pub async fn start_with(tls: Option<&TestCert>) -> Self {
        Self::launch(tls, None).await
    }

    /// Plain IMAP that also accepts XOAUTH2 and OAUTHBEARER, checking each access token
    /// with the RFC 7662 endpoint `introspection_url` (Dovecot's oauth2 passdb).
    pub async fn start_oauth(introspection_url: &str) -> Self {
        Self::launch(None, Some(introspection_url)).await
    }

    async fn launch(tls: Option<&TestCert>, introspection_url: Option<&str>) -> Self {
        require("dovecot");
        let dir = tempfile::tempdir().expect("temp dir");
        // Mail processes run as nobody: they must reach the mail directory.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let root = dir.path();
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(root.join(sub)).expect("mkdir");
        }
        std::os::unix::fs::chown(root.join("mail"), Some(MAIL_UID), Some(MAIL_UID))
            .expect("chown mail dir");
        std::fs::write(
            root.join("users"),
            format!("{MAILBOX_USER}:{{PLAIN}}{MAILBOX_PASSWORD}\n"),
        )
        .expect("users");
        let port = free_port();
        let tls_port = tls.map(|_| free_port());
        let d = root.display();
        let ssl = match tls {
            Some(cert) => format!(
                "ssl = yes\nssl_cert = <{}\nssl_key = <{}\n",
                cert.cert.display(),
                cert.key.display()
            ),
            None => "ssl = no\n".to_owned(),
        };
        // The oauth2 passdb (in dovecot-core since 2.2.28) asks the introspection endpoint
        // about each token, and checks that its `username` is the user the client named.
        let (mechanisms, oauth_passdb) = match introspection_url {
            Some(url) => {
                std::fs::write(
                    root.join("dovecot-oauth2.conf.ext"),
                    format!(
                        "introspection_mode = post\nintrospection_url = {url}\n\
                         force_introspection = yes\nusername_attribute = username\n\
                         active_attribute = active\nactive_value = true\n"
                    ),
                )
                .expect("oauth2 config");
                (
                    "plain login xoauth2 oauthbearer",
                    format!(
                        "passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  \
                         args = {d}/dovecot-oauth2.conf.ext\n}}\n"
                    ),
                )
            }
            None => ("plain login", String::new()),
        };
        let config = format!(
            "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\n\
             protocols = imap\nlisten = 127.0.0.1\n{ssl}disable_plaintext_auth = no\n\
             auth_mechanisms = {mechanisms}\nmail_location = maildir:{d}/mail/%u\nfirst_valid_uid = 1\n\
             {oauth_passdb}passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/users\n}}\n\
             userdb {{\n  driver = static\n  args = uid={MAIL_UID} gid={MAIL_UID} home={d}/mail/%u\n}}\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
               inet_listener imaps {{\n    address = 127.0.0.1\n    port = {}\n    ssl = yes\n  }}\n}}\n\
             service anvil {{\n  chroot =\n}}\n",
            tls_port.unwrap_or(0)
        );
        std::fs::write(root.join("dovecot.conf"), config).expect("config");
        let mut child = Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dovecot");
        wait_for_port(port, "dovecot", &mut child).await;
        if let Some(tls_port) = tls_port {
            wait_for_port(tls_port, "dovecot (imaps)", &mut child).await;
        }
        Self {
            port,
            tls_port,
            dir,
            child,
        }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("dovecot.conf")
    }

    /// How many IMAP sessions the mailbox's user has open now, as Dovecot counts them
    /// (`doveadm who`).
    pub fn imap_sessions(&self) -> usize {
        let output = Command::new("doveadm")
            .arg("-c")
            .arg(self.config())
            .args(["who", "-1", MAILBOX_USER])
            .output()
            .expect("doveadm who");
        assert!(
            output.status.success(),
            "doveadm who failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| line.starts_with(MAILBOX_USER) && line.contains("imap"))
            .count()
    }

    /// Delivers a raw mail into the INBOX, as the MTA's local delivery would.
    pub fn deliver(&self, raw: &str) {
        let mut save = Command::new("doveadm")
            .arg("-c")
            .arg(self.config())
            .args(["save", "-u", MAILBOX_USER, "-m", "INBOX"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("doveadm save");
        {
            use std::io::Write;
            let mut stdin = save.stdin.take().expect("stdin");
            stdin
                .write_all(
                    raw.replace('\n', "\r\n")
                        .replace("\r\r\n", "\r\n")
                        .as_bytes(),
                )
                .expect("write mail");
        }
        let output = save.wait_with_output().expect("doveadm save");
        assert!(
            output.status.success(),
            "doveadm save failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its children; then reap it.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// An SMTP server (aiosmtpd) that files every mail it receives into a Maildir.
pub struct SmtpSink {
    pub port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
    child: Child,
}

/// How the SMTP sink protects connections.
pub enum SinkTls<'a> {
    None,
    Starttls(&'a TestCert),
    Implicit(&'a TestCert),
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_with(SinkTls::None).await
    }

    pub async fn start_with(tls: SinkTls<'_>) -> Self {
        require("python3");
        let probe = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|status| status.success());
        assert!(
            probe,
            "aiosmtpd is not installed: run scripts/test (pip install aiosmtpd)"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let maildir = dir.path().join("sink");
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(maildir.join(sub)).expect("mkdir");
        }
        let port = free_port();
        let mut command = Command::new("python3");
        command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"));
        match tls {
            SinkTls::None => {}
            SinkTls::Starttls(cert) => {
                command
                    .arg("--tlscert")
                    .arg(&cert.cert)
                    .arg("--tlskey")
                    .arg(&cert.key);
            }
            SinkTls::Implicit(cert) => {
                command
                    .arg("--smtpscert")
                    .arg(&cert.cert)
                    .arg("--smtpskey")
                    .arg(&cert.key);
            }
        }
        let mut child = command
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        wait_for_port(port, "aiosmtpd", &mut child).await;
        Self {
            port,
            maildir,
            _dir: dir,
            child,
        }
    }

    /// Every mail received so far, raw, oldest first.
    pub fn received(&self) -> Vec<String> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> =
            std::fs::read_dir(self.maildir.join("new"))
                .expect("read sink")
                .filter_map(Result::ok)
                .map(|entry| {
                    let modified = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .unwrap_or(std::time::UNIX_EPOCH);
                    (modified, entry.path())
                })
                .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| std::fs::read_to_string(&path).expect("read mail"))
            .collect()
    }

    /// Waits (bounded) until `count` mails have arrived and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "{count} mails expected, {} arrived",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The unfolded value of header `name` in a raw mail.
pub fn header(raw: &str, name: &str) -> Option<String> {
    let unfolded = raw
        .replace("\r\n", "\n")
        .replace("\n ", " ")
        .replace("\n\t", " ");
    let head = unfolded.split("\n\n").next().unwrap_or_default().to_owned();
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}
