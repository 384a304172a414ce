//! Which conversations a caller may see: everything, or (with `[access] agents_see =
//! "own_teams"`) those of the agent's teams and their own. The store turns it into one SQL
//! predicate that every conversation query applies.

use super::AgentId;

/// The conversations a caller may see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Visibility {
    /// Every conversation (admins; agents unless limited).
    #[default]
    All,
    /// An agent limited to their teams: conversations assigned to `agent`, routed to one of
    /// the agent's teams, or on a channel that `team_channels` gives one of those teams.
    /// `agent` is `None` for a token of the agent role that acts as nobody: it sees nothing.
    OwnTeams {
        agent: Option<AgentId>,
        /// `(team name, channel name)` pairs from `[access.team_channels]`.
        team_channels: Vec<(String, String)>,
    },
}
