//! What the widget benchmark asks of the operating system: enough file descriptors for its
//! connections (and a clear error naming the limit when there are not), and the server's
//! resident memory from `/proc/<pid>/status`.

use std::time::{Duration, Instant};

use anyhow::Context;

use super::SPARE_FDS;

/// RSS readings are this far apart while waiting for the server to settle.
const RSS_INTERVAL: Duration = Duration::from_secs(1);
/// Longest the wait for a stable RSS may take.
pub(super) const RSS_TIMEOUT: Duration = Duration::from_secs(30);

/// An error opening a connection, saying what to do when the cause is the fd limit.
pub(super) fn connect_error(err: reqwest::Error, what: &str, index: usize) -> anyhow::Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            match io.raw_os_error() {
                Some(24) => {
                    return anyhow::anyhow!(
                        "{what} {index}: out of file descriptors (EMFILE) in the benchmark's process; \
                         raise the limit with `ulimit -n` (e.g. `ulimit -n 20000`; above the hard limit \
                         through /etc/security/limits.conf or systemd's LimitNOFILE) or use fewer --connections"
                    );
                }
                Some(99) => {
                    return anyhow::anyhow!(
                        "{what} {index}: no local port left (EADDRNOTAVAIL); widen \
                         net.ipv4.ip_local_port_range or use fewer --connections"
                    );
                }
                _ => {}
            }
        }
        source = current.source();
    }
    anyhow::Error::new(err).context(format!("{what} {index}"))
}

/// Refuses to start when this process (and so the node, its child) may not open a file
/// descriptor per connection.
pub(super) fn check_fd_limit(connections: usize) -> anyhow::Result<()> {
    let Ok(limits) = std::fs::read_to_string("/proc/self/limits") else {
        return Ok(()); // not Linux: the connections will say so if the limit is too low
    };
    let soft = limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|soft| soft.parse::<usize>().ok());
    if let Some(soft) = soft {
        let needed = connections + SPARE_FDS;
        anyhow::ensure!(
            soft >= needed,
            "--connections {connections} needs about {needed} file descriptors in the benchmark and in \
             the server (each a process of its own), but the limit is {soft}: raise it with \
             `ulimit -n {needed}` in this shell (above the hard limit through \
             /etc/security/limits.conf or systemd's LimitNOFILE) or use fewer --connections"
        );
    }
    Ok(())
}

/// A server RSS reading and whether it had settled.
pub(super) struct Rss {
    pub kib: u64,
    pub settled: bool,
}

/// The node's RSS once two readings a second apart are within 1 % of each other, or the last
/// reading after [`RSS_TIMEOUT`].
pub(super) async fn settled_rss(pid: u32) -> anyhow::Result<Rss> {
    let pid = pid.to_string();
    let deadline = Instant::now() + RSS_TIMEOUT;
    let mut last = rss_kib(&pid)?;
    loop {
        tokio::time::sleep(RSS_INTERVAL).await;
        let now = rss_kib(&pid)?;
        if now.abs_diff(last) as f64 <= last as f64 * 0.01 {
            return Ok(Rss {
                kib: now,
                settled: true,
            });
        }
        if Instant::now() >= deadline {
            return Ok(Rss {
                kib: now,
                settled: false,
            });
        }
        last = now;
    }
}

/// `VmRSS` of process `pid` (or `self`), in KiB.
pub(super) fn rss_kib(pid: &str) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status =
        std::fs::read_to_string(&path).with_context(|| format!("reading {path} (Linux only)"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .with_context(|| format!("{path} has no VmRSS"))
}
