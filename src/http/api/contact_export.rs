//! `GET /api/v1/contacts/{id}/export` (right of access): everything held about a contact as
//! one JSON document, or a zip with the document and the attachment files kept on this
//! machine. The document is written page by page into a temporary file and streamed from
//! there, so a contact with thousands of messages never sits in memory whole.
//!
//! The tables it covers are listed in `privacy::coverage` (a test holds the list to the
//! schema); the shape is described in docs/privacy.md and versioned by `format_version`.

use std::io::{Seek, Write};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::audit::AuditEntryView;
use super::erasures::ErasureView;
use super::views::{ContactView, ConversationView, EventView, MessageView, RevisionView};
use crate::domain::audit::{AuditAction, AuditSubject};
use crate::domain::{Contact, ContactId, Message, MessageId, MessageKind};
use crate::http::AppState;
use crate::http::auth::{Admins, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Path, Query};
use connector_sdk::Attachment;

/// Raised when the document's shape changes in a way a reader must know about.
pub const FORMAT_VERSION: u32 = 1;
/// Rows read per query.
const PAGE: i64 = 200;

/// How the export is packed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One JSON document.
    #[default]
    Json,
    /// A zip: `contact.json` and `attachments/<message id>-<index>-<name>`.
    Zip,
}

/// Query of `GET /api/v1/contacts/{id}/export`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default) or `zip` (with the attachment files kept on this machine).
    #[param(inline)]
    pub format: Option<ExportFormat>,
}

/// A message as exported: the API's view plus whether it is internal and its history.
#[derive(Serialize)]
struct ExportMessage {
    #[serde(flatten)]
    message: MessageView,
    /// True for private notes and activity lines (never shown to the contact).
    internal: bool,
    revisions: Vec<RevisionView>,
    /// One entry per attachment, in order: where its bytes are.
    files: Vec<ExportFile>,
}

/// Where an attachment's bytes are.
#[derive(Serialize)]
struct ExportFile {
    index: usize,
    /// The file's path in the zip; `null` in a JSON export or when the file is not kept here.
    path: Option<String>,
    note: &'static str,
}

/// An attachment file to put into the zip after the document.
struct PackedFile {
    path: String,
    channel: String,
    attachment: Attachment,
}

/// `GET /api/v1/contacts/{id}/export`
#[utoipa::path(get, path = "/api/v1/contacts/{id}/export", tag = "contacts",
    params(("id" = i64, Path), ExportQuery),
    responses((status = 200, description = "the contact's data: `application/json` (see docs/privacy.md for the shape) or `application/zip`"), (status = 404)),
    security(("bearer" = ["admin"])))]
pub async fn export_contact(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<ContactId>,
    Query(query): Query<ExportQuery>,
) -> ApiResult<Response> {
    let contact = state.store.get_contact(id).await.for_api("contact")?;
    let format = query.format.unwrap_or_default();
    // Recorded before the document is written, so the export lists its own making.
    state
        .audit_with(
            &caller,
            AuditAction::ContactExported,
            AuditSubject::Contact(id),
            serde_json::json!({"format": match format {
                ExportFormat::Json => "json",
                ExportFormat::Zip => "zip",
            }}),
        )
        .await?;
    let file = tempfile::tempfile().map_err(internal)?;
    let (file, content_type, extension) = match format {
        ExportFormat::Json => {
            let mut out = std::io::BufWriter::new(file);
            write_document(&state, contact, &mut out, false).await?;
            let file = out.into_inner().map_err(|err| internal(err.into_error()))?;
            (file, "application/json", "json")
        }
        ExportFormat::Zip => (
            write_zip(&state, contact, file).await?,
            "application/zip",
            "zip",
        ),
    };
    let mut file = file;
    file.rewind().map_err(internal)?;
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = format!("attachment; filename=\"contact-{id}.{extension}\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn internal(err: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("writing the export: {err}"))
}

fn write_json(out: &mut impl Write, value: &impl Serialize) -> ApiResult<()> {
    serde_json::to_writer(out, value).map_err(internal)
}

fn write_raw(out: &mut impl Write, text: &str) -> ApiResult<()> {
    out.write_all(text.as_bytes()).map_err(internal)
}

/// Writes a JSON field `"name":` followed by `value`, with the comma before it unless first.
fn field(out: &mut impl Write, first: bool, name: &str, value: &impl Serialize) -> ApiResult<()> {
    write_raw(out, if first { "\"" } else { ",\"" })?;
    write_raw(out, name)?;
    write_raw(out, "\":")?;
    write_json(out, value)
}

/// Writes the document; returns the attachment files that a zip should carry (when
/// `with_files`).
async fn write_document(
    state: &AppState,
    contact: Contact,
    out: &mut impl Write,
    with_files: bool,
) -> ApiResult<Vec<PackedFile>> {
    let id = contact.id;
    let store = &state.store;
    write_raw(out, "{")?;
    field(out, true, "format_version", &FORMAT_VERSION)?;
    field(out, false, "exported_at", &chrono::Utc::now())?;
    field(out, false, "contact", &ContactView::from(contact))?;
    let erasure = store.find_erasure_of(id).await.for_api("contact")?;
    field(out, false, "erasure", &erasure.map(ErasureView::from))?;
    field(
        out,
        false,
        "consents",
        &store.contact_consents(id).await.for_api("contact")?,
    )?;
    let merges: Vec<super::contact_merges::MergeView> = store
        .contact_merges(id)
        .await
        .for_api("contact")?
        .into_iter()
        .map(Into::into)
        .collect();
    field(out, false, "merges", &merges)?;
    field(
        out,
        false,
        "suppressions",
        &store.contact_suppressions(id).await.for_api("contact")?,
    )?;
    field(
        out,
        false,
        "campaign_sends",
        &store.contact_campaign_sends(id).await.for_api("contact")?,
    )?;
    field(
        out,
        false,
        "auto_replies",
        &store.contact_auto_replies(id).await.for_api("contact")?,
    )?;
    field(
        out,
        false,
        "web_chat_visitors",
        &store
            .contact_web_chat_visitors(id)
            .await
            .for_api("contact")?,
    )?;
    field(
        out,
        false,
        "message_parts",
        &store.contact_message_parts(id).await.for_api("contact")?,
    )?;
    field(
        out,
        false,
        "csat_surveys",
        &store.contact_csat_surveys(id).await.for_api("contact")?,
    )?;
    field(
        out,
        false,
        "web_chat_continuations",
        &store
            .contact_web_chat_continuations(id)
            .await
            .for_api("contact")?,
    )?;
    field(
        out,
        false,
        "report_records",
        &store.contact_report_records(id).await.for_api("contact")?,
    )?;
    field(
        out,
        false,
        "report_facts",
        &store.contact_report_facts(id).await.for_api("contact")?,
    )?;
    let audit: Vec<AuditEntryView> = store
        .audit_about_contact(id)
        .await
        .for_api("contact")?
        .into_iter()
        .map(AuditEntryView::from)
        .collect();
    field(out, false, "audit", &audit)?;
    write_raw(out, ",\"conversations\":[")?;
    let mut files = Vec::new();
    let conversations = store
        .contact_conversation_ids(id)
        .await
        .for_api("contact")?;
    for (n, conversation_id) in conversations.into_iter().enumerate() {
        let conversation = store
            .get_conversation(conversation_id)
            .await
            .for_api("conversation")?;
        write_raw(out, if n == 0 { "{" } else { ",{" })?;
        field(
            out,
            true,
            "conversation",
            &ConversationView::from(conversation),
        )?;
        field(
            out,
            false,
            "outbox",
            &store
                .conversation_outbox(conversation_id)
                .await
                .for_api("conversation")?,
        )?;
        field(
            out,
            false,
            "timers",
            &store
                .conversation_timers(conversation_id)
                .await
                .for_api("conversation")?,
        )?;
        field(
            out,
            false,
            "assist_jobs",
            &store
                .conversation_assist_jobs(conversation_id)
                .await
                .for_api("conversation")?,
        )?;
        // Agent assist's translations of its messages, and replies as the agent wrote them.
        let translations: Vec<super::assist_translations::TranslationView> = store
            .conversation_translations(conversation_id)
            .await
            .for_api("conversation")?
            .into_iter()
            .map(Into::into)
            .collect();
        field(out, false, "translations", &translations)?;
        write_raw(out, ",\"messages\":[")?;
        let mut after = MessageId::new(0);
        let mut first = true;
        loop {
            let page = store
                .messages_after(conversation_id, after, PAGE)
                .await
                .for_api("conversation")?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let full = i64::try_from(page.len()).unwrap_or(0) == PAGE;
            for message in page {
                let exported = export_message(state, message, with_files, &mut files).await?;
                write_raw(out, if first { "" } else { "," })?;
                write_json(out, &exported)?;
                first = false;
            }
            if !full {
                break;
            }
        }
        write_raw(out, "]}")?;
    }
    write_raw(out, "],\"events\":[")?;
    let mut after = 0;
    let mut first = true;
    loop {
        let page = store
            .contact_events_after(id, after, PAGE)
            .await
            .for_api("contact")?;
        let Some(last) = page.last() else { break };
        after = last.id.get();
        for event in &page {
            write_raw(out, if first { "" } else { "," })?;
            write_json(out, &EventView::from(event))?;
            first = false;
        }
    }
    write_raw(out, "],\"webhook_deliveries\":[")?;
    let mut after = 0;
    let mut first = true;
    loop {
        let page = store
            .contact_webhook_deliveries_after(id, after, PAGE)
            .await
            .for_api("contact")?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for delivery in &page {
            write_raw(out, if first { "" } else { "," })?;
            write_json(out, delivery)?;
            first = false;
        }
    }
    write_raw(out, "]}")?;
    out.flush().map_err(internal)?;
    Ok(files)
}

async fn export_message(
    state: &AppState,
    message: Message,
    with_files: bool,
    files: &mut Vec<PackedFile>,
) -> ApiResult<ExportMessage> {
    let revisions = if message.edited_at.is_some() {
        state
            .store
            .message_revisions(message.id)
            .await
            .for_api("message")?
            .into_iter()
            .map(RevisionView::from)
            .collect()
    } else {
        Vec::new()
    };
    let stored_here = state
        .connectors
        .get(&message.channel)
        .is_some_and(|connector| connector.stores_attachments_locally());
    let mut exported_files = Vec::with_capacity(message.attachments.len());
    for (index, attachment) in message.attachments.iter().enumerate() {
        let file = if attachment.file_id.is_none() {
            ExportFile {
                index,
                path: None,
                note: "no file: the channel gave a link or nothing to download",
            }
        } else if !stored_here {
            ExportFile {
                index,
                path: None,
                note: "kept by the channel's provider, not on this server: not included",
            }
        } else if with_files {
            let path = format!(
                "attachments/{}-{index}-{}",
                message.id,
                safe_file_name(attachment.name.as_deref())
            );
            files.push(PackedFile {
                path: path.clone(),
                channel: message.channel.clone(),
                attachment: attachment.clone(),
            });
            ExportFile {
                index,
                path: Some(path),
                note: "stored on this server: in the zip",
            }
        } else {
            ExportFile {
                index,
                path: None,
                note: "stored on this server: in the zip export (?format=zip)",
            }
        };
        exported_files.push(file);
    }
    Ok(ExportMessage {
        internal: message.kind != MessageKind::Message,
        message: MessageView::from(message),
        revisions,
        files: exported_files,
    })
}

/// Writes the zip: the document first, then each attachment file kept on this machine.
async fn write_zip(
    state: &AppState,
    contact: Contact,
    file: std::fs::File,
) -> ApiResult<std::fs::File> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(file);
    zip.start_file("contact.json", options).map_err(internal)?;
    let files = {
        let mut out = std::io::BufWriter::new(&mut zip);
        let files = write_document(state, contact, &mut out, true).await?;
        out.flush().map_err(internal)?;
        files
    };
    for packed in files {
        let Some(connector) = state.connectors.get(&packed.channel) else {
            continue;
        };
        // A file gone from the store (removed by hand) is left out; the document still
        // lists the attachment.
        let Ok(data) = connector.fetch_attachment(&packed.attachment).await else {
            tracing::warn!(path = %packed.path, "export: attachment file missing, left out");
            continue;
        };
        zip.start_file(packed.path, options).map_err(internal)?;
        zip.write_all(&data.bytes).map_err(internal)?;
    }
    zip.finish().map_err(internal)
}

/// A file name safe inside a zip on any system: no directories, no control or reserved
/// characters, no leading dot, at most 100 characters; `file` when nothing is left.
pub fn safe_file_name(name: Option<&str>) -> String {
    let cleaned: String = name
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let short: String = trimmed.chars().take(100).collect();
    if short.is_empty() || short.chars().all(|c| c == '.' || c == '_') {
        "file".to_owned()
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_cannot_leave_the_attachments_folder_or_hide() {
        assert_eq!(safe_file_name(Some("../../etc/passwd")), "_.._etc_passwd");
        assert_eq!(safe_file_name(Some("..")), "file");
        assert_eq!(safe_file_name(Some("a\u{0}b\r\nc.pdf")), "a_b__c.pdf");
        assert_eq!(safe_file_name(Some("C:\\x\\y.txt")), "C__x_y.txt");
        assert_eq!(safe_file_name(Some(".hidden")), "hidden");
        assert_eq!(safe_file_name(None), "file");
        assert_eq!(safe_file_name(Some("faktura č. 5.pdf")), "faktura č. 5.pdf");
        assert_eq!(safe_file_name(Some(&"x".repeat(300))).len(), 100);
    }
}
