//! `[redaction]`: which personal numbers are replaced by `[redacted]` before a message is
//! stored. Everything is off by default.

use serde::{Deserialize, Serialize};

/// `[redaction]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RedactionConfig {
    /// Payment card numbers (13–19 digits, Luhn-checked).
    pub cards: bool,
    /// IBANs (mod-97-checked).
    pub iban: bool,
    /// Czech and Slovak birth numbers (rodné číslo: a real date and the mod-11 check).
    pub birth_numbers: bool,
    /// Regular expressions (Rust `regex` syntax); every match is redacted.
    pub patterns: Vec<String>,
}

impl RedactionConfig {
    /// Compiles the patterns.
    ///
    /// # Errors
    /// `redaction.patterns[i]: what is wrong`.
    pub fn validate(&self) -> Result<(), String> {
        super::Redactor::new(self).map(|_| ())
    }
}
