//! Contact routes: search, get, create, update.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

use super::conversations::validate_labels;
use super::views::{self, ContactPage, ContactView};
use crate::domain::ContactId;
use crate::http::AppState;
use crate::http::auth::{Authorized, Everyone};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path, Query};
use crate::store::{ContactPatch, NewContact, PageRequest};

/// Query of `GET /api/v1/contacts`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Matches name, email or phone (substring) or a channel id (exact).
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// `GET /api/v1/contacts`
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ContactQuery),
    responses((status = 200, body = ContactPage)), security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn search_contacts(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Query(query): Query<ContactQuery>,
) -> ApiResult<Json<ContactPage>> {
    let page = state
        .store
        .search_contacts(
            query.q.as_deref(),
            PageRequest {
                cursor: query.cursor,
                limit: query.limit,
            },
        )
        .await
        .map_err(|err| ApiError::from_store("contact", err))?;
    let (items, next_cursor) = views::page(page);
    Ok(Json(ContactPage { items, next_cursor }))
}

/// `GET /api/v1/contacts/{id}`
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = ContactView), (status = 404)), security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn get_contact(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Path(id): Path<ContactId>,
) -> ApiResult<Json<ContactView>> {
    let contact = state
        .store
        .get_contact(id)
        .await
        .map_err(|err| ApiError::from_store("contact", err))?;
    Ok(Json(contact.into()))
}

/// Body of `POST /api/v1/contacts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContactRequest {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub tags: Vec<String>,
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

fn validate_phone(phone: &Option<String>) -> ApiResult<()> {
    if let Some(phone) = phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !allowed || !(5..=20).contains(&digits) {
            return Err(ApiError::Invalid(format!(
                "phone: {phone:?} is not a phone number"
            )));
        }
    }
    Ok(())
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
    validate_phone(&request.phone)?;
    let new = NewContact {
        name: request.name,
        email: request.email,
        phone: request.phone,
        attributes: request.attributes,
        tags: validate_labels("tags", &request.tags)?,
        identities: Vec::new(),
    };
    let (contact, events) = state
        .store
        .create_contact(&new)
        .await
        .map_err(|err| ApiError::from_store("contact", err))?;
    state.events.publish(events);
    Ok((StatusCode::CREATED, Json(contact.into())))
}

/// Body of `PATCH /api/v1/contacts/{id}`: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContactRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// Merged into the attributes; a `null` value removes the key.
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    /// Replaces the tags.
    pub tags: Option<Vec<String>>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`, via `default`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `PATCH /api/v1/contacts/{id}`
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    request_body = UpdateContactRequest, responses((status = 200, body = ContactView), (status = 404)),
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
    if let Some(phone) = &request.phone {
        validate_phone(phone)?;
    }
    let patch = ContactPatch {
        name: request.name,
        email: request.email,
        phone: request.phone,
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
        .map_err(|err| ApiError::from_store("contact", err))?;
    state.events.publish(events);
    Ok(Json(contact.into()))
}
