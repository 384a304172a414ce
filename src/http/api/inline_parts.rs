//! Inline images of email HTML (`<img src="cid:…">`) pointed at the attachment route that
//! serves the part, so that the HTML shows them without any remote fetch.

use connector_sdk::Attachment;

use crate::domain::MessageId;

/// `html` with each `"cid:…"` attribute value naming a stored part of `attachments` (by its
/// `Content-ID`) replaced by `/api/v1/messages/{id}/attachments/{index}`. References to parts
/// that were not kept stay as they are (they show as broken images, never as a fetch).
///
/// `html` is sanitised HTML, whose attribute values are always double-quoted with `&`
/// written `&amp;`.
pub fn point_at_parts(html: &str, id: MessageId, attachments: &[Attachment]) -> String {
    let parts: Vec<(usize, &str)> = attachments
        .iter()
        .enumerate()
        .filter(|(_, part)| part.file_id.is_some())
        .filter_map(|(index, part)| Some((index, part.content_id.as_deref()?)))
        .collect();
    if parts.is_empty() {
        return html.to_owned();
    }
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len());
    let mut done = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find("\"cid:") {
        let start = search + found + 1;
        let value_start = start + "cid:".len();
        let Some(length) = html[value_start..].find('"') else {
            break;
        };
        let reference =
            percent_decode(&html[value_start..value_start + length].replace("&amp;", "&"));
        search = value_start + length;
        // Only attribute values (`src="cid:…"`); text that quotes one stays.
        let in_attribute = html[..start - 1].ends_with('=');
        if !in_attribute {
            continue;
        }
        if let Some((index, _)) = parts
            .iter()
            .find(|(_, content_id)| content_id.eq_ignore_ascii_case(&reference))
        {
            out.push_str(&html[done..start]);
            out.push_str(&format!(
                "/api/v1/messages/{}/attachments/{index}",
                id.get()
            ));
            done = value_start + length;
        }
    }
    out.push_str(&html[done..]);
    out
}

/// RFC 2392 writes a Content-ID in a `cid:` URL percent-encoded (`cid:a%40b` for `<a@b>`).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(content_id: Option<&str>, stored: bool) -> Attachment {
        let mut part = Attachment::channel_file(if stored { "blob" } else { "" });
        if !stored {
            part.file_id = None;
        }
        part.content_id = content_id.map(str::to_owned);
        part
    }

    #[test]
    fn cid_references_point_at_stored_parts() {
        let parts = [
            part(None, true),
            part(Some("logo@shop"), true),
            part(Some("a&b@shop"), true),
            part(Some("gone@shop"), false),
        ];
        let html = "<p><img src=\"cid:logo@shop\"><img src=\"CID:logo%40shop\">\
                    <img src=\"cid:a&amp;b@shop\"><img src=\"cid:gone@shop\">\
                    <img src=\"cid:other\"></p><p>\"cid:logo@shop\" in text</p>";
        assert_eq!(
            point_at_parts(html, MessageId::new(7), &parts),
            "<p><img src=\"/api/v1/messages/7/attachments/1\"><img src=\"/api/v1/messages/7/attachments/1\">\
             <img src=\"/api/v1/messages/7/attachments/2\"><img src=\"cid:gone@shop\">\
             <img src=\"cid:other\"></p><p>\"cid:logo@shop\" in text</p>"
        );
    }
}
