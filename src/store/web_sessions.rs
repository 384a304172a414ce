//! Store methods of the web inbox's sign-in: password hashes, sessions and login attempts.
//! Kept apart from `mod.rs` because they serve only `http::session`.

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::{AgentId, Millis, Role};

/// A session to store. The cookie secret itself is never stored, only its hash.
#[derive(Debug, Clone)]
pub struct NewWebSession {
    pub token_hash: String,
    pub csrf_token: String,
    pub agent: AgentId,
    pub user_agent: Option<String>,
    pub expires_at: Millis,
}

/// A live browser session and the agent it signs in.
#[derive(Debug, Clone, PartialEq)]
pub struct WebSession {
    pub id: i64,
    pub csrf_token: String,
    pub agent: AgentId,
    pub role: Role,
    pub name: String,
    pub email: String,
    pub last_seen_at: Millis,
    pub expires_at: Millis,
}

impl Store {
    /// The latest `limit` non-message events of a conversation, oldest first (the activity
    /// lines of the inbox thread).
    pub async fn list_conversation_activity(
        &self,
        conversation: crate::domain::ConversationId,
        limit: i64,
    ) -> StoreResult<Vec<crate::domain::Event>> {
        on_backend!(self, events::list_activity(conversation, limit))
    }

    /// The agent with this sign-in address and its password hash (`None` when no password
    /// was ever set).
    pub async fn find_login(&self, email: &str) -> StoreResult<Option<(AgentId, Option<String>)>> {
        on_backend!(self, web_sessions::find_login(email))
    }

    /// Sets an agent's password hash and signs out all their sessions.
    pub async fn set_password(&self, agent: AgentId, hash: &str) -> StoreResult<()> {
        on_backend!(self, web_sessions::set_password(agent, hash))
    }

    /// Stores a new session and returns its id.
    pub async fn create_session(&self, new: &NewWebSession) -> StoreResult<i64> {
        on_backend!(self, web_sessions::create(new, self.now()))
    }

    /// The live session with this token hash, if it has not expired nor been idle since
    /// `idle_since`.
    pub async fn find_session(
        &self,
        token_hash: &str,
        idle_since: Millis,
    ) -> StoreResult<Option<WebSession>> {
        on_backend!(self, web_sessions::find(token_hash, self.now(), idle_since))
    }

    /// Records a session's activity now.
    pub async fn touch_session(&self, id: i64) -> StoreResult<()> {
        on_backend!(self, web_sessions::touch(id, self.now()))
    }

    /// Ends the session with this token hash; returns its agent when there was one.
    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<Option<AgentId>> {
        on_backend!(self, web_sessions::delete(token_hash))
    }

    /// Deletes ended sessions and old login attempts; returns how many rows went.
    pub async fn prune_sessions(
        &self,
        idle_since: Millis,
        attempts_before: Millis,
    ) -> StoreResult<u64> {
        on_backend!(
            self,
            web_sessions::prune(self.now(), idle_since, attempts_before)
        )
    }

    /// Records a sign-in attempt.
    pub async fn record_login_attempt(
        &self,
        email: &str,
        client: &str,
        succeeded: bool,
    ) -> StoreResult<()> {
        on_backend!(
            self,
            web_sessions::record_attempt(email, client, succeeded, self.now())
        )
    }

    /// Failed sign-ins since `since`: (for this address, from this client).
    pub async fn count_login_failures(
        &self,
        email: &str,
        client: &str,
        since: Millis,
    ) -> StoreResult<(i64, i64)> {
        on_backend!(self, web_sessions::count_failures(email, client, since))
    }
}
