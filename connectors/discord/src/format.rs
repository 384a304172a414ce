//! Outbound text for Discord: markdown that would change the meaning of plain text is escaped,
//! and long replies are split under the 2,000-character limit on line boundaries.

/// Discord's limit for one message's content.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Escapes Discord markdown so plain text shows as written: emphasis, code, spoilers, quotes,
/// headings, lists and masked links lose their special meaning.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        // Line-start syntax: quotes, headings, list markers, subtext.
        if trimmed.starts_with('>')
            || trimmed.starts_with('#')
            || trimmed.starts_with("- ")
            || trimmed.starts_with("* ")
        {
            let indent = line.len() - trimmed.len();
            out.push_str(&line[..indent]);
            out.push('\\');
            escape_inline(trimmed, &mut out);
        } else {
            escape_inline(line, &mut out);
        }
    }
    out
}

fn escape_inline(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Splits `text` into parts of at most `limit` characters (see
/// [`connector_sdk::text::split_message`]), never between a backslash and what it escapes.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    connector_sdk::text::split_message(text, limit, |before| {
        let lone_backslash = before.ends_with('\\') && !before.ends_with("\\\\");
        before.len() - usize::from(lone_backslash)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_in_plain_text_is_neutralised() {
        assert_eq!(escape_markdown("2*3*4 is _big_"), "2\\*3\\*4 is \\_big\\_");
        assert_eq!(
            escape_markdown("> not a quote\n# nor a heading"),
            "\\> not a quote\n\\# nor a heading"
        );
        assert_eq!(
            escape_markdown("||spoiler|| `code` [x](y)"),
            "\\|\\|spoiler\\|\\| \\`code\\` \\[x\\](y)"
        );
        assert_eq!(
            escape_markdown("plain words, 100% fine"),
            "plain words, 100% fine"
        );
    }

    #[test]
    fn long_replies_split_on_lines_under_the_limit() {
        let line = "a".repeat(99);
        let text = vec![line.clone(); 50].join("\n"); // 4,999 characters
        let parts = split(&text, MAX_MESSAGE_CHARS);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_MESSAGE_CHARS));
        assert!(
            parts.iter().all(|p| p.lines().all(|l| l == line)),
            "lines are never cut"
        );
        let unbroken = "b".repeat(4500);
        assert_eq!(
            split(&unbroken, MAX_MESSAGE_CHARS)
                .iter()
                .map(|p| p.len())
                .collect::<Vec<_>>(),
            [2000, 2000, 500]
        );
    }
}
