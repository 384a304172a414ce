//! Bulk seeding for `switchboard bench search`: conversations and messages written as the
//! benchmark generates them, without the inbound path (which would take an hour for five
//! million messages). Nothing in the service uses this.

use super::{Pool, Store, StoreResult, postgres, sqlite};

/// One seeded conversation: what the inbox list filters on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeedConversation {
    pub channel: String,
    pub status: &'static str,
    pub assignee: Option<i64>,
    pub label: Option<String>,
    pub created_at: i64,
    pub last_activity_at: i64,
}

/// One seeded message of the chunk's `conversation` (an index into its conversations).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeedMessage {
    pub conversation: usize,
    /// The conversation's channel.
    pub channel: String,
    pub text: String,
    pub created_at: i64,
    pub inbound: bool,
}

impl Store {
    /// Writes `conversations` (each with a contact of its own) and `messages` in one
    /// transaction.
    ///
    /// # Errors
    /// When the database fails; nothing of the chunk is written then.
    pub async fn seed_search_chunk(
        &self,
        conversations: &[SeedConversation],
        messages: &[SeedMessage],
    ) -> StoreResult<()> {
        on_backend!(self, search_seed::seed_chunk(conversations, messages))
    }

    /// After seeding, what the service's upkeep does to tables in service given the time:
    /// on PostgreSQL autovacuum's statistics for the planner, visibility and hint bits; on
    /// SQLite the search index merged (see `sqlite_upkeep`; SQLite keeps no planner
    /// statistics unless asked, and the service never asks).
    ///
    /// # Errors
    /// When the database fails.
    pub async fn settle_after_seeding(&self) -> StoreResult<()> {
        if let Pool::Sqlite(pool) = &self.pool {
            let mut connection = pool.acquire().await?;
            while super::sqlite_upkeep::merge_search_index(&mut connection, -4_000).await? {}
        }
        on_backend!(self, search_seed::settle())
    }
}
