//! Canned responses: agents' shortcuts to a template or a body of template text.
//! (Compiled once per backend.)

use super::common::Pool;
use crate::domain::{AgentId, CannedContent, CannedResponse, CannedResponseId, Millis};
use crate::store::{NewCannedResponse, StoreError, StoreResult};

const COLUMNS: &str = "id, shortcut, title, template, body, created_by, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct CannedRow {
    id: i64,
    shortcut: String,
    title: String,
    template: Option<String>,
    body: Option<String>,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<CannedRow> for CannedResponse {
    type Error = StoreError;

    fn try_from(row: CannedRow) -> Result<Self, Self::Error> {
        let content = match (row.template, row.body) {
            (Some(template), None) => CannedContent::Template(template),
            (None, Some(body)) => CannedContent::Body(body),
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "canned response {}: needs exactly one of template and body",
                    row.id
                )));
            }
        };
        Ok(CannedResponse {
            id: CannedResponseId::new(row.id),
            shortcut: row.shortcut,
            title: row.title,
            content,
            created_by: row.created_by.map(AgentId::new),
            created_at: Millis(row.created_at).to_datetime(),
            updated_at: Millis(row.updated_at).to_datetime(),
        })
    }
}

fn columns(content: &CannedContent) -> (Option<&str>, Option<&str>) {
    match content {
        CannedContent::Template(name) => (Some(name.as_str()), None),
        CannedContent::Body(body) => (None, Some(body.as_str())),
    }
}

/// Stores a new canned response; a taken shortcut is a `Conflict`.
pub async fn create(
    pool: &Pool,
    new: &NewCannedResponse,
    now: Millis,
) -> StoreResult<CannedResponse> {
    let (template, body) = columns(&new.content);
    let row: CannedRow = sqlx::query_as(&format!(
        "INSERT INTO canned_responses (shortcut, title, template, body, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {COLUMNS}"
    ))
    .bind(&new.shortcut)
    .bind(&new.title)
    .bind(template)
    .bind(body)
    .bind(new.created_by.map(AgentId::get))
    .bind(now.0)
    .fetch_one(pool)
    .await?;
    row.try_into()
}

/// Every canned response, by shortcut.
pub async fn list(pool: &Pool) -> StoreResult<Vec<CannedResponse>> {
    let rows: Vec<CannedRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM canned_responses ORDER BY shortcut"
    ))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(CannedResponse::try_from).collect()
}

/// The canned response with `id`.
pub async fn get(pool: &Pool, id: CannedResponseId) -> StoreResult<CannedResponse> {
    let row: CannedRow = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM canned_responses WHERE id = $1"
    ))
    .bind(id.get())
    .fetch_one(pool)
    .await?;
    row.try_into()
}

/// Replaces shortcut, title and content (the author stays).
pub async fn update(
    pool: &Pool,
    id: CannedResponseId,
    new: &NewCannedResponse,
    now: Millis,
) -> StoreResult<CannedResponse> {
    let (template, body) = columns(&new.content);
    let row: CannedRow = sqlx::query_as(&format!(
        "UPDATE canned_responses SET shortcut = $2, title = $3, template = $4, body = $5, updated_at = $6 \
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id.get())
    .bind(&new.shortcut)
    .bind(&new.title)
    .bind(template)
    .bind(body)
    .bind(now.0)
    .fetch_one(pool)
    .await?;
    row.try_into()
}

/// Deletes a canned response; `NotFound` when there is none.
pub async fn delete(pool: &Pool, id: CannedResponseId) -> StoreResult<()> {
    let done = sqlx::query("DELETE FROM canned_responses WHERE id = $1")
        .bind(id.get())
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
