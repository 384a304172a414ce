//! What an agent needs to read of a mail: the new text without the quoted history and the
//! signature (the full text is kept beside it), and HTML made safe to show.

mod history;
mod html_text;
mod pixels;

pub use html_text::html_to_text;

/// What the sender wrote in this mail: quoted earlier mail and the signature removed, every
/// line of their own kept wherever it stands.
///
/// - A quoted block (`>` lines with the attribution line that introduces them, in any of the
///   languages of [`history`]) followed by more of the sender's words is collapsed to its
///   first line, as `> first line …`, so that a bottom-posted or interleaved answer keeps the
///   question it answers. Quoted blocks after the sender's last words are dropped: a
///   top-posted reply yields just the top.
/// - Earlier mail that is not `>`-quoted (Outlook's header block, an "original" or
///   "forwarded message" separator, an attribution line followed by unquoted text) ends the
///   sender's text.
/// - The signature (`-- `, "Sent from my iPhone") is dropped up to the next quote.
///
/// Never empty when the mail has text: a mail that is all quote or all signature is shown
/// whole. The unabridged text is kept beside it (`full_text`).
pub fn display_text(full: &str) -> String {
    let lines: Vec<&str> = full.lines().collect();
    let mut kept: Vec<Piece<'_>> = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        if let Some(end) = quote_block(&lines, index) {
            kept.push(Piece::Quote(collapse(&lines[index..end])));
            index = end;
        } else if starts_unquoted_history(&lines, index) {
            break;
        } else if history::is_signature(lines[index]) {
            index += 1;
            while index < lines.len()
                && quote_block(&lines, index).is_none()
                && !starts_unquoted_history(&lines, index)
            {
                index += 1;
            }
        } else {
            kept.push(Piece::Own(lines[index].trim_end()));
            index += 1;
        }
    }
    while matches!(kept.last(), Some(Piece::Quote(_)))
        || matches!(kept.last(), Some(Piece::Own(line)) if line.trim().is_empty())
    {
        kept.pop();
    }
    let mut shown = String::new();
    let mut blank = false;
    for piece in &kept {
        let line = match piece {
            Piece::Own(line) => *line,
            Piece::Quote(Some(line)) => line.as_str(),
            Piece::Quote(None) => continue,
        };
        if line.trim().is_empty() {
            blank = !shown.is_empty();
            continue;
        }
        if blank {
            shown.push('\n');
            blank = false;
        }
        if !shown.is_empty() {
            shown.push('\n');
        }
        shown.push_str(line);
    }
    if shown.trim().is_empty() {
        full.trim().to_owned()
    } else {
        shown
    }
}

/// A line of the sender's own, or a quoted block collapsed to its first line (`None` when it
/// quotes nothing).
enum Piece<'a> {
    Own(&'a str),
    Quote(Option<String>),
}

/// At most this many characters of a collapsed quote's first line are shown.
const QUOTE_PREVIEW_CHARS: usize = 100;

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// The attribution line(s) starting at `index`: how many lines (a long one is wrapped by the
/// client onto two or three) and how sure.
fn attribution_at(lines: &[&str], index: usize) -> Option<(usize, history::Attribution)> {
    let mut joined = String::new();
    for (offset, line) in lines[index..].iter().take(3).enumerate() {
        if line.trim().is_empty() || is_quoted(line) {
            return None;
        }
        if offset > 0 {
            // A client wraps a long attribution because it carries a date or an address; and
            // "Thanks" followed by "On … <a@b> wrote:" is text, then an attribution.
            let first = lines[index];
            if !(history::has_time(first) || history::has_year(first) || first.contains('@')) {
                return None;
            }
            let rest: Vec<String> = lines[index + 1..=index + offset]
                .iter()
                .map(|line| line.trim().to_lowercase())
                .collect();
            if history::attribution(&rest.join(" ")) == Some(history::Attribution::Strong) {
                return None;
            }
            joined.push(' ');
        }
        joined.push_str(&line.trim().to_lowercase());
        if let Some(strength) = history::attribution(&joined) {
            return Some((offset + 1, strength));
        }
        if joined.ends_with(':') {
            return None;
        }
    }
    None
}

/// The end (exclusive) of the quoted block starting at `index`: `>` lines, with the
/// attribution before them and blank lines between them.
fn quote_block(lines: &[&str], index: usize) -> Option<usize> {
    let mut next = index;
    if !is_quoted(lines[index]) {
        let (length, _) = attribution_at(lines, index)?;
        next = index + length;
        while next < lines.len() && lines[next].trim().is_empty() {
            next += 1;
        }
        if !lines.get(next).is_some_and(|line| is_quoted(line)) {
            return None;
        }
    }
    let mut end = next;
    while next < lines.len() {
        if is_quoted(lines[next]) {
            next += 1;
            end = next;
        } else if lines[next].trim().is_empty() {
            next += 1;
        } else {
            break;
        }
    }
    Some(end)
}

/// True when line `index` starts earlier mail that is not `>`-quoted: everything from here
/// on is history.
fn starts_unquoted_history(lines: &[&str], index: usize) -> bool {
    history::is_separator(lines[index])
        || history::is_header_block(lines, index)
        || matches!(
            attribution_at(lines, index),
            Some((_, history::Attribution::Strong))
        )
}

/// A quoted block as its first line of quoted text, marked `> ` and ending in ` …` when the
/// block says more.
fn collapse(block: &[&str]) -> Option<String> {
    let mut quoted = block
        .iter()
        .filter(|line| is_quoted(line))
        .map(|line| {
            line.trim_start()
                .trim_start_matches(['>', ' ', '\t'])
                .trim_end()
        })
        .filter(|text| !text.is_empty());
    let first = quoted.find(|text| history::attribution(&text.to_lowercase()).is_none())?;
    let mut line: String = first.chars().take(QUOTE_PREVIEW_CHARS).collect();
    if quoted.next().is_some() || first.chars().count() > QUOTE_PREVIEW_CHARS {
        line.push_str(" …");
    }
    Some(format!("> {line}"))
}

/// Customer HTML made safe for the inbox: no scripts, handlers, or `javascript:` links, and no
/// tracking pixels; inline images (`cid:`) and ordinary links stay.
pub fn sanitize_html(html: &str) -> String {
    let clean = ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "cid"].into())
        .clean(html)
        .to_string();
    let pixels = pixels::tracking_pixels(html);
    if pixels.is_empty() {
        clean
    } else {
        pixels::drop_images(&clean, &pixels)
    }
}

#[cfg(test)]
mod trimming_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_quote_is_cut() {
        let full = "Thanks, that works.\n\nOn Tue, 24 Nov 2026 at 10:00, Support <support@x.test>\nwrote:\n> Try again\n> please";
        assert_eq!(display_text(full), "Thanks, that works.");
    }

    #[test]
    fn outlook_header_block_and_separator_are_cut() {
        let full = "Still broken.\r\n\r\n________________________________\r\nFrom: Support <s@x.test>\r\nSent: Tuesday\r\nTo: me\r\nSubject: Re: x\r\n\r\nold text";
        assert_eq!(display_text(full), "Still broken.");
        let full = "Ok\n\nFrom: Support <s@x.test>\nSent: Tuesday\nold";
        assert_eq!(display_text(full), "Ok");
        let full = "Ok\n-----Original Message-----\nold";
        assert_eq!(display_text(full), "Ok");
    }

    #[test]
    fn localized_quote_headers_are_cut() {
        assert_eq!(
            display_text("Danke\n\nAm 24.11.2026 um 10:00 schrieb Support:\n> x"),
            "Danke"
        );
        assert_eq!(
            display_text("Díky\n\nDne út 24. 11. 2026 v 10:00 Support napsal:\n> x"),
            "Díky"
        );
        assert_eq!(
            display_text("Dzięki\n\nW dniu 24.11.2026 Support napisał:\n> x"),
            "Dzięki"
        );
    }

    #[test]
    fn signatures_and_bottom_quotes_are_cut() {
        assert_eq!(display_text("Hello\n-- \nJane Doe\nACME"), "Hello");
        assert_eq!(display_text("Hello\n\nSent from my iPhone"), "Hello");
        assert_eq!(display_text("Hello\n> old\n> older\n"), "Hello");
    }

    #[test]
    fn a_plain_mail_is_kept_and_an_all_quote_mail_is_shown_whole() {
        assert_eq!(
            display_text("Line one\n\nFrom: the shop I bought from"),
            "Line one\n\nFrom: the shop I bought from"
        );
        assert_eq!(display_text("> only quote"), "> only quote");
    }

    #[test]
    fn html_is_sanitised() {
        let clean = sanitize_html(
            "<p onclick=\"x()\">Hi<script>alert(1)</script><img src=x onerror=alert(2)>\
             <a href=\"javascript:evil()\">a</a><a href=\"https://ok.test\">b</a><img src=\"cid:logo\"></p>",
        );
        assert!(!clean.contains("script"), "{clean}");
        assert!(!clean.contains("onerror"), "{clean}");
        assert!(!clean.contains("onclick"), "{clean}");
        assert!(!clean.contains("javascript"), "{clean}");
        assert!(clean.contains("https://ok.test"), "{clean}");
        assert!(clean.contains("cid:logo"), "{clean}");
    }

    #[test]
    fn tracking_pixels_are_dropped_and_real_images_kept() {
        let html = "<p>Hi</p><img src=\"https://t.test/open?u=1&amp;m=2\" width=\"1\" height=\"1\" alt=\"\">\
                    <img src='https://t.test/b.gif' style='display:none'>\
                    <img src=\"https://t.test/c.gif\" style=\"width: 0px; height: 0px\">\
                    <img height=0 src=https://t.test/d.gif>\
                    <img src=\"https://t.test/e.gif\" hidden>\
                    <img src=\"cid:logo@shop\" width=\"120\" alt=\"Logo &quot;q&quot; > sign\">\
                    <img src=\"https://shop.test/photo.jpg\" width=\"600\" height=\"400\">\
                    <a title=\"<img src=x>\" href=\"https://shop.test\">shop</a>";
        let clean = sanitize_html(html);
        assert!(!clean.contains("t.test"), "{clean}");
        assert!(clean.contains("src=\"cid:logo@shop\""), "{clean}");
        assert!(clean.contains("https://shop.test/photo.jpg"), "{clean}");
        assert!(clean.contains("title=\"&lt;img src=x&gt;\""), "{clean}");
        assert!(clean.contains(">shop</a>"), "{clean}");
        assert_eq!(clean.matches("<img").count(), 2, "{clean}");
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text(
                "<style>p{}</style><p>Hello&nbsp;<b>you</b></p><p>a &amp; b</p><script>x</script>"
            ),
            "Hello you\n\na & b"
        );
    }
}
