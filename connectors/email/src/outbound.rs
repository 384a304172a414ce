//! Switchboard's outbound message → an RFC 5322 mail (lettre): multipart text + HTML, the
//! thread's headers, the signed Reply-To, the tagged subject, attachments, and the RFC 3834
//! markers on automatic mail.

use std::panic::AssertUnwindSafe;

use connector_sdk::text::{clean_line, clean_optional_line};
use connector_sdk::{ConnectorError, OutboundMessage};
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::address::{Signer, reply_subject};
use crate::blobs::BlobStore;

/// The most ids put into `References` (the root and the newest ones, RFC 5322 §3.6.4 lets the
/// middle go): long threads must not grow the header without bound.
const MAX_REFERENCES: usize = 20;

/// What the writer needs to know about the channel.
pub struct Writer<'a> {
    pub address: &'a str,
    pub display_name: &'a str,
    pub signer: &'a Signer,
    pub blobs: &'a BlobStore,
}

/// A mail ready for SMTP, with its Message-ID (without brackets).
pub struct Outgoing {
    pub message_id: String,
    pub mail: Message,
}

fn rejected(what: &str, err: impl std::fmt::Display) -> ConnectorError {
    ConnectorError::rejected(format!("{what}: {err}"))
}

fn brackets(id: &str) -> String {
    format!("<{id}>")
}

/// A message id fit for `In-Reply-To`/`References`: one cleaned token of visible ASCII
/// without angle brackets (they are added around it), else nothing. The ids we made up for
/// mail that had none are nothing too: no client ever saw them.
fn header_id(id: &str) -> Option<String> {
    let id = clean_line(id);
    let fits = !id.is_empty()
        && !crate::address::is_synthetic_message_id(&id)
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '<' && c != '>');
    fits.then_some(id)
}

impl Writer<'_> {
    /// Builds the mail for `msg`. Every value that becomes a header is cleaned to one line
    /// here again: stored data may predate cleaning at entry.
    ///
    /// # Errors
    /// `Rejected` when the recipient address, an attachment or the content cannot make a mail,
    /// or when lettre panics on a value (its header encoders unwrap internally): one bad
    /// stored value fails its message, never the caller.
    pub fn write(&self, msg: &OutboundMessage) -> Result<Outgoing, ConnectorError> {
        std::panic::catch_unwind(AssertUnwindSafe(|| self.build(msg))).unwrap_or_else(|payload| {
            Err(ConnectorError::rejected(format!(
                "the mail cannot be written: {}",
                connector_sdk::panic_message(payload.as_ref())
            )))
        })
    }

    fn build(&self, msg: &OutboundMessage) -> Result<Outgoing, ConnectorError> {
        let to_address = msg
            .to
            .external_id
            .parse()
            .map_err(|err| rejected("recipient address", err))?;
        let to = Mailbox::new(clean_optional_line(msg.to.name.as_deref()), to_address);
        let display_name = clean_line(self.display_name);
        let agent = clean_optional_line(
            msg.author
                .as_ref()
                .and_then(|author| author.name.as_deref()),
        );
        let from_name = match agent {
            // Parentheses or commas would force an encoded word; "from" reads well in every client.
            Some(agent) if !msg.automated => format!("{agent} from {display_name}"),
            _ => display_name.clone(),
        };
        let from = Mailbox::new(
            Some(from_name),
            self.address
                .parse()
                .map_err(|err| rejected("our address", err))?,
        );
        let reply_to = Mailbox::new(
            Some(display_name),
            self.signer
                .reply_address(msg.conversation_id)
                .parse()
                .map_err(|err| rejected("reply address", err))?,
        );
        let created_ms = msg.created_at.timestamp_millis();
        let message_id = self
            .signer
            .message_id(&msg.id, created_ms, &msg.to.external_id);

        let subject = clean_optional_line(msg.subject.as_deref());
        let references: Vec<String> = msg
            .references
            .iter()
            .filter_map(|id| header_id(id))
            .collect();
        let mut builder = Message::builder()
            .from(from)
            .reply_to(reply_to)
            .to(to)
            .subject(match &msg.campaign {
                // A campaign opens a thread of its own: no "Re:" and no conversation tag.
                Some(_) => subject.unwrap_or_default(),
                None => reply_subject(subject.as_deref(), msg.conversation_id),
            })
            .message_id(Some(brackets(&message_id)))
            .date(msg.created_at.into());
        let in_reply_to = msg
            .in_reply_to
            .as_deref()
            .and_then(header_id)
            .or_else(|| references.last().cloned());
        if let Some(parent) = &in_reply_to {
            builder = builder.in_reply_to(brackets(parent));
        }
        let references = thread_references(&references, in_reply_to.as_deref());
        if !references.is_empty() {
            builder = builder.references(
                references
                    .iter()
                    .map(|id| brackets(id))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        if msg.automated {
            // RFC 3834 §5: answers to a person are "auto-replied", anything else a machine
            // starts is "auto-generated".
            let kind = if in_reply_to.is_some() {
                "auto-replied"
            } else {
                "auto-generated"
            };
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("Auto-Submitted"),
                    kind.into(),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
                    "All".into(),
                ));
        }
        if let Some(campaign) = &msg.campaign {
            builder = bulk_headers(builder, campaign);
        }

        let text = msg.text.clone();
        let html = msg.html.clone().unwrap_or_else(|| text_to_html(&text));
        let body = MultiPart::alternative_plain_html(text, html);
        let mail = if msg.attachments.is_empty() {
            builder.multipart(body)
        } else {
            let mut mixed = MultiPart::mixed().multipart(body);
            for (index, attachment) in msg.attachments.iter().enumerate() {
                mixed = mixed.singlepart(self.attachment_part(index, attachment)?);
            }
            builder.multipart(mixed)
        }
        .map_err(|err| rejected("building the mail", err))?;
        Ok(Outgoing { message_id, mail })
    }

    fn attachment_part(
        &self,
        index: usize,
        attachment: &connector_sdk::Attachment,
    ) -> Result<SinglePart, ConnectorError> {
        let reference = attachment.file_id.as_deref().ok_or_else(|| {
            ConnectorError::rejected("email attachments must be stored files (file_id)")
        })?;
        let bytes = self
            .blobs
            .get(reference)
            .map_err(|err| ConnectorError::unavailable(err, None))?
            .ok_or_else(|| {
                ConnectorError::rejected(format!("attachment {reference} is not in the blob store"))
            })?;
        let mime = attachment
            .mime_type
            .as_deref()
            .and_then(|mime| ContentType::parse(mime).ok())
            .unwrap_or_else(|| {
                ContentType::parse("application/octet-stream").unwrap_or(ContentType::TEXT_PLAIN)
            });
        let name = clean_optional_line(attachment.name.as_deref())
            .unwrap_or_else(|| format!("attachment-{}", index + 1));
        Ok(lettre::message::Attachment::new(name).body(bytes, mime))
    }
}

/// The References of a reply: the thread's ids (oldest first) ending with the parent, bounded
/// by keeping the root and the newest.
fn thread_references(thread: &[String], parent: Option<&str>) -> Vec<String> {
    let mut ids: Vec<String> = thread.to_vec();
    if let Some(parent) = parent {
        ids.retain(|id| id != parent);
        ids.push(parent.to_owned());
    }
    if ids.len() > MAX_REFERENCES {
        let tail = ids.split_off(ids.len() - (MAX_REFERENCES - 1));
        ids.truncate(1);
        ids.extend(tail);
    }
    ids
}

/// Minimal HTML for a text reply: escaped, paragraphs and line breaks kept.
pub fn text_to_html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let paragraphs: Vec<String> = escaped
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", p.trim().replace('\n', "<br>\n")))
        .collect();
    format!(
        "<!DOCTYPE html><html><body>{}</body></html>",
        paragraphs.join("\n")
    )
}

/// The headers of bulk mail (campaigns): `Precedence: bulk`, `List-Id` (RFC 2919),
/// `List-Unsubscribe` with the signed link and the mailto (RFC 2369), and
/// `List-Unsubscribe-Post` for one-click unsubscribe (RFC 8058 §3.1).
fn bulk_headers(
    builder: lettre::message::MessageBuilder,
    campaign: &connector_sdk::CampaignHeaders,
) -> lettre::message::MessageBuilder {
    let mut unsubscribe = format!("<{}>", clean_line(&campaign.unsubscribe_url));
    if let Some(mailto) = clean_optional_line(campaign.unsubscribe_mailto.as_deref()) {
        unsubscribe.push_str(&format!(", <{mailto}>"));
    }
    let header = |name: &'static str, value: String| {
        HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
    };
    builder
        .raw_header(header("Precedence", "bulk".into()))
        .raw_header(header("List-Id", clean_line(&campaign.list_id)))
        .raw_header(header("List-Unsubscribe", unsubscribe))
        .raw_header(header(
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".into(),
        ))
}

/// Campaign mail carries the bulk headers (apart from the reply tests below).
#[cfg(test)]
mod bulk_header_tests {
    use super::*;
    use connector_sdk::{CampaignHeaders, Recipient};

    #[test]
    fn campaign_mail_has_list_headers_and_its_own_subject() {
        let dir = tempfile::tempdir().expect("dir");
        let signer = Signer::new(b"k", "news@example.test", "example.test");
        let blobs = BlobStore::new(dir.path());
        let writer = Writer {
            address: "news@example.test",
            display_name: "ACME",
            signer: &signer,
            blobs: &blobs,
        };
        let mut msg = OutboundMessage::text(
            "campaign-7-42",
            "mail",
            0,
            Recipient::new("jane@customer.test"),
            "Spring sale",
        );
        msg.subject = Some("Spring sale".into());
        msg.campaign = Some(CampaignHeaders::new(
            "Spring sale <campaign-7.example.test>",
            "https://sb.example.test/unsubscribe/7.42.email.abc",
            Some("mailto:unsubscribe@example.test?subject=unsubscribe-7-42".into()),
        ));
        let raw =
            String::from_utf8(writer.write(&msg).expect("write").mail.formatted()).expect("utf8");
        let unfolded = raw.replace("\r\n ", " ");
        assert!(unfolded.contains("Precedence: bulk"), "{raw}");
        assert!(
            unfolded.contains("List-Id: Spring sale <campaign-7.example.test>"),
            "{raw}"
        );
        assert!(
            unfolded.contains(
                "List-Unsubscribe: <https://sb.example.test/unsubscribe/7.42.email.abc>, \
                 <mailto:unsubscribe@example.test?subject=unsubscribe-7-42>"
            ),
            "{raw}"
        );
        assert!(
            unfolded.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{raw}"
        );
        assert!(unfolded.contains("Subject: Spring sale\r\n"), "{raw}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use connector_sdk::{Author, Recipient};

    fn writer_parts() -> (Signer, BlobStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        (
            Signer::new(b"k", "support@example.test", "example.test"),
            BlobStore::new(dir.path()),
            dir,
        )
    }

    fn reply() -> OutboundMessage {
        let mut to = Recipient::new("jane@customer.test");
        to.name = Some("Jane".into());
        let mut msg = OutboundMessage::text("17", "mail", 42, to, "Hello <Jane> & co")
            .by(Some(Author::new("agent:1", Some("Alice".into()))))
            .replying_to(Some("c2@customer.test".into()))
            .created_at(
                chrono::Utc
                    .timestamp_millis_opt(1_700_000_000_000)
                    .single()
                    .expect("time"),
            );
        msg.subject = Some("RE: Order 15".into());
        msg.references = vec![
            "c1@customer.test".into(),
            "sb.3.x@example.test".into(),
            "c2@customer.test".into(),
        ];
        msg
    }

    #[test]
    fn a_reply_to_a_mail_without_message_id_names_no_parent() {
        let (signer, blobs, _dir) = writer_parts();
        let writer = Writer {
            address: "support@example.test",
            display_name: "ACME Support",
            signer: &signer,
            blobs: &blobs,
        };
        let made_up = crate::address::synthetic_message_id("jane@customer.test", b"raw");
        let mut msg = reply().replying_to(Some(made_up.clone()));
        msg.references = vec![made_up];
        let out = writer.write(&msg).expect("write");
        let raw = String::from_utf8(out.mail.formatted()).expect("utf8");
        assert!(!raw.contains("In-Reply-To"), "{raw}");
        assert!(!raw.contains("synthetic"), "{raw}");
    }

    #[test]
    fn a_reply_carries_the_thread() {
        let (signer, blobs, _dir) = writer_parts();
        let writer = Writer {
            address: "support@example.test",
            display_name: "ACME Support",
            signer: &signer,
            blobs: &blobs,
        };
        let out = writer.write(&reply()).expect("write");
        assert_eq!(
            out.message_id,
            signer.message_id("17", 1_700_000_000_000, &reply().to.external_id)
        );
        let raw = String::from_utf8(out.mail.formatted()).expect("utf8");
        let unfolded = raw.replace("\r\n ", " ");
        assert!(
            unfolded.contains(&format!("Message-ID: <{}>", out.message_id)),
            "{raw}"
        );
        assert!(
            unfolded.contains("In-Reply-To: <c2@customer.test>"),
            "{raw}"
        );
        assert!(
            unfolded.contains(
                "References: <c1@customer.test> <sb.3.x@example.test> <c2@customer.test>"
            ),
            "{raw}"
        );
        assert!(unfolded.contains("Subject: Re: Order 15 [#42]"), "{raw}");
        assert!(
            unfolded.contains(&format!(
                "Reply-To: \"ACME Support\" <{}>",
                signer.reply_address(42)
            )),
            "{raw}"
        );
        assert!(
            unfolded.contains("From: \"Alice from ACME Support\" <support@example.test>"),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("Hello &lt;Jane&gt; &amp; co"), "{raw}");
        assert!(!raw.contains("Auto-Submitted"), "{raw}");
        // A retry builds the same Message-ID.
        assert_eq!(
            writer.write(&reply()).expect("write").message_id,
            out.message_id
        );
    }

    #[test]
    fn automatic_mail_is_marked() {
        let (signer, blobs, _dir) = writer_parts();
        let writer = Writer {
            address: "support@example.test",
            display_name: "ACME",
            signer: &signer,
            blobs: &blobs,
        };
        let mut msg = reply();
        msg.automated = true;
        let raw =
            String::from_utf8(writer.write(&msg).expect("write").mail.formatted()).expect("utf8");
        assert!(raw.contains("Auto-Submitted: auto-replied"), "{raw}");
        assert!(raw.contains("X-Auto-Response-Suppress: All"), "{raw}");
        assert!(raw.contains("From: ACME <support@example.test>"), "{raw}");
    }

    #[test]
    fn attachments_come_from_the_blob_store() {
        let (signer, blobs, _dir) = writer_parts();
        let reference = blobs.put(b"%PDF-1.4 invoice").expect("put");
        let writer = Writer {
            address: "support@example.test",
            display_name: "ACME",
            signer: &signer,
            blobs: &blobs,
        };
        let mut msg = reply();
        let mut attachment = connector_sdk::Attachment::channel_file(reference);
        attachment.name = Some("invoice.pdf".into());
        attachment.mime_type = Some("application/pdf".into());
        msg.attachments = vec![attachment];
        let raw =
            String::from_utf8(writer.write(&msg).expect("write").mail.formatted()).expect("utf8");
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("filename=\"invoice.pdf\""), "{raw}");
        msg.attachments = vec![connector_sdk::Attachment::at("https://x.test/a.pdf")];
        assert!(matches!(
            writer.write(&msg),
            Err(ConnectorError::Rejected { .. })
        ));
    }

    #[test]
    fn long_threads_keep_the_root_and_the_newest() {
        let thread: Vec<String> = (0..50).map(|n| format!("m{n}@x")).collect();
        let refs = thread_references(&thread, Some("m49@x"));
        assert_eq!(refs.len(), MAX_REFERENCES);
        assert_eq!(refs[0], "m0@x");
        assert_eq!(refs.last().map(String::as_str), Some("m49@x"));
    }

    #[test]
    fn stored_values_with_line_breaks_never_panic_nor_add_headers() {
        // Values stored before names were cleaned at entry reach the writer as they are.
        let (signer, blobs, _dir) = writer_parts();
        let writer = Writer {
            address: "support@example.test",
            display_name: "ACME",
            signer: &signer,
            blobs: &blobs,
        };
        let mut msg = reply();
        msg.to.name = Some("Mallory\r\nBcc: x@evil.test".into());
        if let Some(author) = msg.author.as_mut() {
            author.name = Some("Eve\nCc: y@evil.test".into());
        }
        msg.subject = Some("Order\r\nBcc: z@evil.test".into());
        msg.in_reply_to = Some("c2@customer.test>\r\nBcc: w@evil.test".into());
        let out = writer
            .write(&msg)
            .expect("a hostile value is cleaned, not fatal");
        let raw = String::from_utf8(out.mail.formatted()).expect("utf8");
        let unfolded = raw.replace("\r\n ", " ");
        assert!(
            !unfolded.lines().any(|line| {
                let line = line.to_ascii_lowercase();
                line.starts_with("bcc:") || line.starts_with("cc:")
            }),
            "{raw}"
        );
        // The name on one line, as an encoded word: base64 of "Mallory Bcc: x@evil.test".
        assert!(
            unfolded
                .contains("To: =?utf-8?b?TWFsbG9yeSBCY2M6IHhAZXZpbC50ZXN0?= <jane@customer.test>"),
            "{raw}"
        );
        assert!(
            unfolded.contains("Subject: Re: Order Bcc: z@evil.test [#42]"),
            "{raw}"
        );
    }
}
