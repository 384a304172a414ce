//! Liveness of the database. (Compiled once per backend.)

use super::common::Pool;
use crate::store::StoreResult;

/// Runs a trivial query.
pub async fn ping(pool: &Pool) -> StoreResult<()> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}
