//! SLA policies and how the engine moves a conversation's SLA state (`domain::SlaState`).
//!
//! A rule starts a policy (`set_sla = "standard"`); from then on the engine keeps the targets
//! up to date as messages come and go: the first response is due from the start, a next
//! response is due after each customer message once we have answered before, and resolution
//! is due from the start. Every pending target has an exact timer at its due time; a target
//! met before the timer fires cancels it; one that fires decides here whether it is a breach.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::calendar::Calendar;
use super::rule::Span;
use crate::domain::sla::{SlaChange, Target, TargetState};
use crate::domain::{Millis, SlaBreach, SlaState};

/// `[[sla]]`: a named set of targets.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub name: String,
    pub first_response: Option<Span>,
    pub next_response: Option<Span>,
    pub resolution: Option<Span>,
    /// Count only time within the conversation's business hours.
    #[serde(default)]
    pub business_hours_only: bool,
    /// The share of a target's time after which it is "at risk" (default 0.8).
    #[serde(default = "default_warn_at")]
    pub warn_at: f64,
}

fn default_warn_at() -> f64 {
    0.8
}

impl SlaPolicy {
    /// # Errors
    /// A message naming the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name: must not be empty".into());
        }
        if self.first_response.is_none()
            && self.next_response.is_none()
            && self.resolution.is_none()
        {
            return Err("a policy needs first_response, next_response or resolution".into());
        }
        for (key, span) in [
            ("first_response", self.first_response),
            ("next_response", self.next_response),
            ("resolution", self.resolution),
        ] {
            if span.is_some_and(|span| span.0.is_zero()) {
                return Err(format!("{key}: must be longer than zero"));
            }
        }
        if !(self.warn_at > 0.0 && self.warn_at < 1.0) {
            return Err("warn_at: must be between 0 and 1".into());
        }
        Ok(())
    }

    fn span(&self, target: Target) -> Option<Span> {
        match target {
            Target::FirstResponse => self.first_response,
            Target::NextResponse => self.next_response,
            Target::Resolution => self.resolution,
        }
    }

    /// The due and warning times of `target` started at `start`, counted in business time
    /// when the policy says so and a calendar applies.
    fn schedule(
        &self,
        target: Target,
        start: Millis,
        calendar: Option<&Calendar>,
    ) -> Option<TargetState> {
        let span = self.span(target)?;
        let millis = span.millis();
        let warn_millis = (millis as f64 * self.warn_at) as i64;
        let add = |ms: i64| -> Option<Millis> {
            match calendar.filter(|_| self.business_hours_only) {
                Some(calendar) => calendar
                    .add_business_time(start.to_datetime(), chrono::Duration::milliseconds(ms))
                    .map(Millis::from),
                None => Some(start.plus(std::time::Duration::from_millis(ms.max(0) as u64))),
            }
        };
        Some(TargetState {
            due_at: add(millis)?.0,
            warn_at: add(warn_millis)?.0,
            met_at: None,
            breached_at: None,
        })
    }
}

// The engine's moves on the domain's state, kept with the policies they need (a policy and
// its calendar come from the configuration, which the domain does not know).
impl SlaState {
    /// Starts `policy` at `now`: first response (unless already answered) and resolution.
    pub fn start(
        policy: &SlaPolicy,
        now: Millis,
        already_answered: bool,
        calendar: Option<&Calendar>,
    ) -> (Self, SlaChange) {
        let mut state = Self {
            policy: policy.name.clone(),
            targets: BTreeMap::new(),
        };
        let mut change = SlaChange::default();
        let mut wanted = vec![Target::Resolution];
        if !already_answered {
            wanted.push(Target::FirstResponse);
        }
        for target in wanted {
            if let Some(clock) = policy.schedule(target, now, calendar) {
                change.arm.push((target, Millis(clock.due_at)));
                state.targets.insert(target, clock);
            }
        }
        (state, change)
    }

    /// We answered the customer: pending response targets are met.
    pub fn agent_replied(&mut self, now: Millis) -> SlaChange {
        let mut change = SlaChange::default();
        for target in [Target::FirstResponse, Target::NextResponse] {
            if let Some(clock) = self.targets.get_mut(&target)
                && clock.is_pending()
            {
                clock.met_at = Some(now.0);
                change.cancel.push(target);
            }
        }
        change
    }

    /// The customer wrote: once we have answered before, the next response is due.
    pub fn customer_wrote(
        &mut self,
        policy: &SlaPolicy,
        now: Millis,
        calendar: Option<&Calendar>,
    ) -> SlaChange {
        let mut change = SlaChange::default();
        let answered_before = self
            .targets
            .get(&Target::FirstResponse)
            .is_none_or(|clock| clock.met_at.is_some());
        let next_pending = self
            .targets
            .get(&Target::NextResponse)
            .is_some_and(TargetState::is_pending);
        if answered_before
            && !next_pending
            && let Some(clock) = policy.schedule(Target::NextResponse, now, calendar)
        {
            change
                .arm
                .push((Target::NextResponse, Millis(clock.due_at)));
            self.targets.insert(Target::NextResponse, clock);
        }
        change
    }

    /// The conversation was resolved: resolution is met, nothing else is due any more.
    pub fn resolved(&mut self, now: Millis) -> SlaChange {
        let mut change = SlaChange::default();
        for (target, clock) in &mut self.targets {
            // Resolution is met; and nobody waits for an answer in a resolved conversation.
            if clock.is_pending() {
                clock.met_at = Some(now.0);
                change.cancel.push(*target);
            }
        }
        change
    }

    /// Records a breach when the target is still pending at its due time; returns whether it
    /// was one (a target met just before its timer fired is not).
    pub fn breach(&mut self, target: Target, now: Millis) -> bool {
        match self.targets.get_mut(&target) {
            Some(clock) if clock.is_pending() && clock.due_at <= now.0 => {
                clock.breached_at = Some(now.0);
                true
            }
            _ => false,
        }
    }
}

/// Decides what a fired SLA timer means for a conversation whose stored SLA state is
/// `stored`: a breach when `target` is still pending at its due time, returned with the new
/// state for the store to persist. `None` when it was met meanwhile, or there is no (readable)
/// state or target any more.
pub fn judge_fired_timer(
    stored: Option<&serde_json::Value>,
    target: &str,
    now: Millis,
) -> Option<SlaBreach> {
    let mut state = SlaState::from_json(stored?)?;
    let target: Target = target.parse().ok()?;
    state
        .breach(target, now)
        .then_some(SlaBreach { state, target })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::SlaStatus;

    fn policy() -> SlaPolicy {
        SlaPolicy {
            name: "standard".into(),
            first_response: Some(Span(Duration::from_secs(3_600))),
            next_response: Some(Span(Duration::from_secs(1_800))),
            resolution: Some(Span(Duration::from_secs(86_400))),
            business_hours_only: false,
            warn_at: 0.8,
        }
    }

    const HOUR: i64 = 3_600_000;

    #[test]
    fn a_conversation_goes_through_its_targets() {
        let start = Millis(1_000_000);
        let (mut state, change) = SlaState::start(&policy(), start, false, None);
        assert_eq!(change.arm.len(), 2);
        assert_eq!(state.status(start), SlaStatus::OnTrack);
        assert_eq!(state.next_due(), Some(start.0 + HOUR));
        // 80 % of the hour gone: at risk.
        assert_eq!(
            state.status(Millis(start.0 + HOUR * 8 / 10)),
            SlaStatus::AtRisk
        );
        // Answered after 50 minutes: first response met, timer cancelled.
        let reply = Millis(start.0 + HOUR * 5 / 6);
        assert_eq!(
            state.agent_replied(reply).cancel,
            vec![Target::FirstResponse]
        );
        assert_eq!(state.status(reply), SlaStatus::OnTrack);
        // The customer writes again: next response due in 30 minutes.
        let again = Millis(reply.0 + 1_000);
        let change = state.customer_wrote(&policy(), again, None);
        assert_eq!(
            change.arm,
            vec![(Target::NextResponse, Millis(again.0 + HOUR / 2))]
        );
        // Nobody answers: the timer fires and it is a breach.
        assert!(state.breach(Target::NextResponse, Millis(again.0 + HOUR / 2)));
        assert_eq!(
            state.status(Millis(again.0 + HOUR / 2)),
            SlaStatus::Breached
        );
    }

    #[test]
    fn a_met_target_is_not_breached_by_a_late_timer() {
        let start = Millis(0);
        let (mut state, _) = SlaState::start(&policy(), start, false, None);
        state.agent_replied(Millis(10));
        assert!(!state.breach(Target::FirstResponse, Millis(HOUR)));
        state.resolved(Millis(20));
        assert_eq!(state.status(Millis(HOUR * 100)), SlaStatus::Met);
    }

    #[test]
    fn a_fired_timer_is_judged_against_the_stored_state() {
        let (mut state, _) = SlaState::start(&policy(), Millis(0), false, None);
        let stored = state.to_json();
        let early = judge_fired_timer(Some(&stored), "first_response", Millis(HOUR - 1));
        assert_eq!(early, None, "not due yet");
        let breach =
            judge_fired_timer(Some(&stored), "first_response", Millis(HOUR)).expect("a breach");
        assert_eq!(breach.target, Target::FirstResponse);
        assert_eq!(
            breach.state.targets[&Target::FirstResponse].breached_at,
            Some(HOUR)
        );
        state.agent_replied(Millis(10));
        let met = state.to_json();
        assert_eq!(
            judge_fired_timer(Some(&met), "first_response", Millis(HOUR)),
            None
        );
        assert_eq!(
            judge_fired_timer(None, "first_response", Millis(HOUR)),
            None
        );
        assert_eq!(
            judge_fired_timer(Some(&stored), "lunch", Millis(HOUR)),
            None
        );
    }

    #[test]
    fn the_customer_waiting_for_a_first_answer_does_not_start_next_response() {
        let (mut state, _) = SlaState::start(&policy(), Millis(0), false, None);
        assert!(state.customer_wrote(&policy(), Millis(5), None).is_empty());
    }

    #[test]
    fn policy_validation() {
        let mut bad = policy();
        bad.warn_at = 1.5;
        assert!(bad.validate().unwrap_err().starts_with("warn_at"));
        let empty = SlaPolicy {
            first_response: None,
            next_response: None,
            resolution: None,
            ..policy()
        };
        assert!(empty.validate().is_err());
    }
}
