//! Tracking pixels in customer HTML: images too small or too hidden to show anything, whose
//! only use is to tell the sender when and where the mail was read. Found with the HTML
//! tokenizer on the mail as received (inline styles are gone after sanitising), then removed
//! from the sanitised HTML, so that no browser ever requests them.

use std::cell::RefCell;
use std::collections::HashSet;

use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use super::html_text::{attribute, is_hidden, raw_kind};

/// The `src` of every tracking pixel in `html`: an `<img>` 0 or 1 pixel wide or high (by
/// attribute or inline style), or hidden (`display: none`, `visibility: hidden`, `hidden`).
pub(super) fn tracking_pixels(html: &str) -> HashSet<String> {
    let tokenizer = Tokenizer::new(Finder::default(), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    // Only a sink asking to run a script can pause the tokenizer; ours never does.
    while let TokenizerResult::Script(()) = tokenizer.feed(&queue) {}
    tokenizer.end();
    tokenizer.sink.0.into_inner()
}

#[derive(Default)]
struct Finder(RefCell<HashSet<String>>);

impl TokenSink for Finder {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if tag.kind != TagKind::StartTag {
            return TokenSinkResult::Continue;
        }
        if &*tag.name == "img"
            && is_pixel(&tag)
            && let Some(src) = attribute(&tag, "src")
        {
            self.0.borrow_mut().insert(src.trim().to_owned());
        }
        match raw_kind(&tag.name) {
            Some(kind) => TokenSinkResult::RawData(kind),
            None => TokenSinkResult::Continue,
        }
    }
}

fn is_pixel(tag: &Tag) -> bool {
    if is_hidden(tag) {
        return true;
    }
    let tiny = |value: &str| {
        let value = value.trim().trim_end_matches("px").trim();
        value.parse::<f64>().is_ok_and(|size| size <= 1.0)
    };
    if ["width", "height"]
        .into_iter()
        .any(|name| attribute(tag, name).is_some_and(tiny))
    {
        return true;
    }
    attribute(tag, "style").is_some_and(|style| {
        style.split(';').any(|declaration| {
            declaration
                .split_once(':')
                .is_some_and(|(property, value)| {
                    let property = property.trim().to_ascii_lowercase();
                    let value = value.trim().trim_end_matches("!important");
                    matches!(
                        property.as_str(),
                        "width" | "height" | "max-width" | "max-height"
                    ) && tiny(value)
                })
        })
    })
}

/// `clean` (ammonia's serialised output) without the `<img>` tags whose `src` is in `pixels`.
///
/// Relies on how html5ever serialises: text escapes `<`, and attribute values are always in
/// double quotes with `"` escaped, so every `<` outside quotes starts a tag and the first `>`
/// outside quotes ends it.
pub(super) fn drop_images(clean: &str, pixels: &HashSet<String>) -> String {
    let mut out = String::with_capacity(clean.len());
    let mut rest = clean;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let mut quoted = false;
        let close = rest
            .char_indices()
            .find(|(_, c)| {
                if *c == '"' {
                    quoted = !quoted;
                }
                *c == '>' && !quoted
            })
            .map_or(rest.len(), |(at, _)| at + 1);
        let tag = &rest[..close];
        let is_img = tag
            .strip_prefix("<img")
            .is_some_and(|after| after.starts_with([' ', '>', '/']));
        if !(is_img && image_source(tag).is_some_and(|src| pixels.contains(src.trim()))) {
            out.push_str(tag);
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// The unescaped `src` of a serialised `<img …>` tag.
fn image_source(tag: &str) -> Option<String> {
    let mut rest = tag.strip_prefix("<img")?;
    loop {
        rest = rest.trim_start();
        let name_end = rest.find(['=', ' ', '>', '/'])?;
        let name = &rest[..name_end];
        rest = &rest[name_end..];
        let Some(value) = rest.strip_prefix("=\"") else {
            if name.is_empty() {
                return None;
            }
            continue;
        };
        let end = value.find('"')?;
        if name == "src" {
            return Some(
                value[..end]
                    .replace("&quot;", "\"")
                    .replace("&nbsp;", "\u{a0}")
                    .replace("&amp;", "&"),
            );
        }
        rest = &value[end + 1..];
    }
}
