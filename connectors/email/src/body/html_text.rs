//! HTML → plain text for mail that has no text part: what a browser would show, as text. The
//! HTML tokenizer of html5ever (the parser ammonia uses) decodes every entity and keeps
//! `<script>`/`<style>` content apart; this module decides layout only.

use std::cell::RefCell;

use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Plain text from HTML: entities decoded, whitespace collapsed as a browser does, block
/// elements on their own lines with at most one blank line between them, list items as
/// `- item` / `1. item`, links as `text (url)` when the URL says more than the text, table
/// cells joined by ` | `, `<blockquote>` lines prefixed with `> ` (so that quote trimming
/// works on HTML-only mail too), and no script, style, head or hidden content.
pub fn html_to_text(html: &str) -> String {
    let sink = Sink(RefCell::new(Layout::default()));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    // Only a sink asking to run a script can pause the tokenizer; ours never does.
    while let TokenizerResult::Script(()) = tokenizer.feed(&queue) {}
    tokenizer.end();
    tokenizer.sink.0.into_inner().finish()
}

struct Sink(RefCell<Layout>);

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut layout = self.0.borrow_mut();
        match token {
            Token::CharacterTokens(text) => layout.text(&text),
            Token::NullCharacterToken => {}
            Token::TagToken(tag) => {
                let raw = match tag.kind {
                    TagKind::StartTag => layout.start(&tag),
                    TagKind::EndTag => {
                        layout.end(&tag.name);
                        None
                    }
                };
                if let Some(kind) = raw {
                    return TokenSinkResult::RawData(kind);
                }
            }
            Token::CommentToken(_)
            | Token::DoctypeToken(_)
            | Token::EOFToken
            | Token::ParseError(_) => {}
        }
        TokenSinkResult::Continue
    }
}

/// An open list: its numbering when ordered.
enum List {
    Bullets,
    Numbers(u32),
}

/// An open table: whether the current row has shown text (the next cell then needs a
/// separator).
#[derive(Default)]
struct Table {
    row_has_text: bool,
}

/// An open link: where its text starts in the output (once it has some), and its target.
struct Link {
    start: Option<usize>,
    href: String,
}

#[derive(Default)]
struct Layout {
    out: String,
    /// Newlines owed before the next text: 1 ends a line, 2 leaves a blank line.
    breaks: usize,
    /// Collapsed whitespace owed before the next text on the same line.
    space: bool,
    /// A cell separator owed before the next text on the same line.
    separator: bool,
    /// A list marker owed before the next text.
    marker: Option<String>,
    /// Inside an element whose content is never shown (`script`, `style`, `head`, …): its name.
    skipping: Option<&'static str>,
    /// Inside an element hidden by its style: the element's name and how deep it nests.
    hidden: Option<(String, usize)>,
    quote_depth: usize,
    pre_depth: usize,
    lists: Vec<List>,
    tables: Vec<Table>,
    links: Vec<Link>,
}

/// Elements that start on a new line and end one, with a blank line around the first kind.
const PARAGRAPHS: [&str; 11] = [
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "hr",
    "dl",
];
const LINES: [&str; 17] = [
    "div",
    "address",
    "article",
    "aside",
    "footer",
    "header",
    "section",
    "nav",
    "main",
    "figure",
    "figcaption",
    "dt",
    "dd",
    "center",
    "form",
    "fieldset",
    "table",
];

impl Layout {
    fn start(&mut self, tag: &Tag) -> Option<RawKind> {
        let name: &str = &tag.name;
        if let Some((hidden, depth)) = &mut self.hidden {
            if *hidden == name && !tag.self_closing {
                *depth += 1;
            }
            return raw_kind(name);
        }
        if self.skipping.is_some() {
            return raw_kind(name);
        }
        if let Some(skipped) = [
            "script", "style", "head", "title", "template", "noscript", "iframe", "noembed",
            "noframes",
        ]
        .into_iter()
        .find(|skipped| *skipped == name)
        {
            self.skipping = Some(skipped);
            return raw_kind(name);
        }
        if is_hidden(tag) {
            if !is_void(name) && !tag.self_closing {
                self.hidden = Some((name.to_owned(), 1));
            }
            return raw_kind(name);
        }
        match name {
            "br" => self.breaks += 1,
            "blockquote" => {
                self.block(2);
                self.quote_depth += 1;
            }
            "pre" => {
                self.block(2);
                self.pre_depth += 1;
            }
            "ul" | "ol" => {
                self.block(if self.lists.is_empty() { 2 } else { 1 });
                self.lists.push(if name == "ol" {
                    let first = attribute(tag, "start")
                        .and_then(|start| start.trim().parse().ok())
                        .unwrap_or(1);
                    List::Numbers(first)
                } else {
                    List::Bullets
                });
            }
            "li" => {
                self.block(1);
                let indent = "  ".repeat(self.lists.len().saturating_sub(1));
                let marker = match self.lists.last_mut() {
                    Some(List::Numbers(next)) => {
                        let marker = format!("{indent}{next}. ");
                        *next += 1;
                        marker
                    }
                    Some(List::Bullets) | None => format!("{indent}- "),
                };
                self.marker = Some(marker);
            }
            "tr" => {
                self.block(1);
                if let Some(table) = self.tables.last_mut() {
                    table.row_has_text = false;
                }
            }
            "td" | "th" => {
                if self.tables.last().is_some_and(|table| table.row_has_text) {
                    self.separator = true;
                }
            }
            "a" => {
                if let Some(href) = attribute(tag, "href") {
                    self.links.push(Link {
                        start: None,
                        href: href.trim().to_owned(),
                    });
                }
            }
            "img" => {
                if let Some(alt) = attribute(tag, "alt").filter(|alt| !alt.trim().is_empty()) {
                    self.space = true;
                    self.text(alt);
                    self.space = true;
                }
            }
            _ => {
                if name == "table" {
                    self.tables.push(Table::default());
                }
                if PARAGRAPHS.contains(&name) {
                    self.block(2);
                } else if LINES.contains(&name) {
                    self.block(1);
                }
            }
        }
        raw_kind(name)
    }

    fn end(&mut self, name: &str) {
        if let Some((hidden, depth)) = &mut self.hidden {
            if *hidden == name {
                *depth -= 1;
                if *depth == 0 {
                    self.hidden = None;
                }
            }
            return;
        }
        if let Some(skipped) = self.skipping {
            // `<body>` also ends a `<head>` whose end tag is missing.
            if skipped == name || (skipped == "head" && name == "body") {
                self.skipping = None;
            }
            return;
        }
        match name {
            "blockquote" => {
                self.block(2);
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            "pre" => {
                self.block(2);
                self.pre_depth = self.pre_depth.saturating_sub(1);
            }
            "ul" | "ol" => {
                self.lists.pop();
                self.block(if self.lists.is_empty() { 2 } else { 1 });
            }
            "li" | "tr" => self.block(1),
            "a" => self.end_link(),
            "table" => {
                self.tables.pop();
                self.block(1);
            }
            _ => {
                if PARAGRAPHS.contains(&name) {
                    self.block(2);
                } else if LINES.contains(&name) {
                    self.block(1);
                }
            }
        }
    }

    /// Asks for `newlines` before the next text; block boundaries do not add up.
    fn block(&mut self, newlines: usize) {
        self.breaks = self.breaks.max(newlines);
    }

    fn text(&mut self, text: &str) {
        if self.skipping.is_some() || self.hidden.is_some() {
            return;
        }
        for c in text.chars() {
            if self.pre_depth > 0 {
                if c == '\n' {
                    self.breaks += 1;
                } else {
                    self.put(c);
                }
            } else if c.is_ascii_whitespace() {
                self.space = true;
            } else {
                // A no-break space is kept (browsers do not collapse it), as a plain space.
                self.put(if c == '\u{a0}' { ' ' } else { c });
            }
        }
    }

    /// Writes one visible character after whatever breaks, marker or spacing are owed.
    fn put(&mut self, c: char) {
        if self.breaks > 0 && !self.out.is_empty() {
            for _ in 0..self.breaks {
                self.out.push('\n');
            }
            self.out.push_str(&"> ".repeat(self.quote_depth));
            self.space = false;
            self.separator = false;
        } else if self.out.is_empty() {
            self.out.push_str(&"> ".repeat(self.quote_depth));
            self.space = false;
            self.separator = false;
        }
        self.breaks = 0;
        if let Some(marker) = self.marker.take() {
            self.out.push_str(&marker);
            self.space = false;
        }
        if self.separator {
            self.out.push_str(" | ");
        } else if self.space && !self.out.ends_with([' ', '\n']) {
            self.out.push(' ');
        }
        self.space = false;
        self.separator = false;
        if let Some(table) = self.tables.last_mut() {
            table.row_has_text = true;
        }
        for link in &mut self.links {
            link.start.get_or_insert(self.out.len());
        }
        self.out.push(c);
    }

    /// Adds ` (url)` after a link whose text does not already say where it goes.
    fn end_link(&mut self) {
        let Some(link) = self.links.pop() else {
            return;
        };
        let lower = link.href.to_ascii_lowercase();
        if !(lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("mailto:"))
        {
            return;
        }
        let shown = link
            .start
            .and_then(|start| self.out.get(start..))
            .unwrap_or_default()
            .trim();
        let bare = |url: &str| {
            let url = url.to_lowercase();
            let url = url.strip_prefix("mailto:").unwrap_or(&url);
            let url = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"))
                .unwrap_or(url);
            url.trim_end_matches('/').to_owned()
        };
        let (says_it, empty) = (bare(&link.href) == bare(shown), shown.is_empty());
        if says_it {
            return;
        }
        if empty {
            self.text(&link.href);
        } else {
            self.space = true;
            self.text("(");
            self.out.push_str(&link.href);
            self.out.push(')');
        }
    }

    /// The text with trailing spaces removed and at most one blank line anywhere.
    fn finish(self) -> String {
        let mut text = String::with_capacity(self.out.len());
        let mut blank = false;
        for line in self.out.lines().map(str::trim_end) {
            // A line of only quote markers is blank too.
            if line.trim_start_matches(['>', ' ']).is_empty() {
                blank = !text.is_empty();
                continue;
            }
            if blank {
                text.push('\n');
                blank = false;
            }
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(line);
        }
        text
    }
}

/// The tokenizer state an element's content needs: without it, the CSS of a `<style>` or the
/// code of a `<script>` would be read as markup.
pub(super) fn raw_kind(name: &str) -> Option<RawKind> {
    match name {
        "title" | "textarea" => Some(RawKind::Rcdata),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" => Some(RawKind::Rawtext),
        "script" => Some(RawKind::ScriptData),
        _ => None,
    }
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

/// A tag's attribute value, by (lowercase) name.
pub(super) fn attribute<'t>(tag: &'t Tag, name: &str) -> Option<&'t str> {
    tag.attrs
        .iter()
        .find(|attr| &*attr.name.local == name)
        .map(|attr| &*attr.value)
}

/// True when the element is not rendered: the `hidden` attribute, or `display: none` /
/// `visibility: hidden` in its inline style (preheaders of newsletters, tracking pixels).
pub(super) fn is_hidden(tag: &Tag) -> bool {
    if attribute(tag, "hidden").is_some() {
        return true;
    }
    let Some(style) = attribute(tag, "style") else {
        return false;
    };
    let style: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    style.split(';').any(|declaration| {
        let value = declaration.trim_end_matches("!important");
        value == "display:none" || value == "visibility:hidden"
    })
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            html_to_text(
                "<p>Dobr&yacute; den,</p><p>objedn&aacute;vka &#268;. 12345 &ndash; \
                 &#x17E;lu&tcaron;ou&ccaron;k&yacute; k&uring;&nbsp;&amp; &lt;tag&gt; &quot;q&quot;</p>"
            ),
            "Dobrý den,\n\nobjednávka Č. 12345 – žluťoučký ků & <tag> \"q\""
        );
    }

    #[test]
    fn whitespace_collapses_like_a_browser() {
        let html = "<div>\n\n\n  Hello\n\n   <b>you</b>\n</div>\n\n\n\n\n<div><br></div><p></p><p>\n</p>\
                    <div>there</div><p>a<br>b<br><br>c</p><p>&nbsp;</p><p>end</p>";
        assert_eq!(html_to_text(html), "Hello you\n\nthere\n\na\nb\n\nc\n\nend");
        let text = html_to_text(&format!("<p>x</p>{}<p>y</p>", "<br>\n".repeat(67)));
        assert_eq!(text, "x\n\ny");
    }

    #[test]
    fn lists_links_and_tables() {
        let html = "<p>Steps:</p><ol><li>Open <a href=\"https://shop.test/orders\">your orders</a></li>\
                    <li>Click <a href=\"https://shop.test/\">https://shop.test</a></li></ol>\
                    <ul><li>one<ul><li>inner</li></ul></li><li>two</li></ul>\
                    <p>Mail <a href=\"mailto:jan@x.cz\">jan@x.cz</a> or <a href=\"#top\">top</a></p>\
                    <table><tr><th>Item</th><th>Price</th></tr><tr><td>Shoes</td><td>10 &euro;</td></tr></table>\
                    <table><tr><td><table><tr><td>layout</td></tr></table></td></tr></table>";
        assert_eq!(
            html_to_text(html),
            "Steps:\n\n1. Open your orders (https://shop.test/orders)\n2. Click https://shop.test\n\n\
             - one\n  - inner\n- two\n\nMail jan@x.cz or top\n\nItem | Price\nShoes | 10 €\nlayout"
        );
    }

    #[test]
    fn script_style_head_and_hidden_content_are_dropped() {
        let html = "<html><head><title>Newsletter</title><style>p { color: red }</style>\
                    <meta charset=utf-8></head><body><div style=\"display: none !important\">\
                    preheader <div>nested</div> text</div><script>if (a < b) { x() }</script>\
                    <p>Visible<img src=\"https://t.test/p.gif\" width=\"1\" height=\"1\" alt=\"\"></p>\
                    <img src=\"cid:logo\" alt=\"ACME logo\"><span hidden>secret</span></body></html>";
        assert_eq!(html_to_text(html), "Visible\n\nACME logo");
    }

    #[test]
    fn blockquotes_become_quoted_lines_and_pre_keeps_spacing() {
        let html = "<div>Thanks!</div><div class=\"gmail_quote\"><div class=\"gmail_attr\">On Mon, 3 Feb 2025 \
                    at 10:00, Support &lt;<a href=\"mailto:s@x.test\">s@x.test</a>&gt; wrote:<br></div>\
                    <blockquote class=\"gmail_quote\"><div>What is your order number?</div><div><br></div>\
                    <blockquote>older</blockquote></blockquote></div><pre>a   b\n  c</pre>";
        assert_eq!(
            html_to_text(html),
            "Thanks!\nOn Mon, 3 Feb 2025 at 10:00, Support <s@x.test> wrote:\n\n\
             > What is your order number?\n\n> > older\n\na   b\n  c"
        );
    }
}
