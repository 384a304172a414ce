//! Text helpers every channel needs: cutting a long reply into messages the platform accepts.

/// Splits `text` into parts of at most `limit` characters, cutting after a blank line, else
/// after a line break, else after a space, else hard at the limit. `keep_whole` may move a cut
/// earlier so that an escape sequence is never split: it gets the text before the proposed cut
/// and returns the byte index to cut at. Blank text gives no parts. A `limit` of 0 is taken
/// as 1: no part can be shorter than one character.
pub fn split_message(text: &str, limit: usize, keep_whole: impl Fn(&str) -> usize) -> Vec<String> {
    // With 0 the cut would fall at the start of the text and the loop would never end.
    let limit = limit.max(1);
    let mut parts = Vec::new();
    let mut rest = text.trim_end();
    while rest.chars().count() > limit {
        let hard = rest
            .char_indices()
            .nth(limit)
            .map_or(rest.len(), |(index, _)| index);
        let window = &rest[..hard];
        let cut = window
            .rfind("\n\n")
            .map(|i| i + 2)
            .or_else(|| window.rfind('\n').map(|i| i + 1))
            .or_else(|| window.rfind(' ').map(|i| i + 1))
            .filter(|&i| i > 0)
            .unwrap_or(hard);
        let cut = match keep_whole(&rest[..cut]) {
            0 => cut, // never loop without progress
            adjusted => adjusted.min(cut),
        };
        let (part, tail) = rest.split_at(cut);
        if !part.trim().is_empty() {
            parts.push(part.trim_end().to_owned());
        }
        rest = tail.trim_start_matches('\n');
    }
    if !rest.trim().is_empty() {
        parts.push(rest.to_owned());
    }
    parts
}

/// For [`split_message`] when the text has no escape sequences.
pub fn no_escapes(before_cut: &str) -> usize {
    before_cut.len()
}

/// Escapes text for Telegram's `parse_mode = HTML` (and any HTML text node): the three
/// characters that would otherwise start markup or an entity. Shared by the Telegram connector
/// and the template renderer so both escape exactly alike.
pub fn escape_html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_prefer_paragraphs_then_lines_then_spaces() {
        let text = format!("{}\n\n{}", "a".repeat(8), "b".repeat(8));
        assert_eq!(
            split_message(&text, 12, no_escapes),
            ["a".repeat(8), "b".repeat(8)]
        );
        assert_eq!(
            split_message("aaaa bbbb cccc", 10, no_escapes),
            ["aaaa bbbb", "cccc"]
        );
        assert_eq!(split_message(&"x".repeat(25), 10, no_escapes).len(), 3);
        assert!(split_message("   \n ", 10, no_escapes).is_empty());
    }

    #[test]
    fn an_escape_guard_moves_the_cut_back() {
        // A guard that keeps "&amp;" whole.
        let guard = |before: &str| match before.rfind('&') {
            Some(amp) if !before[amp..].contains(';') => amp,
            _ => before.len(),
        };
        let text = format!("{}&amp;", "y".repeat(10));
        assert_eq!(
            split_message(&text, 12, guard),
            ["y".repeat(10), "&amp;".to_owned()]
        );
    }
}
