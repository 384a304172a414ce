//! The README's five-minute tour, run as written: every fenced block whose info string is
//! `sh tour`, in order, in one bash session, with the built `switchboard` first on `PATH`, in
//! an empty directory. A README that drifts from the product fails this test.
//!
//! The only change made to the text is the listen address: the tour sets it once
//! (`export SWITCHBOARD_SERVER__BIND=127.0.0.1:8080`) and this test puts a free port there,
//! so the tour never depends on port 8080 being free.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The README, read at compile time (a change to it rebuilds this test).
const README: &str = include_str!("../../README.md");
/// The info string that marks a block as part of the tour.
const TOUR_FENCE: &str = "```sh tour";
/// The one line that sets the address; the test swaps its value for a free port.
const BIND_LINE: &str = "export SWITCHBOARD_SERVER__BIND=127.0.0.1:8080";
/// How long the whole tour may take (compiling is done; the tour itself takes seconds).
const TOUR_TIMEOUT: Duration = Duration::from_secs(180);

/// The tour's blocks, in order of appearance.
fn tour_blocks(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in readme.lines() {
        match &mut current {
            None if line.trim_end() == TOUR_FENCE => current = Some(Vec::new()),
            None => {}
            Some(lines) if line.trim_end() == "```" => {
                blocks.push(lines.join("\n"));
                current = None;
            }
            Some(lines) => lines.push(line),
        }
    }
    assert!(
        current.is_none(),
        "a `sh tour` block in README.md is not closed"
    );
    blocks
}

/// A port nothing listens on right now (the server binds it a moment later).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// The tour as one bash script: stops at the first failing command (`-e`), on a failure
/// inside a pipeline (`pipefail`) and on a variable the README uses but never sets (`-u`);
/// a marker before each block says which one failed; background jobs (the server) are
/// stopped when the script ends, however it ends. Standard error joins standard output, so
/// the report shows both in order and one pipe is read.
fn script(blocks: &[String], bind: &str) -> String {
    let mut script = String::from(
        "exec 2>&1\n\
         set -euo pipefail\n\
         trap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT\n",
    );
    for (index, block) in blocks.iter().enumerate() {
        script.push_str(&format!("echo '::tour block {}'\n", index + 1));
        script.push_str(&block.replace(
            BIND_LINE,
            &format!("export SWITCHBOARD_SERVER__BIND={bind}"),
        ));
        script.push('\n');
    }
    script.push_str("echo '::tour done'\n");
    script
}

/// Kills the tour's whole process group (bash, the server, any curl) when dropped, unless
/// disarmed after a clean finish, so a failed or timed-out tour never leaves a server running.
struct ProcessGroup(Option<u32>);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if let Some(group) = self.0 {
            // Members may have ended already; whatever is left goes.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[test]
fn the_readme_marks_a_tour_that_sets_its_address_once() {
    let blocks = tour_blocks(README);
    assert!(
        blocks.len() >= 4,
        "README.md has {} `sh tour` blocks",
        blocks.len()
    );
    let tour = blocks.join("\n");
    assert_eq!(
        tour.matches(BIND_LINE).count(),
        1,
        "the tour must set its address exactly once, with `{BIND_LINE}`"
    );
    assert_eq!(
        tour.matches("8080").count(),
        1,
        "every other mention of the address must go through $SWITCHBOARD_SERVER__BIND"
    );
}

#[test]
fn the_readme_tour_runs_as_written() {
    let blocks = tour_blocks(README);
    let dir = tempfile::tempdir().expect("dir");
    let bind = format!("127.0.0.1:{}", free_port());
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_switchboard"));
    let path = std::env::join_paths(
        std::iter::once(binary.parent().expect("bin dir").to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ),
    )
    .expect("PATH");

    // A clean environment, as a new user's shell: no SWITCHBOARD_* or RUST_LOG from the test
    // run, and HOME in the temporary directory so no ~/.curlrc changes what curl does.
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(script(&blocks, &bind))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir.path())
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start bash");
    let mut group = ProcessGroup(Some(child.id()));

    let mut stdout = child.stdout.take().expect("stdout");
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = String::new();
        // To the end (the server writes to its own log, not here), then reap the child.
        let read = stdout.read_to_string(&mut out);
        let status = child.wait();
        // The receiver is gone only when the test already failed on its timeout.
        let _ = done.send((read, status, out));
    });
    let Ok((read, status, out)) = finished.recv_timeout(TOUR_TIMEOUT) else {
        panic!("the README tour did not finish within {TOUR_TIMEOUT:?}");
    };
    read.expect("read the tour's output");
    let status = status.expect("wait for bash");
    let log = std::fs::read_to_string(dir.path().join("switchboard-tour/switchboard.log"))
        .unwrap_or_default();
    let report = format!("output:\n{out}\nserver log:\n{log}");
    assert!(
        status.success() && out.contains("::tour done"),
        "the README tour failed ({status}) in the last block started:\n{report}"
    );
    group.0 = None;
    for block in 1..=blocks.len() {
        assert!(out.contains(&format!("::tour block {block}\n")), "{report}");
    }

    // What the README says the reader will see.
    assert!(
        out.contains("ready"),
        "the server answered /readyz\n{report}"
    );
    assert!(
        out.contains("admin@localhost"),
        "the first run's sign-in is shown\n{report}"
    );
    assert!(
        out.contains(r#""accepted":1"#),
        "the signed webhook was accepted\n{report}"
    );
    assert!(
        out.contains("Where is my order?"),
        "the customer's message shows up in the conversation\n{report}"
    );
    assert!(
        out.contains(r#""text":"It ships today.""#) && out.contains(r#""author_type":"agent""#),
        "the reply is queued, written by the admin the token acts as\n{report}"
    );
    assert!(
        out.contains(r#""delivery_status":"queued""#),
        "the thread shows the reply's delivery state\n{report}"
    );
}
