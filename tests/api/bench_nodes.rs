//! `switchboard bench ingest --nodes N`: several service processes on one PostgreSQL database,
//! started, loaded round-robin and stopped by the benchmark; refused on SQLite.

use std::process::Command;

use crate::helpers::postgres_server;

fn bench_ingest(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("dir");
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["bench", "ingest"])
        .args(args)
        .current_dir(dir.path())
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .output()
        .expect("run switchboard bench ingest")
}

#[test]
fn several_nodes_need_postgresql() {
    let refused = bench_ingest(&["--nodes", "2", "--messages", "10"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--nodes 2: several nodes need PostgreSQL"),
        "{stderr}"
    );
}

#[test]
fn two_nodes_share_the_load_and_stop_cleanly() {
    let Some(server) = postgres_server() else {
        return;
    };
    let ran = bench_ingest(&[
        "--nodes",
        "2",
        "--database-url",
        &server,
        "--messages",
        "400",
        "--contacts",
        "40",
        "--connections",
        "8",
        "--paced-rate",
        "100",
        "--paced-seconds",
        "1",
    ]);
    let stdout = String::from_utf8_lossy(&ran.stdout);
    let stderr = String::from_utf8_lossy(&ran.stderr);
    // The benchmark fails when a node stops badly or a message is lost.
    assert!(ran.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("2 node(s) as `switchboard serve` processes"),
        "{stdout}"
    );
    assert!(
        stdout.contains("committed: 400 of 400 acknowledged (0 failed requests)"),
        "{stdout}"
    );
}

/// `switchboard bench widget`: one `serve` node, visitors holding streams, messages timed
/// to their own stream; small enough for the debug build.
#[test]
fn widget_bench_reports_memory_per_connection_and_p99() {
    let dir = tempfile::tempdir().expect("dir");
    let ran = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "bench",
            "widget",
            "--connections",
            "20",
            "--rate",
            "20",
            "--seconds",
            "1",
        ])
        .current_dir(dir.path())
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .output()
        .expect("run switchboard bench widget");
    let stdout = String::from_utf8_lossy(&ran.stdout);
    let stderr = String::from_utf8_lossy(&ran.stderr);
    // The benchmark fails when a message is lost or the node stops badly.
    assert!(ran.status.success(), "{stdout}\n{stderr}");
    let line = |prefix: &str| {
        stdout
            .lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix:?} in:\n{stdout}"))
            .to_owned()
    };
    let number_before = |line: &str, marker: &str| -> f64 {
        let head = line.split(marker).next().expect("split").trim_end();
        let word = head.rsplit(' ').next().expect("word");
        word.parse()
            .unwrap_or_else(|_| panic!("no number before {marker:?} in {line:?}"))
    };
    let memory = line("idle connections: 20,");
    number_before(&memory, " KiB per connection");
    assert!(memory.contains("(target ≤ 20 KB: "), "{memory}");
    let latency = line("latency POST -> own stream: ");
    assert!(number_before(&latency, " ms, max") > 0.0, "{latency}");
    assert!(latency.contains("p99 "), "{latency}");
    assert!(line("messages: ").contains(" 0 errors"), "{stdout}");
}
