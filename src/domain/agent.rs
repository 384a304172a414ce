//! Agents, their roles and teams, and API tokens.

use chrono::{DateTime, Utc};

use super::ids::{AgentId, TeamId, TokenId};
use super::string_enum;

string_enum! {
    /// What a caller may do. Admins may do everything; agents work conversations; marketers
    /// work contacts and campaigns.
    Role, "role" { Admin => "admin", Agent => "agent", Marketer => "marketer" }
}

string_enum! {
    /// Whether an agent takes new work now.
    Availability, "availability" { Online => "online", Busy => "busy", Offline => "offline" }
}

/// A person who works in Switchboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub availability: Availability,
    /// The most open conversations the router gives this agent at once.
    pub capacity: i64,
    /// An admin who opted in to being routed conversations (see [`Agent::is_routable`]).
    pub takes_conversations: bool,
    /// The language the agent reads and writes (ISO 639-1), for agent assist's translations;
    /// `None`: the installation's `[assist] language`.
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Agent {
    /// Whether the router may give this person conversations: agents always, admins who opted
    /// in with `takes_conversations`, marketers never (they cannot open a conversation).
    pub fn is_routable(&self) -> bool {
        match self.role {
            Role::Agent => true,
            Role::Admin => self.takes_conversations,
            Role::Marketer => false,
        }
    }
}

/// A group of agents that conversations can be routed to.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub members: Vec<AgentId>,
    pub created_at: DateTime<Utc>,
}

/// A bearer token's record; the secret itself is never stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: TokenId,
    pub name: String,
    pub role: Role,
    /// The agent the token acts as (authors replies), if any.
    pub agent_id: Option<AgentId>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

string_enum! {
    /// How the router picks an agent for a waiting conversation (`[routing] policy`).
    RoutingPolicy, "routing policy" {
        RoundRobin => "round_robin",
        LeastLoaded => "least_loaded",
        Sticky => "sticky",
        Manual => "manual",
    }
}
