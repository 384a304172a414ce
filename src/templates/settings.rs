//! `[templates]`: where templates come from and the limits every render runs under.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[templates]`: message templates (see `crate::templates`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TemplatesConfig {
    /// A folder of `*.j2` files that add templates or replace built-in ones of the same file
    /// name. Without it, the built-in templates are used.
    pub dir: Option<PathBuf>,
    /// The locale of files without a locale suffix (`ack.j2`), used for contacts whose
    /// language is unknown.
    pub default_locale: String,
    /// Work one render may do (minijinja fuel: an instruction costs 1, 64 bytes of data made
    /// or printed cost 1), so a loop or a huge string stops early with an error.
    pub fuel: u64,
    /// The most text one render may print.
    pub max_output_bytes: usize,
    /// How long an API request or test send waits for one render of user-written template
    /// text before answering that it took too long.
    pub render_timeout_ms: u64,
    /// Renders of user-written template text running at once, off the async workers; the
    /// others wait (within `render_timeout_ms`). Bounds the CPU and memory they can take.
    pub max_concurrent_renders: usize,
}

impl Default for TemplatesConfig {
    fn default() -> Self {
        Self {
            dir: None,
            default_locale: "en".into(),
            fuel: 100_000,
            max_output_bytes: 1024 * 1024,
            render_timeout_ms: 2000,
            max_concurrent_renders: 2,
        }
    }
}

impl TemplatesConfig {
    /// Checks the keys; the message names the one that is wrong. The folder's templates
    /// themselves are checked when they load, at start-up.
    ///
    /// # Errors
    /// `templates.<key>: <problem>`.
    pub fn validate(&self) -> Result<(), String> {
        if super::normalize_locale(&self.default_locale).is_none() {
            return Err("templates.default_locale: must be a locale like `en` or `pt-br`".into());
        }
        let positive = [
            ("fuel", self.fuel == 0),
            ("max_output_bytes", self.max_output_bytes == 0),
            ("render_timeout_ms", self.render_timeout_ms == 0),
            ("max_concurrent_renders", self.max_concurrent_renders == 0),
        ];
        match positive.iter().find(|(_, zero)| *zero) {
            Some((key, _)) => Err(format!("templates.{key}: must be above 0")),
            None => Ok(()),
        }
    }
}
