//! `[access]`: whether agents see every conversation or only their teams' (and their own),
//! and the checks every conversation route makes with it. A conversation an agent may not
//! see answers 404, as if it did not exist: a 403 would tell that it does.

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult, ForApi};
use crate::access::{AccessConfig, AgentsSee};
use crate::domain::access::Visibility;
use crate::domain::{ContactId, ConversationId, MessageId, Role};

/// The loaded `[access]` settings.
#[derive(Debug, Clone, Default)]
pub struct AccessPolicy {
    agents_see: AgentsSee,
    team_channels: Vec<(String, String)>,
}

impl AccessPolicy {
    /// The policy `config` describes.
    pub fn new(config: &AccessConfig) -> Self {
        let team_channels = config
            .team_channels
            .iter()
            .flat_map(|(team, channels)| {
                channels
                    .iter()
                    .map(move |channel| (team.clone(), channel.clone()))
            })
            .collect();
        Self {
            agents_see: config.agents_see,
            team_channels,
        }
    }

    /// What `caller` may see.
    pub fn visibility(&self, caller: &Caller) -> Visibility {
        match (self.agents_see, caller.role) {
            (AgentsSee::OwnTeams, Role::Agent) => Visibility::OwnTeams {
                agent: caller.agent,
                team_channels: self.team_channels.clone(),
            },
            // Marketers never reach conversation routes (their role check refuses them).
            (AgentsSee::All, _) | (_, Role::Admin | Role::Marketer) => Visibility::All,
        }
    }
}

impl AppState {
    /// What `caller` may see under `[access]`.
    pub fn visibility(&self, caller: &Caller) -> Visibility {
        self.access.visibility(caller)
    }

    /// Refuses with 404 unless `caller` may see conversation `id`.
    ///
    /// # Errors
    /// `NotFound` when it is hidden (or missing); `Internal` when the database fails.
    pub async fn ensure_conversation_visible(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> ApiResult<()> {
        let visibility = self.visibility(caller);
        if visibility == Visibility::All {
            return Ok(());
        }
        let visible = self
            .store
            .is_conversation_visible(id, &visibility)
            .await
            .for_api("conversation")?;
        visible
            .then_some(())
            .ok_or(ApiError::NotFound("conversation"))
    }

    /// Refuses with 404 unless `caller` may see message `id`'s conversation.
    ///
    /// # Errors
    /// `NotFound` when it is hidden (or missing); `Internal` when the database fails.
    pub async fn ensure_message_visible(&self, caller: &Caller, id: MessageId) -> ApiResult<()> {
        let visibility = self.visibility(caller);
        if visibility == Visibility::All {
            return Ok(());
        }
        let visible = self
            .store
            .is_message_visible(id, &visibility)
            .await
            .for_api("message")?;
        visible.then_some(()).ok_or(ApiError::NotFound("message"))
    }

    /// Refuses with 404 unless `caller` may see contact `id`: a limited agent sees a contact
    /// through at least one conversation it may see.
    ///
    /// # Errors
    /// `NotFound` when it is hidden; `Internal` when the database fails.
    pub async fn ensure_contact_visible(&self, caller: &Caller, id: ContactId) -> ApiResult<()> {
        let visibility = self.visibility(caller);
        if visibility == Visibility::All {
            return Ok(());
        }
        let visible = self
            .store
            .is_contact_visible(id, &visibility)
            .await
            .for_api("contact")?;
        visible.then_some(()).ok_or(ApiError::NotFound("contact"))
    }
}
