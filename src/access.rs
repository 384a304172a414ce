//! `[access]`: which conversations agents see (the HTTP layer enforces it through
//! `domain::access::Visibility`). Here, outside the web layer, so the configuration can hold it.

use serde::{Deserialize, Serialize};

/// Who sees which conversations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentsSee {
    /// Every agent sees every conversation.
    #[default]
    All,
    /// An agent sees the conversations of their teams and those assigned to them.
    OwnTeams,
}

/// `[access]`: the limits of what agents see. Admins always see everything; marketers see no
/// conversations whatever this says.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccessConfig {
    pub agents_see: AgentsSee,
    /// `[access.team_channels]`: team name → the channels whose conversations the team's
    /// members see (with `own_teams`), besides those routed to the team.
    pub team_channels: std::collections::BTreeMap<String, Vec<String>>,
}

impl AccessConfig {
    /// Checks the names; the message names the key that is wrong.
    ///
    /// # Errors
    /// An empty name or one with control characters, or a channel that is not configured.
    pub fn validate(&self, channels: &[&str]) -> Result<(), String> {
        for (team, team_channels) in &self.team_channels {
            if team.trim().is_empty() || team.chars().any(char::is_control) {
                return Err(format!(
                    "access.team_channels: {team:?} is not a team name (empty or control characters)"
                ));
            }
            for channel in team_channels {
                if !channels.contains(&channel.as_str()) {
                    return Err(format!(
                        "access.team_channels.{team}: no channel is named {channel:?}"
                    ));
                }
            }
        }
        Ok(())
    }
}
