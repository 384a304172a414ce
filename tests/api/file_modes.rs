//! Files holding customer data and secrets: the real binary creates its SQLite database (and
//! so its WAL and shared-memory files) and the email attachment store for its user only, and
//! warns at start-up about an existing database other users can read.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::helpers::ServedBinary;

const MAIL_SECRET: &str = "mail-channel-secret-0123456789";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Polls `condition` until it holds, failing after a generous bound.
fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// A config with an email channel that receives through its hook only (nothing is sent), its
/// attachments in the default `switchboard-blobs` under the working directory.
fn write_mail_config(dir: &Path) {
    std::fs::write(
        dir.join("switchboard.toml"),
        format!(
            "[[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"support@example.test\"\n\
             display_name = \"Support\"\ndomain = \"example.test\"\nsecret = {MAIL_SECRET:?}\n\
             smtp_host = \"127.0.0.1\"\nsmtp_tls = \"none\"\n"
        ),
    )
    .expect("config");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_creates_its_database_and_attachments_for_its_user_only() {
    let dir = tempfile::tempdir().expect("dir");
    write_mail_config(dir.path());
    let db = dir.path().join("switchboard.db");
    let ServedBinary {
        mut child, base, ..
    } = ServedBinary::start(dir.path(), &format!("sqlite://{}", db.display()));

    let raw = "From: Jane <jane@customer.test>\r\nTo: support@example.test\r\n\
               Subject: Invoice\r\nMessage-ID: <modes-1@customer.test>\r\nMIME-Version: 1.0\r\n\
               Content-Type: multipart/mixed; boundary=\"X\"\r\n\r\n\
               --X\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n\
               --X\r\nContent-Type: application/pdf; name=invoice.pdf\r\n\
               Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--X--\r\n";
    let posted = reqwest::Client::new()
        .post(format!("{base}/hooks/mail"))
        .bearer_auth(MAIL_SECRET)
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .expect("request");
    let status = posted.status();
    let body = posted.text().await.expect("body");

    let wal = dir.path().join("switchboard.db-wal");
    let shm = dir.path().join("switchboard.db-shm");
    let blobs = dir.path().join("switchboard-blobs");
    // The write above went through the WAL; SQLite keeps both files while connections are open.
    wait_for("the WAL and shared-memory files", || {
        wal.exists() && shm.exists()
    });
    let modes = [mode(&db), mode(&wal), mode(&shm)];
    let blob_dir_mode = blobs.exists().then(|| mode(&blobs));
    let stored: Vec<(PathBuf, u32)> = if blobs.exists() {
        files_under(&blobs)
            .into_iter()
            .map(|path| {
                let mode = mode(&path);
                (path, mode)
            })
            .collect()
    } else {
        Vec::new()
    };
    child.kill().expect("kill");
    child.wait().expect("reap");

    assert!(status.is_success(), "{status}: {body}");
    assert_eq!(modes, [0o600; 3], "database, -wal and -shm are private");
    assert_eq!(
        blob_dir_mode,
        Some(0o700),
        "the attachment directory is private"
    );
    assert_eq!(stored.len(), 1, "one attachment stored: {stored:?}");
    assert_eq!(stored[0].1, 0o600, "{}", stored[0].0.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_other_users_can_read_is_named_in_a_warning_at_start_up() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("switchboard.toml"), "").expect("config");
    let db = dir.path().join("switchboard.db");
    std::fs::write(&db, b"").expect("an empty database file, as an older version left it");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let log = dir.path().join("stderr.log");
    let served = ServedBinary::start_with_stderr(
        dir.path(),
        &format!("sqlite://{}", db.display()),
        std::fs::File::create(&log).expect("log").into(),
    );
    let mut child = served.child;
    // The check runs before the database is opened, so it is logged once the binary listens.
    let logged = std::fs::read_to_string(&log).expect("read log");
    child.kill().expect("kill");
    child.wait().expect("reap");

    let expected = format!("chmod 600 {}", db.display());
    let warnings: Vec<&str> = logged
        .lines()
        .filter(|line| line.contains(&expected))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning naming the fix:\n{logged}");
    assert!(warnings[0].contains("0644"), "{}", warnings[0]);
    assert_eq!(
        mode(&db),
        0o644,
        "the operator's file is not changed behind their back"
    );
}
