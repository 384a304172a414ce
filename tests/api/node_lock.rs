//! One `switchboard serve` per SQLite file: a second one on the same file refuses to start and
//! says to use PostgreSQL; the lock dies with its process (kill -9 included); the admin
//! commands keep working beside a running server. Runs the real binary.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::helpers::ServedBinary;

/// A started binary that is killed when the test ends, also when it fails halfway: a server
/// left running would keep the test harness's output pipe open.
pub(crate) struct KillOnDrop(pub std::process::Child);

impl KillOnDrop {
    /// kill -9, as a crash or an impatient operator would.
    pub(crate) fn kill(&mut self) {
        self.0.kill().expect("kill -9");
        self.0.wait().expect("wait");
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Already gone after `kill`; nothing to do about an error either way.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `switchboard serve` on `database_url` and returns how it ended, with its stderr.
/// Panics (after killing it) if it starts listening instead.
fn serve_expecting_refusal(dir: &Path, database_url: &str) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir)
        .env("SWITCHBOARD_DATABASE_URL", database_url)
        .env("SWITCHBOARD_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start switchboard");
    // Its stdout ends when it exits; a line saying it listens means the lock did not hold.
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    for line in stdout.lines() {
        let line = line.expect("read");
        if line.starts_with("listening on ") {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a second serve on the same SQLite file started: {line}");
        }
    }
    let output = child.wait_with_output().expect("wait");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_serve_on_the_same_sqlite_file_refuses_until_the_first_dies() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("switchboard.db");
    let url = format!("sqlite://{}", db.display());
    let mut first = KillOnDrop(ServedBinary::start(dir.path(), &url).child);

    let (status, stderr) = serve_expecting_refusal(dir.path(), &url);
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains(&db.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("already served by another `switchboard serve`"),
        "{stderr}"
    );
    assert!(stderr.contains("use PostgreSQL"), "{stderr}");
    assert!(
        stderr.contains(&format!("(process {})", first.0.id())),
        "names the holder: {stderr}"
    );

    // The same file through a bare path is the same database.
    let (status, stderr) = serve_expecting_refusal(dir.path(), "switchboard.db");
    assert!(!status.success(), "{stderr}");

    // kill -9: no clean-up runs, the operating system alone frees the lock.
    first.kill();
    assert!(
        dir.path().join("switchboard.db.lock").exists(),
        "the stale lock file stays behind"
    );
    let ServedBinary { child, base, .. } = ServedBinary::start(dir.path(), &url);
    let _second = KillOnDrop(child);
    let health = reqwest::get(format!("{base}/healthz"))
        .await
        .expect("request");
    assert_eq!(health.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_work_on_the_file_of_a_running_server() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("switchboard.db").display());
    let ServedBinary { child, base, .. } = ServedBinary::start(dir.path(), &url);
    let _server = KillOnDrop(child);

    let created = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["token", "create", "--role", "admin", "--agent", "1"])
        .current_dir(dir.path())
        .env("SWITCHBOARD_DATABASE_URL", &url)
        .env_remove("SWITCHBOARD_CONFIG")
        .output()
        .expect("run switchboard token create");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let token = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    assert!(token.starts_with("sb_"), "{token:?}");

    // The running server sees the new token at once.
    let listed = reqwest::Client::new()
        .get(format!("{base}/api/v1/conversations"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(listed.status(), 200);

    // In-memory databases are per process: nothing to lock, two may run side by side.
    let _first = KillOnDrop(ServedBinary::start(dir.path(), "sqlite::memory:").child);
    let _second = KillOnDrop(ServedBinary::start(dir.path(), "sqlite::memory:").child);
}
