//! Escaping that fits each channel's markup, applied to the values a template prints (the
//! template's own markup is kept), and the way back from markup to plain text.
//!
//! Which escaping a variant gets follows from its file name (see `catalog`): `.html` bodies
//! are HTML, `telegram` variants are Telegram's HTML subset, `discord` variants are Discord
//! markdown, everything else is plain text that the connector escapes as a whole.

use minijinja::{AutoEscape, Error, Output, State, Value};

/// The custom auto-escape name of Telegram variants.
pub const TELEGRAM: &str = "telegram";
/// The custom auto-escape name of Discord variants.
pub const DISCORD: &str = "discord";

/// The environment's formatter: escapes printed values for the variant's markup. `none`
/// prints as nothing, so an optional field (a contact without a name) never shows the word
/// "none" to a customer.
pub fn format_value(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if value.is_none() {
        return Ok(());
    }
    let custom = match state.auto_escape() {
        AutoEscape::Custom(name) => name.clone(),
        _ => return minijinja::escape_formatter(out, state, value),
    };
    if value.is_undefined() || value.is_safe() {
        // Undefined reaching here means a lenient lookup the engine already allowed; safe
        // strings are markup the template author vouched for with `|safe`.
        return minijinja::escape_formatter(out, state, value);
    }
    let text = value.to_string();
    let escaped = match custom.as_ref() {
        TELEGRAM => escape_telegram(&text),
        DISCORD => escape_discord(&text),
        other => {
            return Err(Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("no escaping is defined for {other:?}"),
            ));
        }
    };
    out.write_str(&escaped).map_err(Error::from)
}

/// Escapes text for Telegram's `parse_mode = HTML`: the three characters it requires.
pub fn escape_telegram(text: &str) -> String {
    connector_sdk::text::escape_html_text(text)
}

/// Escapes a value for Discord markdown so it shows as written: emphasis, code, spoilers,
/// masked links, quotes, headings and list markers lose their meaning, and `@everyone` /
/// `@here` cannot ping a whole server.
pub fn escape_discord(text: &str) -> String {
    if is_link(text) {
        // Discord links a bare URL before it reads emphasis, and a backslash would end up
        // inside the address.
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut line_start = true;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let special = matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '(' | ')' | '<' | '>'
        ) || (line_start && matches!(c, '#' | '-' | '+'));
        if special {
            out.push('\\');
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
        if c == '@' && (rest.starts_with("everyone") || rest.starts_with("here")) {
            // A zero-width space breaks the mention without changing what people read.
            out.push('\u{200B}');
        }
        line_start = c == '\n' || (line_start && c.is_whitespace());
    }
    out
}

/// The plain text of Telegram HTML: tags dropped, links keep their address, entities decoded.
pub fn telegram_to_plain(markup: &str) -> String {
    let mut out = String::with_capacity(markup.len());
    let mut rest = markup;
    let mut pending_href: Vec<Option<String>> = Vec::new();
    while let Some(start) = rest.find(['<', '&']) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        if rest.starts_with('<') {
            let Some(end) = rest.find('>') else {
                out.push_str(rest);
                return out;
            };
            let tag = &rest[1..end];
            if let Some(name) = tag.strip_prefix('/') {
                if name.trim().eq_ignore_ascii_case("a")
                    && let Some(Some(href)) = pending_href.pop()
                {
                    out.push_str(&format!(" ({href})"));
                }
            } else if tag
                .get(..2)
                .is_some_and(|head| head.eq_ignore_ascii_case("a "))
            {
                pending_href.push(attribute(tag, "href").map(|href| decode_entities(&href)));
            }
            rest = &rest[end + 1..];
        } else {
            let end = rest.find(';').filter(|end| *end <= 10);
            match end.and_then(|end| decode_entity(&rest[1..end]).map(|c| (end, c))) {
                Some((end, c)) => {
                    out.push(c);
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// Discord markdown with the backslash escapes removed: what a person reads, with the
/// template's own emphasis markers left as they are.
pub fn discord_to_plain(markup: &str) -> String {
    let mut out = String::with_capacity(markup.len());
    let mut chars = markup.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(char::is_ascii_punctuation) {
            continue;
        }
        if c != '\u{200B}' {
            out.push(c);
        }
    }
    out
}

fn is_link(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && !text.contains(|c: char| c.is_whitespace() || c == '<' || c == '>')
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[at..].find('"')?;
    Some(tag[at..at + end].to_owned())
}

fn decode_entities(text: &str) -> String {
    telegram_to_plain(text)
}

fn decode_entity(entity: &str) -> Option<char> {
    match entity {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = entity.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (target `template`): a tag whose second byte is inside a multi-byte
    /// character was sliced in the middle of that character.
    #[test]
    fn a_tag_starting_with_a_multibyte_character_is_dropped_not_a_panic() {
        assert_eq!(telegram_to_plain("<aé>x</aé>"), "x");
        assert_eq!(telegram_to_plain("<é>y"), "y");
    }
}
