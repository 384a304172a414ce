//! What an agent needs to read of a mail: the new text without the quoted history and the
//! signature (the full text is kept beside it), and HTML made safe to show.

mod html_text;

pub use html_text::html_to_text;

/// The text up to the quoted history or signature, trimmed. Returns the input when cutting
/// would leave nothing (a mail that is all quote is shown whole).
pub fn display_text(full: &str) -> String {
    let lines: Vec<&str> = full.lines().collect();
    let mut end = lines.len();
    for (index, line) in lines.iter().enumerate() {
        if starts_history(&lines, index) || is_signature(line) {
            end = index;
            break;
        }
    }
    // A bottom-posted quote without a header line: drop the trailing `>` block.
    while end > 0 {
        let line = lines[end - 1].trim();
        if line.is_empty() || line.starts_with('>') {
            end -= 1;
        } else {
            break;
        }
    }
    let shown = lines[..end].join("\n").trim().to_owned();
    if shown.is_empty() {
        full.trim().to_owned()
    } else {
        shown
    }
}

/// True when line `index` opens the quoted earlier mail.
fn starts_history(lines: &[&str], index: usize) -> bool {
    let line = lines[index].trim();
    let lower = line.to_lowercase();
    if lower.starts_with("-----original message-----")
        || lower.starts_with("----- original message -----")
        || lower.starts_with("-------- original message --------")
        || lower.starts_with("---------- forwarded message")
        || (line.len() >= 20 && line.chars().all(|c| c == '_'))
    {
        return true;
    }
    // "On Tue, 3 Nov 2026 at 10:00, Jane <jane@x> wrote:" — Gmail may wrap it onto two lines.
    let joined = match lines.get(index + 1) {
        Some(next) => format!("{lower} {}", next.trim().to_lowercase()),
        None => lower.clone(),
    };
    let wrote = |text: &str| {
        let openers = ["on ", "am ", "dne ", "w dniu ", "le ", "el ", "op ", "den "];
        // The author's name may come before or after the verb ("Am … schrieb Jane:").
        let verbs = [
            " wrote",
            " schrieb",
            " napsal",
            " napisał",
            " a écrit",
            " escribió",
            " geschreven",
            " skrev",
        ];
        openers.iter().any(|opener| text.starts_with(opener))
            && text.ends_with(':')
            && verbs.iter().any(|verb| text.contains(verb))
    };
    if wrote(&lower) || (!lower.ends_with(':') && wrote(&joined)) {
        return true;
    }
    // Outlook's plain-text header block: "From: …" followed by "Sent:"/"Date:" within two lines.
    let header = |text: &str, names: &[&str]| {
        let text = text.trim().to_lowercase();
        names.iter().any(|name| text.starts_with(name))
    };
    if header(line, &["from:", "von:", "od:", "de:", "van:"]) {
        return lines[index + 1..].iter().take(2).any(|next| {
            header(
                next,
                &[
                    "sent:",
                    "date:",
                    "gesendet:",
                    "datum:",
                    "odesláno:",
                    "envoyé :",
                    "wysłano:",
                ],
            )
        });
    }
    false
}

fn is_signature(line: &str) -> bool {
    let trimmed = line.trim_end();
    // RFC 3676 §4.3: "-- " alone on a line; many clients drop the trailing space.
    trimmed == "--" || {
        let lower = trimmed.to_lowercase();
        lower.starts_with("sent from my ") || lower.starts_with("get outlook for ")
    }
}

/// Customer HTML made safe for the inbox: no scripts, handlers, or `javascript:` links; inline
/// images (`cid:`) and ordinary links stay.
pub fn sanitize_html(html: &str) -> String {
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "cid"].into())
        .clean(html)
        .to_string()
}

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
    fn html_becomes_text() {
        assert_eq!(
            html_to_text(
                "<style>p{}</style><p>Hello&nbsp;<b>you</b></p><p>a &amp; b</p><script>x</script>"
            ),
            "Hello you\n\na & b"
        );
    }
}
