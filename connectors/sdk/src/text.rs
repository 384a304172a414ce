//! Text helpers every channel needs: cutting a long reply into messages the platform accepts,
//! and cleaning the single-line values (names, subjects, message ids) that end up in headers.

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

/// The most characters a cleaned single-line value keeps (display names, subjects, ids).
/// Longer values are cut: no header or inbox row needs more, and an unbounded name would let
/// one sender grow every header and page that shows it.
pub const MAX_LINE_CHARS: usize = 256;

/// Cleans a value that will be shown on one line or written into a header: line breaks, tabs
/// and other whitespace fold to one space; every other control character (C0, DEL, C1) and the
/// invisible format characters that change what a reader sees (bidirectional overrides,
/// embeddings and isolates, zero-width space, word joiner, byte order mark, …) are removed;
/// the result is trimmed and cut to [`MAX_LINE_CHARS`] characters.
///
/// Zero-width joiner and non-joiner stay: scripts and emoji sequences need them and they
/// cannot reorder text.
pub fn clean_line(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_LINE_CHARS * 4));
    let mut count = 0;
    let mut pending_space = false;
    for c in value.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_hidden_or_control(c) {
            continue;
        }
        let needed = 1 + usize::from(pending_space);
        if count + needed > MAX_LINE_CHARS {
            break;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
        count += needed;
    }
    out
}

/// [`clean_line`] for an optional value: `None` when nothing is left.
pub fn clean_optional_line(value: Option<&str>) -> Option<String> {
    value.map(clean_line).filter(|cleaned| !cleaned.is_empty())
}

/// True for what [`clean_line`] removes or folds: control characters (C0 with line breaks
/// and tabs, DEL, C1) and the invisible format characters that reorder or hide text. An API
/// may refuse values holding one instead of cleaning them.
pub fn is_hidden_or_control(c: char) -> bool {
    c.is_control() || is_spoofing_format(c)
}

/// Invisible format characters (Unicode category Cf) that reorder or hide text: bidi marks,
/// embeddings, overrides and isolates, zero-width space, word joiner and invisible operators,
/// the deprecated shaping controls, the byte order mark and interlinear annotations.
fn is_spoofing_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Cleans, in place, every value of an inbound event that may later become a header or a
/// display name: the sender's name, the email subject and the referenced message ids. The
/// core applies it to everything a connector delivers, so a connector that fills the public
/// fields directly (bypassing [`crate::Sender::with_name`]) cannot smuggle a line break in.
///
/// Message bodies (text, HTML, the full text, an edit's new text) lose the control characters
/// no text means (NUL and the rest of C0 but tab, line feed and carriage return): PostgreSQL
/// cannot store NUL at all, and the others only garble what agents read.
pub fn clean_inbound_event(event: &mut crate::InboundEvent) {
    if let crate::InboundEvent::Edited(edit) = event {
        clean_body_in_place(&mut edit.text);
        if let Some(html) = &mut edit.html {
            clean_body_in_place(html);
        }
    }
    let message = match event {
        crate::InboundEvent::Message(message) => message,
        crate::InboundEvent::Part(part) => &mut part.message,
        _ => return,
    };
    clean_body_in_place(&mut message.text);
    for body in [&mut message.html, &mut message.full_text]
        .into_iter()
        .flatten()
    {
        clean_body_in_place(body);
    }
    message.sender.name = clean_optional_line(message.sender.name.as_deref());
    if let Some(threading) = &mut message.threading {
        threading.subject = clean_optional_line(threading.subject.as_deref());
        threading.references = clean_ids(std::mem::take(&mut threading.references));
    }
}

/// True for a control character that no message body means: C0 but tab, line feed and
/// carriage return, and DEL.
fn is_meaningless_control(c: char) -> bool {
    c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Removes [`is_meaningless_control`] characters from a message body, without copying a body
/// that has none.
pub fn clean_body_in_place(body: &mut String) {
    if body.contains(is_meaningless_control) {
        body.retain(|c| !is_meaningless_control(c));
    }
}

/// Cleans message ids with [`clean_line`], dropping the ones left empty.
pub fn clean_ids(ids: Vec<String>) -> Vec<String> {
    ids.iter()
        .filter_map(|id| clean_optional_line(Some(id)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_lose_nul_and_other_meaningless_controls_only() {
        let mut message = crate::InboundMessage::text(
            "c",
            "1",
            crate::Sender::new("s", "a"),
            "a\0b\x07c\td\r\ne\u{7f}f é",
        );
        message.html = Some("<p>x\0y</p>".into());
        message.full_text = Some("full\0".into());
        let mut event = crate::InboundEvent::Message(message);
        clean_inbound_event(&mut event);
        let crate::InboundEvent::Message(message) = event else {
            unreachable!()
        };
        assert_eq!(message.text, "abc\td\r\nef é");
        assert_eq!(message.html.as_deref(), Some("<p>xy</p>"));
        assert_eq!(message.full_text.as_deref(), Some("full"));
    }

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

    #[test]
    fn clean_line_folds_breaks_and_drops_controls_and_spoofing_marks() {
        let cases: [(&str, &str); 12] = [
            ("Mallory\r\nBcc: x@evil.test", "Mallory Bcc: x@evil.test"),
            ("  Ann   Lee  ", "Ann Lee"),
            ("tab\there\u{2028}next", "tab here next"),
            ("bell\u{7}\u{0}null", "bellnull"),
            ("c1\u{85}next\u{9B}x", "c1 nextx"),
            ("del\u{7F}", "del"),
            ("evil\u{202E}gnp.exe", "evilgnp.exe"),
            ("\u{2066}iso\u{2069}late", "isolate"),
            ("zero\u{200B}width\u{FEFF}", "zerowidth"),
            (
                "family \u{1F468}\u{200D}\u{1F469}",
                "family \u{1F468}\u{200D}\u{1F469}",
            ),
            ("Zoë Šťastná", "Zoë Šťastná"),
            ("\r\n\t ", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(clean_line(input), expected, "{input:?}");
        }
    }

    #[test]
    fn clean_line_caps_the_length_without_a_trailing_space() {
        let long = "ab ".repeat(200);
        let cleaned = clean_line(&long);
        assert!(
            cleaned.chars().count() <= MAX_LINE_CHARS,
            "{}",
            cleaned.len()
        );
        assert!(!cleaned.ends_with(' '));
        assert_eq!(
            clean_line(&"é".repeat(1000)).chars().count(),
            MAX_LINE_CHARS
        );
    }

    #[test]
    fn no_cleaned_value_keeps_a_control_or_override() {
        // Every C0, C1 and listed format character, alone and between letters.
        let specials = (0u32..0x20)
            .chain(0x7F..0xA0)
            .chain([0xAD, 0x61C, 0x180E, 0x200B, 0x200E, 0x200F, 0xFEFF])
            .chain(0x202A..0x202F)
            .chain(0x2060..0x2070)
            .filter_map(char::from_u32);
        for c in specials {
            let cleaned = clean_line(&format!("a{c}b{c}"));
            assert!(
                cleaned == "ab" || cleaned == "a b",
                "U+{:04X} gave {cleaned:?}",
                u32::from(c)
            );
        }
        assert_eq!(clean_optional_line(Some(" \r\n ")), None);
        assert_eq!(clean_optional_line(Some(" Ann ")), Some("Ann".into()));
    }
}
