//! `[routing]`: the default assignment policy and its scopes per channel and per team.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{EffectiveRouting, RoutingPolicy, RoutingRules, RoutingScope};

/// `[routing]`: automatic assignment of waiting conversations to agents.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// `least_loaded` (default), `round_robin`, `sticky` or `manual` (nothing is assigned
    /// automatically): the policy of conversations no scope below configures.
    pub policy: RoutingPolicy,
    /// What `sticky` does when the contact's previous agent cannot take the conversation:
    /// `least_loaded` (default), `round_robin` or `manual`.
    pub sticky_fallback: RoutingPolicy,
    /// How often the queue is checked when nothing wakes the router. Only a safety net:
    /// arrivals and freed capacity wake it at once.
    pub poll_interval_secs: u64,
    /// When an agent goes offline, hand their open and pending conversations back to the
    /// queue so that online agents pick them up.
    pub reassign_when_offline: bool,
    /// `[routing.channels.<channel name>]`: settings for one channel's conversations.
    // Scopes are keyed by names the operator chooses, so they are not fixed sections: left
    // out of the serialised defaults that the environment overrides are matched against.
    #[serde(skip_serializing)]
    pub channels: BTreeMap<String, RoutingScope>,
    /// `[routing.teams.<team name>]`: settings for conversations routed to a team; they win
    /// over the channel's. Teams are created through the API, so names are matched against
    /// the database when the router runs.
    #[serde(skip_serializing)]
    pub teams: BTreeMap<String, RoutingScope>,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self {
            policy: RoutingPolicy::LeastLoaded,
            sticky_fallback: RoutingPolicy::LeastLoaded,
            poll_interval_secs: 30,
            reassign_when_offline: false,
            channels: BTreeMap::new(),
            teams: BTreeMap::new(),
        }
    }
}

impl RoutingConfig {
    /// The scopes as the router and the store use them.
    pub fn rules(&self) -> RoutingRules {
        RoutingRules {
            default: EffectiveRouting {
                policy: self.policy,
                sticky_fallback: self.sticky_fallback,
                reassign_when_offline: self.reassign_when_offline,
            },
            channels: self.channels.clone(),
            teams: self.teams.clone(),
        }
    }

    /// Checks the keys; channel scopes must name one of `channels` (the configured channel
    /// names). The message names the key that is wrong.
    ///
    /// # Errors
    /// `routing.<key>: <problem>`.
    pub fn validate(&self, channels: &[&str]) -> Result<(), String> {
        let not_sticky = |key: &str, fallback: Option<RoutingPolicy>| {
            if fallback == Some(RoutingPolicy::Sticky) {
                Err(format!(
                    "{key}: must be least_loaded, round_robin or manual (sticky cannot fall \
                     back to itself)"
                ))
            } else {
                Ok(())
            }
        };
        if self.poll_interval_secs == 0 {
            return Err("routing.poll_interval_secs: must be above 0".into());
        }
        not_sticky("routing.sticky_fallback", Some(self.sticky_fallback))?;
        for (name, scope) in &self.channels {
            if !channels.contains(&name.as_str()) {
                return Err(format!(
                    "routing.channels.{name}: no [[channels]] entry is named {name:?}"
                ));
            }
            not_sticky(
                &format!("routing.channels.{name}.sticky_fallback"),
                scope.sticky_fallback,
            )?;
        }
        for (name, scope) in &self.teams {
            if name.trim().is_empty() {
                return Err("routing.teams: a team name must not be empty".into());
            }
            not_sticky(
                &format!("routing.teams.{name}.sticky_fallback"),
                scope.sticky_fallback,
            )?;
        }
        Ok(())
    }
}
