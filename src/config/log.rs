//! `[log]`: what is logged and how lines look. Read by the command line when it starts
//! tracing, before anything else runs.

use serde::{Deserialize, Serialize};

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter, e.g. `info` or `switchboard=debug,sqlx=warn`.
    pub level: String,
    /// `text` for people, `json` for log shippers.
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info,sqlx=warn".into(),
            format: LogFormat::Text,
        }
    }
}

/// The levels a filter may name, quietest first.
const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

impl LogConfig {
    /// Checks that `level` is a level or comma-separated `target=level` directives. A bare
    /// word that is no level would be read by tracing as a target name and silence
    /// everything else, so it is refused rather than accepted.
    ///
    /// # Errors
    /// `log.level: <problem>`, listing the levels.
    pub fn validate(&self) -> Result<(), String> {
        let refuse = |what: &str| {
            Err(format!(
                "log.level: {what} (expected one of {} or directives like \
                 `info,switchboard=debug,sqlx=warn`)",
                LEVELS.join(", ")
            ))
        };
        let is_level = |word: &str| LEVELS.iter().any(|level| level.eq_ignore_ascii_case(word));
        let directives: Vec<&str> = self
            .level
            .split(',')
            .map(str::trim)
            .filter(|directive| !directive.is_empty())
            .collect();
        if directives.is_empty() {
            return refuse("must not be empty");
        }
        for directive in directives {
            let level = directive
                .rsplit_once('=')
                .map_or(directive, |(_, level)| level)
                .trim();
            if !is_level(level) {
                return refuse(&format!("{directive:?} does not end in a level"));
            }
            if let Err(err) = directive.parse::<tracing_subscriber::filter::Directive>() {
                return refuse(&format!("{directive:?}: {err}"));
            }
        }
        Ok(())
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}
