//! The routing precedence of [`RoutingRules`] as SQL, shared by both backends' copies of
//! `sql/routing.rs`: string building only, no database access.

use sqlx::query::QueryAs;

use crate::domain::{RoutingPolicy, RoutingRules, RoutingScope};

/// The name of the team a conversation `c` is routed to (NULL without one).
const TEAM_NAME: &str = "(SELECT t.name FROM teams t WHERE t.id = c.team_id)";

/// The routing precedence of [`RoutingRules`] as SQL expressions over a conversation `c`:
/// its own override, then its team's scope, then its channel's, then the default. Channel and
/// team names become bind parameters, numbered after the statement's own `$1 … $n` and bound
/// with [`ScopeSql::bind_names`]; policy names and flags are fixed strings of ours, written
/// inline. Building the SQL from the rules keeps the precedence in one place, and lets the
/// database filter manual conversations before `LIMIT` (a long manual queue must not starve
/// the routable conversations behind it).
pub struct ScopeSql<'a> {
    rules: &'a RoutingRules,
    /// Names in placeholder order; a name used twice reuses its placeholder.
    names: Vec<String>,
    /// The number of the statement's own parameters.
    own_params: usize,
}

impl<'a> ScopeSql<'a> {
    /// Expressions for `rules` in a statement that has `own_params` parameters of its own.
    pub fn new(rules: &'a RoutingRules, own_params: usize) -> Self {
        Self {
            rules,
            names: Vec::new(),
            own_params,
        }
    }

    fn param(&mut self, name: &str) -> String {
        let index = match self.names.iter().position(|known| known == name) {
            Some(index) => index,
            None => {
                self.names.push(name.to_owned());
                self.names.len() - 1
            }
        };
        format!("${}", self.own_params + index + 1)
    }

    /// One setting: the first of `own_column`, the team scope's, the channel scope's and
    /// `default`, each a SQL value (`get` returns literals).
    fn setting(
        &mut self,
        own_column: Option<&str>,
        get: fn(&RoutingScope) -> Option<&'static str>,
        default: &str,
    ) -> String {
        let rules = self.rules;
        let mut choices: Vec<String> = own_column.map(str::to_owned).into_iter().collect();
        for (subject, scopes) in [(TEAM_NAME, &rules.teams), ("c.channel", &rules.channels)] {
            let arms: Vec<String> = scopes
                .iter()
                .filter_map(|(name, scope)| {
                    get(scope).map(|value| format!("WHEN {} THEN {value}", self.param(name)))
                })
                .collect();
            if !arms.is_empty() {
                choices.push(format!("CASE {subject} {} END", arms.join(" ")));
            }
        }
        choices.push(default.to_owned());
        if choices.len() == 1 {
            choices.swap_remove(0)
        } else {
            format!("COALESCE({})", choices.join(", "))
        }
    }

    /// The effective policy, as its text.
    pub fn policy(&mut self) -> String {
        let default = quoted(self.rules.default.policy);
        self.setting(
            Some("c.routing_policy"),
            |scope| scope.policy.map(quoted),
            default,
        )
    }

    /// What `sticky` falls back to, as its text.
    pub fn sticky_fallback(&mut self) -> String {
        let default = quoted(self.rules.default.sticky_fallback);
        self.setting(None, |scope| scope.sticky_fallback.map(quoted), default)
    }

    /// Whether the conversation goes back to the queue when its agent goes offline: 1 or 0.
    pub fn reassign_when_offline(&mut self) -> String {
        let default = flag(self.rules.default.reassign_when_offline);
        self.setting(None, |scope| scope.reassign_when_offline.map(flag), default)
    }

    /// Binds the names after the statement's own parameters.
    pub fn bind_names<'q, DB, O>(
        &self,
        mut query: QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>,
    ) -> QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>
    where
        DB: sqlx::Database,
        String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        for name in &self.names {
            query = query.bind(name.clone());
        }
        query
    }
}

/// A policy as a SQL string literal (the names are fixed identifiers of ours).
fn quoted(policy: RoutingPolicy) -> &'static str {
    match policy {
        RoutingPolicy::RoundRobin => "'round_robin'",
        RoutingPolicy::LeastLoaded => "'least_loaded'",
        RoutingPolicy::Sticky => "'sticky'",
        RoutingPolicy::Manual => "'manual'",
    }
}

fn flag(value: bool) -> &'static str {
    if value { "1" } else { "0" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_scopes_only_the_override_and_the_default_remain() {
        let rules = RoutingRules::uniform(RoutingPolicy::RoundRobin);
        let mut sql = ScopeSql::new(&rules, 1);
        assert_eq!(sql.policy(), "COALESCE(c.routing_policy, 'round_robin')");
        assert_eq!(sql.sticky_fallback(), "'least_loaded'");
        assert_eq!(sql.reassign_when_offline(), "0");
        assert!(sql.names.is_empty(), "no parameters to bind");
    }

    #[test]
    fn names_become_parameters_after_the_statements_own_and_are_reused() {
        let mut rules = RoutingRules::uniform(RoutingPolicy::LeastLoaded);
        let manual = RoutingScope {
            policy: Some(RoutingPolicy::Manual),
            reassign_when_offline: Some(true),
            ..RoutingScope::default()
        };
        rules.channels.insert("shop".into(), manual.clone());
        rules.teams.insert("shop".into(), manual);
        rules.teams.insert(
            "o'brien".into(),
            RoutingScope {
                sticky_fallback: Some(RoutingPolicy::Manual),
                ..RoutingScope::default()
            },
        );
        let mut sql = ScopeSql::new(&rules, 2);
        assert_eq!(
            sql.policy(),
            format!(
                "COALESCE(c.routing_policy, CASE {TEAM_NAME} WHEN $3 THEN 'manual' END, \
                 CASE c.channel WHEN $3 THEN 'manual' END, 'least_loaded')"
            )
        );
        assert_eq!(
            sql.sticky_fallback(),
            format!("COALESCE(CASE {TEAM_NAME} WHEN $4 THEN 'manual' END, 'least_loaded')"),
            "a name with a quote is a parameter, never spliced into the SQL"
        );
        assert_eq!(sql.names, ["shop", "o'brien"]);
    }
}
