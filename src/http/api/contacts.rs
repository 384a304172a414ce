//! Contact routes: search, get, create, update.

use crate::domain::audit::{AuditAction, AuditSubject};
use axum::extract::State;
use axum::http::StatusCode;
use connector_sdk::text::{MAX_LINE_CHARS, clean_line, is_hidden_or_control};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

use super::conversations::validate_labels;
use super::params::{self, Cursor, PageSize};
use super::views::{self, ContactPage, ContactView};
use crate::domain::ContactId;
use crate::http::AppState;
use crate::http::auth::{Authorized, Everyone};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path, Query};
use crate::store::{ContactPatch, NewContact};

/// Query of `GET /api/v1/contacts`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Matches name, email or phone (substring) or a channel id (exact).
    pub q: Option<String>,
    pub cursor: Option<Cursor>,
    pub limit: Option<PageSize>,
}

/// `GET /api/v1/contacts`
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ContactQuery),
    responses((status = 200, body = ContactPage)), security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn search_contacts(
    caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Query(query): Query<ContactQuery>,
) -> ApiResult<Json<ContactPage>> {
    let page = state
        .store
        .search_contacts(
            query.q.as_deref(),
            params::page(query.cursor, query.limit),
            &state.visibility(&caller),
        )
        .await
        .for_api("contact")?;
    let (items, next_cursor) = views::page(page);
    Ok(Json(ContactPage { items, next_cursor }))
}

/// `GET /api/v1/contacts/{id}`
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = ContactView), (status = 404)), security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn get_contact(
    caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Path(id): Path<ContactId>,
) -> ApiResult<Json<ContactView>> {
    state.ensure_contact_visible(&caller, id).await?;
    let contact = state.store.get_contact(id).await.for_api("contact")?;
    state
        .audit(
            &caller,
            AuditAction::ContactViewed,
            AuditSubject::Contact(id),
        )
        .await?;
    Ok(Json(contact.into()))
}

/// Body of `POST /api/v1/contacts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContactRequest {
    #[schema(schema_with = super::constraints::optional_name)]
    pub name: Option<String>,
    #[schema(schema_with = super::constraints::optional_email)]
    pub email: Option<String>,
    #[schema(schema_with = super::constraints::optional_phone)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    #[schema(schema_with = super::constraints::labels)]
    pub tags: Vec<String>,
}

/// A name from the API that will be shown to people and written into mail headers: a value
/// with a line break, another control character or an invisible bidirectional/formatting
/// character is refused (422 naming the field) rather than silently changed, and so is one
/// longer than [`MAX_LINE_CHARS`]; runs of spaces become one and the ends are trimmed.
///
/// # Errors
/// [`ApiError::Invalid`] naming `field` and the first offending character.
pub(super) fn single_line(field: &str, value: &str) -> ApiResult<String> {
    if let Some(c) = value.chars().find(|&c| is_hidden_or_control(c)) {
        return Err(ApiError::Invalid(format!(
            "{field}: must be one line without control or invisible formatting characters \
             (found U+{:04X})",
            u32::from(c)
        )));
    }
    if value.chars().count() > MAX_LINE_CHARS {
        return Err(ApiError::Invalid(format!(
            "{field}: must be at most {MAX_LINE_CHARS} characters"
        )));
    }
    Ok(clean_line(value))
}

/// An optional contact name through [`single_line`]; blank is no name.
fn contact_name(name: Option<String>) -> ApiResult<Option<String>> {
    Ok(name
        .map(|name| single_line("name", &name))
        .transpose()?
        .filter(|name| !name.is_empty()))
}

fn validate_email(email: &Option<String>) -> ApiResult<()> {
    if let Some(email) = email {
        let email = email.trim();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !email.contains(char::is_whitespace)
            });
        if !valid {
            return Err(ApiError::Invalid(format!(
                "email: {email:?} is not an email address"
            )));
        }
    }
    Ok(())
}

/// A phone number as stored: in E.164, a number without a country code read as `region`'s.
fn phone_in_e164(
    phone: Option<String>,
    region: crate::domain::phone::PhoneRegion,
) -> ApiResult<Option<String>> {
    phone
        .map(|phone| {
            crate::domain::phone::to_e164(&phone, region).ok_or_else(|| {
                ApiError::Invalid(format!(
                    "phone: {phone:?} is not a phone number (write it with its country code, \
                     +420 777 123 456, or as a number of region {region})"
                ))
            })
        })
        .transpose()
}

/// `POST /api/v1/contacts`
#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", request_body = CreateContactRequest,
    responses((status = 201, body = ContactView), (status = 409), (status = 422)),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn create_contact(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Json(request): Json<CreateContactRequest>,
) -> ApiResult<(StatusCode, Json<ContactView>)> {
    validate_email(&request.email)?;
    let new = NewContact {
        name: contact_name(request.name)?,
        email: request.email,
        phone: phone_in_e164(request.phone, state.phone_region)?,
        attributes: request.attributes,
        tags: validate_labels("tags", &request.tags)?,
        identities: Vec::new(),
    };
    let (contact, events) = state.store.create_contact(&new).await.for_api("contact")?;
    state.events.publish(events);
    Ok((StatusCode::CREATED, Json(contact.into())))
}

/// Body of `PATCH /api/v1/contacts/{id}`: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContactRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = super::constraints::optional_name)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = super::constraints::optional_email)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = super::constraints::optional_phone)]
    pub phone: Option<Option<String>>,
    /// Merged into the attributes; a `null` value removes the key.
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    /// Replaces the tags.
    #[schema(schema_with = super::constraints::optional_labels)]
    pub tags: Option<Vec<String>>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`, via `default`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `PATCH /api/v1/contacts/{id}`
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    request_body = UpdateContactRequest,
    responses((status = 200, body = ContactView), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn update_contact(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Path(id): Path<ContactId>,
    Json(request): Json<UpdateContactRequest>,
) -> ApiResult<Json<ContactView>> {
    if let Some(email) = &request.email {
        validate_email(email)?;
    }
    let patch = ContactPatch {
        name: request.name.map(contact_name).transpose()?,
        email: request.email,
        phone: request
            .phone
            .map(|phone| phone_in_e164(phone, state.phone_region))
            .transpose()?,
        attributes: request.attributes,
        tags: request
            .tags
            .as_deref()
            .map(|tags| validate_labels("tags", tags))
            .transpose()?,
    };
    let (contact, events) = state
        .store
        .update_contact(id, &patch)
        .await
        .for_api("contact")?;
    state.events.publish(events);
    Ok(Json(contact.into()))
}
