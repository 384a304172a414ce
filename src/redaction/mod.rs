//! Redaction: replacing personal data in message text by `[redacted]`. Automatic rules
//! (`[redaction]`) run on inbound messages before they are stored; agents redact stored
//! messages through `POST /api/v1/messages/{id}/redact` (the SQL is `store`'s).

pub mod detectors;
pub mod settings;

use std::ops::Range;

use regex::Regex;
pub use settings::RedactionConfig;

/// What replaces redacted text.
pub const MARK: &str = "[redacted]";

/// The automatic redaction rules, compiled.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    cards: bool,
    iban: bool,
    birth_numbers: bool,
    patterns: Vec<Regex>,
}

impl Redactor {
    /// Compiles `config`.
    ///
    /// # Errors
    /// `redaction.patterns[i]: <the regex error>`.
    pub fn new(config: &RedactionConfig) -> Result<Self, String> {
        let patterns = config
            .patterns
            .iter()
            .enumerate()
            .map(|(index, pattern)| {
                if pattern.is_empty() {
                    return Err(format!("redaction.patterns[{index}]: must not be empty"));
                }
                let regex = regex::RegexBuilder::new(pattern)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|err| {
                        let first = err.to_string();
                        let reason = first.lines().last().unwrap_or_default().trim().to_owned();
                        format!("redaction.patterns[{index}]: not a valid regular expression: {reason}")
                    })?;
                if regex.is_match("") {
                    return Err(format!(
                        "redaction.patterns[{index}]: matches the empty text, so it would redact between every letter"
                    ));
                }
                Ok(regex)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            cards: config.cards,
            iban: config.iban,
            birth_numbers: config.birth_numbers,
            patterns,
        })
    }

    /// True when no rule is on.
    pub fn is_off(&self) -> bool {
        !self.cards && !self.iban && !self.birth_numbers && self.patterns.is_empty()
    }

    /// `text` with everything the rules find replaced by [`MARK`], or `None` when they find
    /// nothing.
    pub fn redact(&self, text: &str) -> Option<String> {
        if self.is_off() {
            return None;
        }
        let mut ranges = Vec::new();
        if self.cards {
            ranges.extend(detectors::card_numbers(text));
        }
        if self.iban {
            ranges.extend(detectors::ibans(text));
        }
        if self.birth_numbers {
            ranges.extend(detectors::birth_numbers(text));
        }
        for pattern in &self.patterns {
            ranges.extend(pattern.find_iter(text).map(|found| found.range()));
        }
        (!ranges.is_empty()).then(|| replace_ranges(text, ranges))
    }
}

/// `text` with `ranges` (byte ranges on char boundaries, maybe overlapping) replaced by
/// one [`MARK`] each, overlapping ones merged.
pub fn replace_ranges(text: &str, mut ranges: Vec<Range<usize>>) -> String {
    ranges.sort_by_key(|range| (range.start, range.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for range in merged {
        out.push_str(&text[at..range.start]);
        out.push_str(MARK);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Byte ranges of every occurrence of each of `parts` in `text`; `Err` names the first part
/// that does not occur.
///
/// # Errors
/// The index of a part not found.
pub fn find_parts(text: &str, parts: &[String]) -> Result<Vec<Range<usize>>, usize> {
    let mut ranges = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let found: Vec<Range<usize>> = text
            .match_indices(part.as_str())
            .map(|(start, matched)| start..start + matched.len())
            .collect();
        if found.is_empty() {
            return Err(index);
        }
        ranges.extend(found);
    }
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_on() -> Redactor {
        Redactor::new(&RedactionConfig {
            cards: true,
            iban: true,
            birth_numbers: true,
            patterns: vec![r"(?i)password:\s*\S+".into()],
        })
        .expect("valid")
    }

    #[test]
    fn every_rule_redacts_its_kind() {
        let redacted = all_on()
            .redact(
                "Card 4111 1111 1111 1111, IBAN CZ65 0800 0000 1920 0014 5399, \
                 RČ 736028/5163, Password: hunter2 — order 20261124000017, call +420 777 123 456.",
            )
            .expect("found");
        assert_eq!(
            redacted,
            "Card [redacted], IBAN [redacted], RČ [redacted], [redacted] — order 20261124000017, \
             call +420 777 123 456."
        );
    }

    #[test]
    fn nothing_found_is_none_and_off_finds_nothing() {
        assert_eq!(
            all_on().redact("Where is order 4711 from 24.11.2026?"),
            None
        );
        assert_eq!(Redactor::default().redact("4111 1111 1111 1111"), None);
    }

    #[test]
    fn bad_patterns_are_refused_with_their_index() {
        let bad = |pattern: &str| {
            Redactor::new(&RedactionConfig {
                patterns: vec!["ok".into(), pattern.into()],
                ..RedactionConfig::default()
            })
            .unwrap_err()
        };
        assert!(
            bad("(unclosed").starts_with("redaction.patterns[1]: not a valid regular expression")
        );
        assert!(bad("x*").contains("matches the empty text"));
    }

    #[test]
    fn parts_are_found_everywhere_or_named() {
        let text = "pin 1234, again 1234, code 99";
        let ranges = find_parts(text, &["1234".into(), "99".into()]).expect("found");
        assert_eq!(
            replace_ranges(text, ranges),
            "pin [redacted], again [redacted], code [redacted]"
        );
        assert_eq!(find_parts(text, &["1234".into(), "5678".into()]), Err(1));
    }
}
