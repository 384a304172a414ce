//! Raw RFC 5322 mail → Switchboard events: a message with threading hints and the automated
//! flag, or, for a delivery status notification, the failure of our outbound message (and a
//! suppression on a hard bounce). Used by the IMAP listener and the HTTP hook alike.

use chrono::{DateTime, Utc};
use connector_sdk::{
    Attachment, DeliveryState, DeliveryUpdate, InboundEvent, InboundMessage, Sender, Suppression,
    Threading,
};
use mail_parser::{Address, Message, MessageParser, MessagePart, MimeHeaders};

use crate::address::{
    Signer, is_reply_subject, normalize_message_id, normalize_subject, subject_tag,
    synthetic_message_id,
};
use crate::blobs::BlobStore;
use crate::body::{display_text, html_to_text, sanitize_html};
use crate::bounce::{Bounce, Outcome, read_bounce};
use crate::loops::{Headers, automated_reason};
use crate::spool::{self, Skeleton};

/// At most this many referenced ids are passed on: the newest carry the thread, and a mail
/// with thousands of references must not cost thousands of lookups.
const MAX_REFERENCES: usize = 30;

/// At most this many `To`/`Cc` addresses are checked against our signatures: a mail listing
/// thousands must not cost thousands of MACs.
const MAX_RECIPIENTS: usize = 50;

/// Why a mail could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The bytes are not a usable mail; retrying cannot help.
    NotMail(String),
    /// An attachment could not be stored; the mail must be read again later.
    Storage(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotMail(reason) => f.write_str(reason),
            ReadError::Storage(err) => write!(f, "storing an attachment failed: {err}"),
        }
    }
}

/// What the reader needs to know about the channel.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    pub channel: &'a str,
    /// The identity scope of senders (`email`).
    pub scope: &'a str,
    pub signer: &'a Signer,
    /// Our own address(es), lowercase.
    pub own: &'a [String],
    pub blobs: &'a BlobStore,
    pub max_attachment_bytes: usize,
    /// The large parts already moved to the blob store when the mail was read as a stream
    /// ([`Reader::read_from`]).
    pub spooled: Option<&'a Skeleton>,
}

impl Reader<'_> {
    /// Reads one raw mail from a stream, moving its large parts into the blob store as they
    /// go by, so a mail of any size costs about the same memory (see [`crate::spool`]).
    ///
    /// # Errors
    /// As [`Reader::read`]; [`ReadError::Storage`] also when the input cannot be read.
    pub fn read_from(&self, input: impl std::io::BufRead) -> Result<Vec<InboundEvent>, ReadError> {
        let limits = spool::Limits::new(self.max_attachment_bytes as u64);
        let skeleton = spool::skeletonize(input, self.blobs, limits).map_err(ReadError::Storage)?;
        Reader {
            spooled: Some(&skeleton),
            ..*self
        }
        .read(&skeleton.raw)
    }

    /// Reads one raw mail.
    ///
    /// # Errors
    /// [`ReadError::NotMail`] saying what is wrong with the bytes, or [`ReadError::Storage`]
    /// when an attachment could not be written.
    pub fn read(&self, raw: &[u8]) -> Result<Vec<InboundEvent>, ReadError> {
        // A mail that is all headers and lacks the final line break would lose its last
        // header to the parser, which waits for the end of that line.
        let terminated;
        let raw = if raw.ends_with(b"\n") {
            raw
        } else {
            terminated = [raw, b"\r\n"].concat();
            terminated.as_slice()
        };
        let mail = MessageParser::default()
            .parse(raw)
            .filter(|mail| !mail.headers().is_empty())
            .ok_or_else(|| ReadError::NotMail("not an RFC 5322 message (no headers)".into()))?;
        // Only a report on a message we really sent to the failed recipient (the MAC in our
        // Message-ID covers the recipient) fails that message and suppresses the address. Any
        // other report (forged, a bounce of someone's personal mail that landed here, or on a
        // message from before ids were bound to their recipient) is kept as automated mail
        // for a person to see: it never changes state and is never dropped.
        if let Some(bounce) = read_bounce(&mail) {
            let ours: Vec<&str> = bounce
                .recipients
                .iter()
                .map(String::as_str)
                .filter(|to| {
                    self.signer
                        .is_our_message_id_to(&bounce.original_message_id, to)
                })
                .collect();
            if !ours.is_empty() {
                return Ok(self.bounce_events(&bounce, &ours));
            }
            tracing::warn!(
                channel = self.channel,
                original = %bounce.original_message_id,
                "a delivery report names no message we sent to its recipients; kept as mail"
            );
        }
        // A copy of our own outbound mail (a provider filing sent mail in the inbox, a Bcc to
        // ourselves) is not a customer's message. Only a Message-ID whose MAC verifies for one
        // of the listed recipients counts: a customer's mail that merely looks like ours is
        // still the customer's.
        if let Some(id) = mail.message_id().and_then(normalize_message_id)
            && listed_recipients(&mail).any(|to| self.signer.is_our_message_id_to(&id, &to))
        {
            tracing::debug!(channel = self.channel, "skipping a copy of our own mail");
            return Ok(Vec::new());
        }
        Ok(vec![InboundEvent::Message(self.message(&mail, raw)?)])
    }

    /// What a report on our message means: the failure of the message and, when permanent,
    /// the suppression of each recipient in `ours` (those the report names that our
    /// Message-ID was really sent to); or, for a delay, a note on the message that changes no
    /// state.
    fn bounce_events(&self, bounce: &Bounce, ours: &[&str]) -> Vec<InboundEvent> {
        let mut events = Vec::new();
        if bounce.outcome == Outcome::Delayed {
            let mut update = DeliveryUpdate::new(
                self.channel,
                bounce.original_message_id.clone(),
                DeliveryState::Sent,
            );
            update.note = Some(bounce.reason());
            events.push(InboundEvent::Delivery(update));
            return events;
        }
        let mut update = DeliveryUpdate::new(
            self.channel,
            bounce.original_message_id.clone(),
            DeliveryState::Failed,
        );
        update.error = Some(bounce.reason());
        events.push(InboundEvent::Delivery(update));
        if bounce.is_hard() {
            for recipient in ours {
                events.push(InboundEvent::Suppressed(Suppression::new(
                    self.channel,
                    self.scope,
                    (*recipient).to_owned(),
                    format!("hard bounce: {}", bounce.reason()),
                )));
            }
        }
        events
    }

    fn message(&self, mail: &Message<'_>, raw: &[u8]) -> Result<InboundMessage, ReadError> {
        let (address, name) = sender_of(mail)
            .ok_or_else(|| ReadError::NotMail("the mail has no sender address".into()))?;
        let external_id = mail
            .message_id()
            .and_then(normalize_message_id)
            .unwrap_or_else(|| synthetic_message_id(&address, raw));

        // html5ever logs its warnings through `log`; this span says which mail they are about.
        let _span = tracing::warn_span!(
            "email_body",
            channel = self.channel,
            message_id = %external_id
        )
        .entered();
        let full_text = match mail.body_text(0) {
            Some(text) if mail.text_body_count() > 0 && !is_html_only(mail) => text.into_owned(),
            _ => mail
                .body_html(0)
                .map(|html| html_to_text(&html))
                .unwrap_or_default(),
        };
        let text = display_text(&full_text);
        let html = mail
            .html_bodies()
            .next()
            .filter(|part| part.is_text_html())
            .and_then(MessagePart::text_contents)
            .map(sanitize_html);

        let header = |name: &'static str| mail.header_raw(name).map(str::trim);
        let loop_headers = Headers {
            auto_submitted: header("Auto-Submitted"),
            x_autoreply: header("X-Autoreply"),
            x_autorespond: header("X-Autorespond"),
            precedence: header("Precedence"),
            list_id: header("List-Id"),
            list_unsubscribe: header("List-Unsubscribe"),
            return_path: header("Return-Path"),
            auto_response_suppress: header("X-Auto-Response-Suppress"),
            x_apple_action: header("X-Apple-Action"),
            subject: mail.subject(),
            from: &address,
            is_report: mail.content_type().is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case("multipart")
                    && ct
                        .subtype()
                        .is_some_and(|sub| sub.eq_ignore_ascii_case("report"))
            }),
        };
        let own: Vec<&str> = self.own.iter().map(String::as_str).collect();
        let automated = automated_reason(&loop_headers, &own);
        if let Some(reason) = automated {
            tracing::debug!(channel = self.channel, %address, reason, "automated mail");
        }

        let mut sender = Sender::new(self.scope, address.clone()).with_email(address.clone());
        if let Some(name) = name.filter(|name| !name.trim().is_empty()) {
            sender = sender.with_name(name);
        }
        let mut message = InboundMessage::text(self.channel, external_id, sender, text.clone())
            .with_attachments(self.attachments(mail)?);
        if let Some(at) = mail
            .date()
            .and_then(|date| DateTime::<Utc>::from_timestamp(date.to_timestamp(), 0))
        {
            message = message.sent_at(at);
        }
        message.html = html;
        message.automated = automated.is_some();
        if full_text.trim() != text {
            message.full_text = Some(full_text);
        }
        let subject = mail.subject().unwrap_or_default();
        let normalized = normalize_subject(subject);
        let mut threading = Threading::new(
            self.signed_conversation(mail),
            references(mail),
            subject_tag(subject),
            (!normalized.is_empty()).then_some(normalized),
        );
        threading.is_reply = !threading.references.is_empty() || is_reply_subject(subject);
        message.threading = Some(threading);
        Ok(message)
    }

    /// The conversation named by one of our signed reply addresses among the recipients.
    fn signed_conversation(&self, mail: &Message<'_>) -> Option<i64> {
        // MTAs record the envelope recipient here when the header recipients were rewritten.
        let envelope = ["Delivered-To", "X-Original-To", "Envelope-To"]
            .into_iter()
            .filter_map(|name| mail.header_raw(name).map(str::to_owned));
        listed_recipients(mail)
            .chain(envelope)
            .find_map(|address| self.signer.verify_reply_address(&address))
    }

    fn attachments(&self, mail: &Message<'_>) -> Result<Vec<Attachment>, ReadError> {
        let mut list = Vec::new();
        for (index, part) in mail.attachments().enumerate() {
            let moved = self.spooled.and_then(|skeleton| skeleton.part_of(part));
            let bytes = part.contents();
            let mime = part.content_type().map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
                None => ct.ctype().to_ascii_lowercase(),
            });
            let content_id = part
                .content_id()
                .map(|id| id.trim().trim_matches(['<', '>']).to_owned())
                .filter(|id| !id.is_empty());
            let name = part
                .attachment_name()
                .map(str::to_owned)
                .or_else(|| content_id.as_ref().map(|id| format!("inline-{id}")))
                .unwrap_or_else(|| unnamed_part_name(part, mime.as_deref(), index + 1));
            let size = moved.map_or(bytes.len() as u64, |moved| moved.size);
            let reference = if let Some(moved) = moved {
                moved.reference.clone()
            } else if bytes.len() <= self.max_attachment_bytes {
                self.blobs.put(bytes).map_err(ReadError::Storage)?
            } else {
                tracing::warn!(
                    channel = self.channel,
                    size,
                    "attachment over the size limit kept as metadata only"
                );
                String::new()
            };
            let mut attachment = Attachment::channel_file(reference);
            // An empty reference means the bytes were not kept.
            attachment.file_id = attachment.file_id.filter(|id| !id.is_empty());
            attachment.name = Some(name);
            attachment.content_id = content_id;
            attachment.mime_type = mime;
            attachment.size = Some(size);
            list.push(attachment);
        }
        Ok(list)
    }
}

/// A file name for a part that has none, so agents can download it as something their
/// computer opens: a forwarded mail as `<its subject>.eml`, a calendar invitation as
/// `invite.ics`, a delivery report as `delivery-status.txt`, anything else as
/// `attachment-<n>.<extension of its type>`.
fn unnamed_part_name(part: &MessagePart<'_>, mime: Option<&str>, position: usize) -> String {
    let mime = mime.unwrap_or("application/octet-stream");
    match mime {
        "message/rfc822" | "message/global" => {
            let subject = part
                .message()
                .and_then(Message::subject)
                .map(safe_file_stem)
                .filter(|stem| !stem.is_empty());
            format!("{}.eml", subject.as_deref().unwrap_or("message"))
        }
        "text/calendar" | "application/ics" => "invite.ics".to_owned(),
        "message/delivery-status" | "message/global-delivery-status" => {
            "delivery-status.txt".to_owned()
        }
        "text/rfc822-headers" | "message/rfc822-headers" => "headers.txt".to_owned(),
        _ => format!("attachment-{position}.{}", extension_of(mime)),
    }
}

/// A subject made fit for a file name: no path separators, controls or characters Windows
/// refuses, at most 80 characters.
fn safe_file_stem(subject: &str) -> String {
    subject
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(80)
        .collect::<String>()
        .trim()
        .trim_matches('.')
        .to_owned()
}

/// The usual file extension of a media type.
fn extension_of(mime: &str) -> &'static str {
    match mime {
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "application/json" => "json",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/csv" => "csv",
        "text/vcard" | "text/x-vcard" => "vcf",
        "audio/mpeg" => "mp3",
        "audio/ogg" => "ogg",
        "video/mp4" => "mp4",
        _ => "bin",
    }
}

/// A mail whose only "text" body is mail-parser's conversion of its HTML part.
fn is_html_only(mail: &Message<'_>) -> bool {
    mail.text_bodies().all(MessagePart::is_text_html)
}

/// The sender's address (lowercase) and display name: `From`, else `Sender`.
fn sender_of(mail: &Message<'_>) -> Option<(String, Option<String>)> {
    [mail.from(), mail.sender()]
        .into_iter()
        .flatten()
        .flat_map(Address::iter)
        .find_map(|addr| {
            let address = addr.address()?.trim().to_ascii_lowercase();
            address
                .contains('@')
                .then(|| (address, addr.name().map(str::to_owned)))
        })
}

/// The `To` and `Cc` addresses, at most [`MAX_RECIPIENTS`] of them.
fn listed_recipients<'m>(mail: &'m Message<'_>) -> impl Iterator<Item = String> + 'm {
    [mail.to(), mail.cc()]
        .into_iter()
        .flatten()
        .flat_map(Address::iter)
        .filter_map(|addr| addr.address().map(str::to_owned))
        .take(MAX_RECIPIENTS)
}

/// `In-Reply-To` first, then `References` newest first; normalised, unique, bounded.
fn references(mail: &Message<'_>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut push = |raw: &str| {
        if let Some(id) = normalize_message_id(raw)
            && !ids.contains(&id)
            && ids.len() < MAX_REFERENCES
        {
            ids.push(id);
        }
    };
    for raw in header_ids(mail, "In-Reply-To") {
        push(&raw);
    }
    for raw in header_ids(mail, "References").into_iter().rev() {
        push(&raw);
    }
    ids
}

/// Every `<id>` in a header's raw value (mail-parser keeps only the first of a malformed list).
fn header_ids(mail: &Message<'_>, name: &str) -> Vec<String> {
    let Some(raw) = mail.header_raw(name) else {
        return Vec::new();
    };
    let bracketed: Vec<String> = raw
        .split('<')
        .skip(1)
        .filter_map(|chunk| chunk.split_once('>').map(|(id, _)| id.to_owned()))
        .collect();
    if bracketed.is_empty() {
        raw.split_whitespace().map(str::to_owned).collect()
    } else {
        bracketed
    }
}

#[cfg(test)]
#[path = "convert_machine_tests.rs"]
mod machine_tests;
#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
