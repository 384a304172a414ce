//! Routing rules by scope: which policy assigns a conversation, what `sticky` falls back to,
//! and whether an agent going offline hands the conversation back to the queue.
//!
//! Precedence, per setting: the conversation's own override (policy only), then its team's
//! scope, then its channel's scope, then the `[routing]` defaults. The store evaluates the same
//! precedence in SQL (so manual conversations are filtered out of the router's reads);
//! [`RoutingRules::resolve`] is the reference the store is tested against.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Conversation, RoutingPolicy};

/// A conversation waiting in the queue, with the policy that applies to it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedConversation {
    pub conversation: Conversation,
    pub policy: RoutingPolicy,
}

/// One scope's settings (`[routing.channels.<name>]` or `[routing.teams.<name>]`); an unset
/// key inherits from the next scope down.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingScope {
    pub policy: Option<RoutingPolicy>,
    /// What `sticky` does when the contact's previous agent cannot take the conversation.
    pub sticky_fallback: Option<RoutingPolicy>,
    /// Whether an agent going offline hands this scope's conversations back to the queue.
    pub reassign_when_offline: Option<bool>,
}

/// The settings that apply to one conversation once every scope has been consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveRouting {
    pub policy: RoutingPolicy,
    /// Never `sticky`.
    pub sticky_fallback: RoutingPolicy,
    pub reassign_when_offline: bool,
}

/// All routing scopes, keyed by channel name and by team name (exact spelling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRules {
    pub default: EffectiveRouting,
    pub channels: BTreeMap<String, RoutingScope>,
    pub teams: BTreeMap<String, RoutingScope>,
}

impl RoutingRules {
    /// One policy everywhere, `sticky` falling back to least loaded, nothing handed back.
    pub fn uniform(policy: RoutingPolicy) -> Self {
        Self {
            default: EffectiveRouting {
                policy,
                sticky_fallback: RoutingPolicy::LeastLoaded,
                reassign_when_offline: false,
            },
            channels: BTreeMap::new(),
            teams: BTreeMap::new(),
        }
    }

    /// The settings for a conversation on `channel`, routed to the team named `team`, with
    /// its own `policy_override`.
    pub fn resolve(
        &self,
        channel: &str,
        team: Option<&str>,
        policy_override: Option<RoutingPolicy>,
    ) -> EffectiveRouting {
        let team = team.and_then(|team| self.teams.get(team));
        let channel = self.channels.get(channel);
        let pick = |get: fn(&RoutingScope) -> Option<RoutingPolicy>| {
            team.and_then(get).or_else(|| channel.and_then(get))
        };
        EffectiveRouting {
            policy: policy_override
                .or_else(|| pick(|scope| scope.policy))
                .unwrap_or(self.default.policy),
            sticky_fallback: pick(|scope| scope.sticky_fallback)
                .unwrap_or(self.default.sticky_fallback),
            reassign_when_offline: team
                .and_then(|scope| scope.reassign_when_offline)
                .or_else(|| channel.and_then(|scope| scope.reassign_when_offline))
                .unwrap_or(self.default.reassign_when_offline),
        }
    }

    /// Whether any scope hands conversations back when their agent goes offline (if none
    /// does, going offline needs no store call at all).
    pub fn may_reassign(&self) -> bool {
        self.default.reassign_when_offline
            || self
                .channels
                .values()
                .chain(self.teams.values())
                .any(|scope| scope.reassign_when_offline == Some(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(policy: Option<RoutingPolicy>, reassign: Option<bool>) -> RoutingScope {
        RoutingScope {
            policy,
            sticky_fallback: None,
            reassign_when_offline: reassign,
        }
    }

    fn rules() -> RoutingRules {
        let mut rules = RoutingRules::uniform(RoutingPolicy::LeastLoaded);
        rules.channels.insert(
            "shop".into(),
            RoutingScope {
                sticky_fallback: Some(RoutingPolicy::Manual),
                ..scope(Some(RoutingPolicy::Manual), Some(true))
            },
        );
        rules.teams.insert(
            "billing".into(),
            scope(Some(RoutingPolicy::RoundRobin), None),
        );
        rules.teams.insert("vip".into(), scope(None, Some(false)));
        rules
    }

    #[test]
    fn the_conversation_beats_the_team_which_beats_the_channel() {
        let rules = rules();
        let policy = |channel, team, own| rules.resolve(channel, team, own).policy;
        assert_eq!(policy("mail", None, None), RoutingPolicy::LeastLoaded);
        assert_eq!(policy("shop", None, None), RoutingPolicy::Manual);
        assert_eq!(
            policy("shop", Some("billing"), None),
            RoutingPolicy::RoundRobin
        );
        assert_eq!(
            policy("shop", Some("billing"), Some(RoutingPolicy::Sticky)),
            RoutingPolicy::Sticky
        );
        assert_eq!(
            policy("shop", Some("nobody-configured-this"), None),
            RoutingPolicy::Manual,
            "an unconfigured team inherits the channel's policy"
        );
    }

    #[test]
    fn each_setting_inherits_on_its_own() {
        let rules = rules();
        // vip sets only the hand-back; the policy and fallback still come from the channel.
        let vip = rules.resolve("shop", Some("vip"), None);
        assert_eq!(vip.policy, RoutingPolicy::Manual);
        assert_eq!(vip.sticky_fallback, RoutingPolicy::Manual);
        assert!(!vip.reassign_when_offline);
        let billing = rules.resolve("shop", Some("billing"), None);
        assert!(billing.reassign_when_offline, "inherited from the channel");
        let elsewhere = rules.resolve("mail", Some("billing"), None);
        assert!(!elsewhere.reassign_when_offline);
        assert_eq!(elsewhere.sticky_fallback, RoutingPolicy::LeastLoaded);
    }

    #[test]
    fn hand_back_is_needed_only_when_some_scope_asks_for_it() {
        assert!(!RoutingRules::uniform(RoutingPolicy::Sticky).may_reassign());
        assert!(rules().may_reassign());
    }
}
