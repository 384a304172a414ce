//! The limits every render runs under: minijinja fuel (work, and the bytes of every string made
//! or printed), a cap on the output enforced while it is written, and for template text users
//! write, a bounded pool off the async workers with a deadline.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::settings::TemplatesConfig;

/// Which limit a render hit, with its configured value; the message names the config key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `[templates] fuel`.
    Fuel(u64),
    /// `[templates] max_output_bytes`.
    Output(usize),
    /// `[templates] render_timeout_ms`.
    Time(u64),
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Fuel(fuel) => write!(f, "template exceeds the execution limit (fuel {fuel})"),
            Limit::Output(bytes) => write!(
                f,
                "template output exceeds the size limit (max_output_bytes {bytes})"
            ),
            Limit::Time(ms) => write!(
                f,
                "template rendering exceeds the time limit (render_timeout_ms {ms})"
            ),
        }
    }
}

/// The configured limits and the pool that renders user-written text.
#[derive(Debug, Clone)]
pub(super) struct Limits {
    pub fuel: u64,
    pub max_output_bytes: usize,
    pub timeout: Duration,
    pub concurrency: usize,
    /// One permit per render allowed to run at once off the async workers.
    pub permits: Arc<Semaphore>,
}

impl Limits {
    pub fn new(config: &TemplatesConfig) -> Self {
        // Config validation refuses zeros; the floors keep a hand-built config usable.
        let concurrency = config.max_concurrent_renders.max(1);
        Self {
            fuel: config.fuel.max(1),
            max_output_bytes: config.max_output_bytes.max(1),
            timeout: Duration::from_millis(config.render_timeout_ms.max(1)),
            concurrency,
            permits: Arc::new(Semaphore::new(concurrency)),
        }
    }

    pub fn time_limit(&self) -> Limit {
        Limit::Time(u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX))
    }
}

/// Rendered text collected up to a cap: a write that would pass it fails, which makes
/// minijinja stop rendering at once instead of building the whole output first.
pub(super) struct CappedOutput {
    bytes: Vec<u8>,
    cap: usize,
    exceeded: bool,
}

impl CappedOutput {
    pub fn new(cap: usize) -> Self {
        Self {
            bytes: Vec::new(),
            cap,
            exceeded: false,
        }
    }

    /// True when a write was refused for passing the cap.
    pub fn exceeded(&self) -> bool {
        self.exceeded
    }

    /// The text written. Writes are whole `str`s (or refused whole), so it is UTF-8.
    pub fn into_string(self) -> String {
        String::from_utf8(self.bytes)
            .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
    }
}

impl std::io::Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len().saturating_add(buf.len()) > self.cap {
            self.exceeded = true;
            return Err(std::io::Error::other("template output cap reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn output_past_the_cap_is_refused_whole() {
        let mut out = CappedOutput::new(5);
        out.write_all(b"abc").expect("fits");
        assert!(out.write_all(b"def").is_err());
        assert!(out.exceeded());
        assert_eq!(out.into_string(), "abc");
    }

    #[test]
    fn limits_name_their_config_key() {
        assert_eq!(
            Limit::Fuel(50_000).to_string(),
            "template exceeds the execution limit (fuel 50000)"
        );
        assert!(
            Limit::Output(10)
                .to_string()
                .contains("max_output_bytes 10")
        );
        assert!(Limit::Time(5).to_string().contains("render_timeout_ms 5"));
    }
}
