//! Message routes: edit history, attachment download and remote images of email.

use crate::domain::audit::{AuditAction, AuditSubject};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use connector_sdk::ConnectorError;
use connector_sdk::net::{Credential, FetchError};
use serde::Deserialize;

use super::views::RevisionView;
use crate::domain::MessageId;
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path, Query};

/// `GET /api/v1/messages/{id}/revisions`: earlier texts of an edited message, oldest first.
#[utoipa::path(get, path = "/api/v1/messages/{id}/revisions", tag = "conversations",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<RevisionView>), (status = 404)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn list_revisions(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<MessageId>,
) -> ApiResult<Json<Vec<RevisionView>>> {
    state.ensure_message_visible(&caller, id).await?;
    let revisions = state.store.list_revisions(id).await.for_api("message")?;
    state
        .audit(
            &caller,
            AuditAction::MessageViewed,
            AuditSubject::Message(id),
        )
        .await?;
    Ok(Json(
        revisions.into_iter().map(RevisionView::from).collect(),
    ))
}

/// Types served as themselves: raster images, PDF and plain text, which a browser shows but
/// never runs. Everything else (HTML, SVG, scripts, XML, unknown types) is served as opaque
/// bytes: an allow-list, because a deny-list misses spellings and new active types.
const INLINE_TYPES: [&str; 6] = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
];

/// The `Content-Type` to serve a file of `declared` type with: the lowercased, trimmed
/// essence when it is on [`INLINE_TYPES`] (text keeps only a UTF-8 or ASCII charset),
/// otherwise `application/octet-stream`.
fn served_type(declared: Option<&str>) -> &'static str {
    let Some(declared) = declared else {
        return "application/octet-stream";
    };
    let mut parts = declared.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let Some(allowed) = INLINE_TYPES.iter().find(|allowed| **allowed == essence) else {
        return "application/octet-stream";
    };
    if *allowed != "text/plain" {
        return allowed;
    }
    // Any other charset could make the text decode as something else (UTF-7 tricks).
    let charset = parts.find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    });
    match charset.as_deref() {
        Some("us-ascii") => "text/plain; charset=us-ascii",
        _ => "text/plain; charset=utf-8",
    }
}

/// Bidirectional embedding, override and isolate controls: in a file name they make
/// `exe.pdf` read as `fdp.exe`.
fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// `Content-Disposition: attachment` with an ASCII `filename` and, when the name has
/// non-ASCII characters, the name as an RFC 5987 `filename*` (without controls).
fn disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_ ".contains(*c))
        .collect();
    let ascii = if ascii.trim().is_empty() {
        "attachment".to_owned()
    } else {
        ascii
    };
    let mut value = format!("attachment; filename=\"{ascii}\"");
    if !name.is_ascii() {
        let encoded: String = name
            .chars()
            .filter(|c| !c.is_control() && !is_direction_control(*c))
            .collect::<String>()
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        value.push_str(&format!("; filename*=UTF-8''{encoded}"));
    }
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("attachment"))
}

/// `GET /api/v1/messages/{id}/attachments/{index}`: downloads a file the channel keeps.
/// Always served as a download (`Content-Disposition: attachment`, `nosniff`): customer files
/// never run in the inbox's origin.
#[utoipa::path(get, path = "/api/v1/messages/{id}/attachments/{index}", tag = "conversations",
    params(("id" = i64, Path), ("index" = u32, Path)),
    responses((status = 200, description = "the file's bytes"), (status = 404), (status = 502)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn download_attachment(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    // `u32`: documented as a bounded integer, so any index the document allows is parsed (an
    // unbounded one let Schemathesis send numbers past `u64` and get a 400).
    Path((id, index)): Path<(MessageId, u32)>,
) -> ApiResult<Response> {
    state.ensure_message_visible(&caller, id).await?;
    let message = state.store.get_message(id).await.for_api("message")?;
    let attachment = usize::try_from(index)
        .ok()
        .and_then(|index| message.attachments.get(index))
        .ok_or(ApiError::NotFound("attachment"))?;
    state
        .audit_with(
            &caller,
            AuditAction::MessageViewed,
            AuditSubject::Message(id),
            serde_json::json!({ "attachment": index }),
        )
        .await?;
    let connector = state
        .connectors
        .get(&message.channel)
        .ok_or(ApiError::NotFound("channel of this message"))?;
    let data = connector
        .fetch_attachment(attachment)
        .await
        .map_err(|err| match err {
            ConnectorError::Unsupported(_) => ApiError::NotFound("downloadable attachment"),
            ConnectorError::Rejected { reason, .. } => {
                ApiError::Upstream(format!("the channel refused the download: {reason}"))
            }
            ConnectorError::Unavailable { .. } => {
                ApiError::Upstream("the channel is unavailable, try again".into())
            }
            ConnectorError::Unauthorized => {
                ApiError::Upstream("the channel refused our credentials".into())
            }
            ConnectorError::Config(problem) => {
                ApiError::Upstream(format!("the channel's settings cannot work: {problem}"))
            }
        })?;
    let declared = data.mime_type.or_else(|| attachment.mime_type.clone());
    let name = data
        .name
        .or_else(|| attachment.name.clone())
        .unwrap_or_else(|| format!("attachment-{index}"));
    let mut response = Response::new(Body::from(data.bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(served_type(declared.as_deref())),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CONTENT_DISPOSITION, disposition(&name));
    // Opened in a tab anyway (PDF viewers, "view image"), the file gets no script and no
    // access to the inbox's origin.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"),
    );
    Ok(response)
}

/// Query of `GET /api/v1/messages/{id}/images`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoteImageQuery {
    /// An image URL that appears in the message's HTML.
    pub url: String,
}

/// `GET /api/v1/messages/{id}/images?url=…`: one remote image of an email, fetched by the
/// server so that the sender never sees the agent (the inbox loads remote images only this
/// way, when the agent asks). Only URLs in that message's HTML, only raster images, through
/// the SSRF guard, within `[remote_images]` limits, with no cookies or credentials.
#[utoipa::path(get, path = "/api/v1/messages/{id}/images", tag = "conversations",
    params(("id" = i64, Path), RemoteImageQuery),
    responses((status = 200, description = "the image"), (status = 404), (status = 422), (status = 502)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn remote_image(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<MessageId>,
    Query(query): Query<RemoteImageQuery>,
) -> ApiResult<Response> {
    state.ensure_message_visible(&caller, id).await?;
    let message = state.store.get_message(id).await.for_api("message")?;
    // The sanitised HTML writes `&` in attributes as `&amp;`.
    let html = message.html.unwrap_or_default();
    let quoted = |url: &str| [format!("\"{url}\""), format!("'{url}'")];
    let appears = quoted(&query.url)
        .into_iter()
        .chain(quoted(&query.url.replace('&', "&amp;")))
        .any(|needle| html.contains(&needle));
    if !appears {
        return Err(ApiError::NotFound("image in this message"));
    }
    let fetched = state
        .remote_images
        .get(&query.url, Credential::None)
        .await
        .map_err(|err| match err {
            FetchError::Refused(_)
            | FetchError::NotCredentialHost
            | FetchError::SecretRedirect
            | FetchError::TooLarge { .. } => ApiError::Invalid(format!("url: {err}")),
            FetchError::TimedOut(_)
            | FetchError::TooManyRedirects
            | FetchError::BadRedirect
            | FetchError::Status(_)
            | FetchError::Transport(_) => {
                ApiError::Upstream(format!("the image could not be loaded: {err}"))
            }
        })?;
    let served = served_type(fetched.content_type.as_deref());
    if !served.starts_with("image/") {
        return Err(ApiError::Invalid(
            "url: the remote file is not a PNG, JPEG, GIF or WebP image".into(),
        ));
    }
    let mut response = Response::new(Body::from(fetched.bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(served));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inert_types_are_served_as_themselves() {
        let cases = [
            (Some("Text/HTML"), "application/octet-stream"),
            (Some(" text/html"), "application/octet-stream"),
            (Some("text/javascript"), "application/octet-stream"),
            (Some("application/javascript"), "application/octet-stream"),
            (Some("image/svg+xml"), "application/octet-stream"),
            (Some("IMAGE/PNG "), "image/png"),
            (Some("application/pdf"), "application/pdf"),
            (
                Some("text/plain; charset=UTF-8"),
                "text/plain; charset=utf-8",
            ),
            (
                Some("text/plain; charset=utf-7"),
                "text/plain; charset=utf-8",
            ),
            (
                Some("text/plain;charset=\"us-ascii\""),
                "text/plain; charset=us-ascii",
            ),
            (Some("image/png, text/html"), "application/octet-stream"),
            (None, "application/octet-stream"),
        ];
        for (declared, served) in cases {
            assert_eq!(served_type(declared), served, "{declared:?}");
        }
    }

    #[test]
    fn file_names_are_quoted_safely() {
        assert_eq!(
            disposition("report.pdf"),
            "attachment; filename=\"report.pdf\""
        );
        assert_eq!(
            disposition("a\"b\r\n.txt"),
            "attachment; filename=\"ab.txt\""
        );
        assert_eq!(
            disposition("fa\u{202e}fdp.exe"),
            "attachment; filename=\"fafdp.exe\"; filename*=UTF-8''fafdp.exe"
        );
        assert_eq!(
            disposition("Účet.pdf"),
            "attachment; filename=\"et.pdf\"; filename*=UTF-8''%C3%9A%C4%8Det.pdf"
        );
    }
}

/// Body of a redaction: `{}` redacts the whole text (and HTML); `parts` redacts only each
/// occurrence of each given string.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactRequest {
    /// Strings to replace by `[redacted]` wherever they occur in the text (and HTML, and the
    /// full text of an email); each must occur in the text. Absent: the whole text.
    #[schema(schema_with = super::constraints::redaction_parts)]
    pub parts: Option<Vec<String>>,
    /// Also remove the message's attachments (their files go once no message refers to them).
    #[serde(default)]
    pub attachments: bool,
}

/// The most parts one redaction takes.
const MAX_PARTS: usize = 100;

/// `POST /api/v1/messages/{id}/redact`: replaces the whole text, or given parts of it, by
/// `[redacted]`; the message's revisions are removed, the search index and the conversation's
/// preview follow, and the conversation's activity says who redacted when.
#[utoipa::path(post, path = "/api/v1/messages/{id}/redact", tag = "conversations",
    params(("id" = i64, Path)), request_body = RedactRequest,
    responses((status = 200, body = super::views::MessageView), (status = 400, body = crate::http::error::ErrorBody),
        (status = 404), (status = 409, body = crate::http::error::ErrorBody)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn redact_message(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<MessageId>,
    Json(request): Json<RedactRequest>,
) -> ApiResult<axum::Json<super::views::MessageView>> {
    state.ensure_message_visible(&caller, id).await?;
    if let Some(parts) = &request.parts {
        if parts.is_empty() || parts.len() > MAX_PARTS {
            return Err(ApiError::BadRequest(format!(
                "parts: give 1 to {MAX_PARTS} strings, or leave it out to redact the whole text"
            )));
        }
        if let Some(index) = parts.iter().position(|part| part.trim().is_empty()) {
            return Err(ApiError::BadRequest(format!(
                "parts[{index}]: must not be empty"
            )));
        }
    }
    // Computed from the text as read; written only if it is still that text (an edit that
    // arrives in between makes us read and compute again).
    let mut tries = 0;
    let outcome = loop {
        tries += 1;
        let message = state.store.get_message(id).await.for_api("message")?;
        let redaction = plan(&message, &request)?;
        if let Some(outcome) = state
            .store
            .redact_message(id, &redaction, caller.agent)
            .await
            .for_api("message")?
        {
            break outcome;
        }
        if tries == 3 {
            return Err(ApiError::Conflict(
                "the message keeps changing; try again".into(),
            ));
        }
    };
    state
        .audit_with(
            &caller,
            AuditAction::MessageRedacted,
            AuditSubject::Message(id),
            serde_json::json!({"whole": request.parts.is_none()}),
        )
        .await?;
    state.events.publish(outcome.events);
    let message = state.store.get_message(id).await.for_api("message")?;
    let removed = [(message.channel.clone(), outcome.removed_attachments)];
    crate::retention::forget_unreferenced_blobs(&state.store, &state.connectors, &removed)
        .await
        .for_api("message")?;
    Ok(axum::Json(message.into()))
}

/// The message's new content for `request`.
fn plan(
    message: &crate::domain::Message,
    request: &RedactRequest,
) -> ApiResult<crate::store::redaction::MessageRedaction> {
    use crate::redaction::{MARK, find_parts, replace_ranges};
    let Some(parts) = &request.parts else {
        return Ok(crate::store::redaction::MessageRedaction {
            expected_text: message.text.clone(),
            text: MARK.to_owned(),
            html: None,
            full_text: None,
            attachments: request.attachments,
            whole: true,
            parts: 0,
        });
    };
    let ranges = find_parts(&message.text, parts).map_err(|index| {
        ApiError::Conflict(format!(
            "parts[{index}]: does not occur in the message's text"
        ))
    })?;
    let count = ranges.len() as u64;
    // The HTML and the email's full text hold the same words; parts missing there are fine.
    let elsewhere = |text: &Option<String>| {
        text.as_ref().map(|text| {
            let ranges: Vec<_> = parts
                .iter()
                .flat_map(|part| {
                    text.match_indices(part.as_str())
                        .map(|(start, found)| start..start + found.len())
                        .collect::<Vec<_>>()
                })
                .collect();
            replace_ranges(text, ranges)
        })
    };
    Ok(crate::store::redaction::MessageRedaction {
        expected_text: message.text.clone(),
        text: replace_ranges(&message.text, ranges),
        html: elsewhere(&message.html),
        full_text: elsewhere(&message.full_text),
        attachments: request.attachments,
        whole: false,
        parts: count,
    })
}
