//! Outbound text for Telegram's HTML parse mode: escaped, and split under the 4,096-character
//! limit on paragraph, then line, then word boundaries.

/// Telegram's limit for one message's text, in characters after entity parsing; we count the
/// escaped form, which is never shorter.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// Escapes text for `parse_mode = HTML`: the three characters Telegram requires.
pub fn escape_html(text: &str) -> String {
    connector_sdk::text::escape_html_text(text)
}

/// Escapes `text` and cuts it into parts of at most `limit` characters (see
/// [`connector_sdk::text::split_message`]); a part never ends inside an escape sequence.
pub fn split_escaped(text: &str, limit: usize) -> Vec<String> {
    connector_sdk::text::split_message(&escape_html(text), limit, safe_cut)
}

/// The end of `window`, moved back before an escape sequence that would be cut in half.
fn safe_cut(window: &str) -> usize {
    match window.rfind('&') {
        Some(amp) if !window[amp..].contains(';') => amp,
        _ => window.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_text_is_escaped_for_html_mode() {
        assert_eq!(
            escape_html("a < b && c > d <b>x</b>"),
            "a &lt; b &amp;&amp; c &gt; d &lt;b&gt;x&lt;/b&gt;"
        );
    }

    #[test]
    fn a_long_reply_is_split_on_paragraphs_then_lines() {
        let paragraph = "word ".repeat(500); // 2,500 characters
        let text = format!("{paragraph}\n\n{paragraph}\n\n{paragraph}\n\n{paragraph}");
        let parts = split_escaped(&text, MAX_MESSAGE_CHARS);
        assert_eq!(parts.len(), 4, "one paragraph per part");
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_MESSAGE_CHARS));
        assert_eq!(
            parts.join(" ").split_whitespace().count(),
            2000,
            "no word lost"
        );
    }

    #[test]
    fn ten_thousand_characters_without_breaks_split_on_spaces_or_hard() {
        let text = "x".repeat(10_000);
        let parts = split_escaped(&text, MAX_MESSAGE_CHARS);
        assert_eq!(
            parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            [4096, 4096, 1808]
        );
        let spaced = "abc ".repeat(2500);
        let parts = split_escaped(&spaced, MAX_MESSAGE_CHARS);
        assert_eq!(parts.len(), 3);
        assert!(
            parts
                .iter()
                .all(|p| p.chars().count() <= MAX_MESSAGE_CHARS && !p.ends_with(' '))
        );
    }

    #[test]
    fn a_cut_never_splits_an_escape_sequence() {
        let text = format!("{}&", "y".repeat(10));
        let parts = split_escaped(&text, 12);
        assert_eq!(parts, ["y".repeat(10), "&amp;".to_owned()]);
        assert!(split_escaped("", 10).is_empty());
    }
}
