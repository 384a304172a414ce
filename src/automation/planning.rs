//! Rule planning: what one logged event makes the engine do. Reads the facts rules test,
//! runs the matching rules in order, and turns their actions into store work (replies and
//! notes rendered, SLA targets armed) without writing anything; the engine applies the work.

use connector_sdk::ChannelKind;

use super::calendar::Calendar;
use super::condition::Facts;
use super::rule::{Action, ReplySpec, RuleSpec, Trigger};
use super::{ActiveRule, Automation, text};
use crate::domain::SlaState;
use crate::domain::{Contact, Conversation, ConversationStatus, Event, EventKind, Millis, Team};
use crate::store::automation::{ConversationWork, PlannedAction, ReplyGuard, RulePlan, SlaWrite};
use crate::store::{PageRequest, StoreResult};

/// The conversation an event is about, as its rules are planned: what they act on, where and
/// when.
#[derive(Clone, Copy)]
pub(super) struct Subject<'a> {
    pub(super) conversation: &'a Conversation,
    pub(super) contact: &'a Contact,
    /// The conversation's channel kind; `None` when that channel is no longer configured.
    pub(super) kind: Option<ChannelKind>,
    /// The business hours that apply to the conversation, if any.
    pub(super) calendar: Option<&'a Calendar>,
    /// The moment the rules act at.
    pub(super) now: Millis,
}

impl Automation {
    /// What one event makes the engine do, if anything.
    pub(super) async fn evaluate(
        &self,
        event: &Event,
        rules: &[ActiveRule],
        teams: &[Team],
    ) -> StoreResult<Option<ConversationWork>> {
        let inner = &self.inner;
        let Some(conversation_id) = event.conversation_id else {
            return Ok(None);
        };
        let direction = event.data.get("direction").and_then(|v| v.as_str());
        let message_kind = event.data.get("kind").and_then(|v| v.as_str());
        // A survey comment is the customer's message, but it asks for nothing: no rule, bot
        // or SLA target reacts to it.
        let is_message = event.kind == EventKind::MessageCreated
            && message_kind == Some("message")
            && event.data.get("csat_comment").is_none();
        let trigger = match event.kind {
            EventKind::MessageCreated if is_message && direction == Some("in") => {
                Some(Trigger::MessageReceived)
            }
            EventKind::ConversationCreated => Some(Trigger::ConversationCreated),
            EventKind::ConversationStatusChanged
                if event.data.get("to").and_then(|v| v.as_str()) == Some("resolved") =>
            {
                Some(Trigger::ConversationResolved)
            }
            EventKind::ConversationIdle => Some(Trigger::ConversationIdle),
            EventKind::SlaBreached => Some(Trigger::SlaBreached),
            _ => None,
        };
        let idle_rule = event.data.get("rule").and_then(|v| v.as_str());
        let matching: Vec<&ActiveRule> = rules
            .iter()
            .filter(|rule| rule.spec.enabled && Some(rule.spec.on) == trigger)
            .filter(|rule| {
                trigger != Some(Trigger::ConversationIdle)
                    || Some(rule.spec.name.as_str()) == idle_rule
            })
            .collect();
        let idle_rules: Vec<&RuleSpec> = rules
            .iter()
            .filter(|rule| rule.spec.enabled && rule.spec.on == Trigger::ConversationIdle)
            .map(|rule| &rule.spec)
            .collect();
        let arms_idle =
            !idle_rules.is_empty() && (is_message || event.kind == EventKind::ConversationCreated);
        let sla_relevant =
            !inner.sla.is_empty() && (is_message || trigger == Some(Trigger::ConversationResolved));
        // A held conversation is released once its first message's rules ran (the
        // `conversation.created` ones come before it in the log).
        let releases = trigger == Some(Trigger::MessageReceived)
            && inner.holding.load(std::sync::atomic::Ordering::Relaxed);
        if matching.is_empty() && !arms_idle && !sla_relevant && !releases {
            return Ok(None);
        }
        let conversation = match inner.store.get_conversation(conversation_id).await {
            Ok(conversation) => conversation,
            Err(crate::store::StoreError::NotFound) => return Ok(None),
            Err(err) => return Err(err),
        };
        let now = Millis::now();
        let mut work = ConversationWork::new(conversation_id);
        work.clear_triage = releases;
        if arms_idle
            && matches!(
                conversation.status,
                ConversationStatus::Open | ConversationStatus::Pending
            )
        {
            for rule in &idle_rules {
                if let Some(span) = rule.idle_for {
                    work.arm_idle.push((
                        format!("idle:{}", rule.name),
                        now.plus(span.0),
                        span.millis(),
                    ));
                }
            }
        }
        let team_name = conversation
            .team_id
            .and_then(|id| teams.iter().find(|team| team.id == id))
            .map(|team| team.name.as_str());
        let calendar = inner
            .calendars
            .for_conversation(&conversation.channel, team_name);
        if sla_relevant {
            work.sla = self.track_sla(event, &conversation, is_message, direction, calendar);
        }
        if !matching.is_empty() {
            let contact = inner.store.get_contact(conversation.contact_id).await?;
            let message = match event.message_id {
                Some(id) if is_message => Some(inner.store.get_message(id).await?),
                // A new conversation is judged by the message that opened it: an auto-reply
                // or a bot opening one must not be greeted.
                _ if trigger == Some(Trigger::ConversationCreated) => {
                    let first = PageRequest {
                        cursor: None,
                        limit: Some(1),
                    };
                    inner
                        .store
                        .list_messages(conversation_id, first)
                        .await?
                        .items
                        .into_iter()
                        .next()
                }
                _ => None,
            };
            let kind = inner.channel_kinds.get(&conversation.channel).copied();
            let text = message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
            let subject = Subject {
                conversation: &conversation,
                contact: &contact,
                kind,
                calendar,
                now,
            };
            let mut facts = Facts {
                channel: conversation.channel.clone(),
                channel_kind: kind,
                language: text::detect_language(&text).map(str::to_owned),
                text,
                contact_attributes: contact.attributes.clone(),
                contact_tags: contact.tags.clone(),
                labels: conversation.labels.clone(),
                priority: Some(conversation.priority),
                status: Some(conversation.status),
                within_business_hours: calendar.is_none_or(|c| c.is_open(now.to_datetime())),
                automated: message.as_ref().is_some_and(|m| m.automated),
                author_is_bot: message
                    .as_ref()
                    .is_some_and(|m| m.author_type == crate::domain::AuthorType::Bot),
            };
            for rule in matching {
                // No condition means always; facts change as earlier rules apply.
                if rule
                    .spec
                    .when
                    .as_ref()
                    .is_none_or(|when| when.matches(&facts))
                {
                    work.rules.push(self.plan(&rule.spec, &mut facts, &subject));
                    if rule.spec.stop {
                        break;
                    }
                }
            }
        }
        Ok((!work.is_empty()).then_some(work))
    }

    /// Keeps a conversation's SLA targets up to date with what just happened.
    fn track_sla(
        &self,
        event: &Event,
        conversation: &Conversation,
        is_message: bool,
        direction: Option<&str>,
        calendar: Option<&Calendar>,
    ) -> Option<SlaWrite> {
        let mut state = SlaState::from_json(conversation.sla.as_ref()?)?;
        let policy = self.inner.sla.get(&state.policy)?;
        let at = Millis::from(event.created_at);
        let change = if is_message && direction == Some("in") {
            state.customer_wrote(policy, at, calendar)
        } else if is_message && direction == Some("out") && event.agent_id.is_some() {
            state.agent_replied(at)
        } else if !is_message {
            state.resolved(at)
        } else {
            return None;
        };
        if change.is_empty() {
            return None;
        }
        Some(SlaWrite {
            state: state.to_json(),
            arm: change
                .arm
                .iter()
                .map(|(target, due)| (target.timer_kind(), *due))
                .collect(),
            cancel: change
                .cancel
                .iter()
                .map(|target| target.timer_kind())
                .collect(),
        })
    }

    /// Turns a matching rule into store actions, and updates the facts later rules see.
    fn plan(&self, rule: &RuleSpec, facts: &mut Facts, subject: &Subject<'_>) -> RulePlan {
        let inner = &self.inner;
        let Subject {
            conversation,
            calendar,
            now,
            ..
        } = *subject;
        let mut actions = Vec::with_capacity(rule.actions.len());
        for action in &rule.actions {
            let planned = match action {
                Action::AssignAgent(email) => PlannedAction::AssignAgent(email.clone()),
                Action::AssignTeam(team) => PlannedAction::AssignTeam(team.clone()),
                Action::AssignPolicy(policy) => PlannedAction::SetPolicy(*policy),
                Action::AddLabel(label) => {
                    if !facts.labels.contains(label) {
                        facts.labels.push(label.clone());
                    }
                    PlannedAction::AddLabel(label.clone())
                }
                Action::RemoveLabel(label) => {
                    facts.labels.retain(|l| l != label);
                    PlannedAction::RemoveLabel(label.clone())
                }
                Action::SetPriority(priority) => {
                    facts.priority = Some(*priority);
                    PlannedAction::SetPriority(*priority)
                }
                Action::SetStatus(status) => {
                    facts.status = Some(*status);
                    PlannedAction::SetStatus(*status)
                }
                Action::SnoozeFor(span) => {
                    facts.status = Some(ConversationStatus::Snoozed);
                    PlannedAction::SnoozeUntil(now.plus(span.0))
                }
                Action::SnoozeUntilOpen(_) => {
                    let next = calendar.and_then(|c| c.next_open(now.to_datetime()));
                    match next.map(Millis::from) {
                        Some(next) if next > now => {
                            facts.status = Some(ConversationStatus::Snoozed);
                            PlannedAction::SnoozeUntil(next)
                        }
                        // Open now (or no calendar): nothing to wait for.
                        _ => continue,
                    }
                }
                Action::Reply(spec) => self.plan_reply(spec, facts, subject),
                Action::SendCsat(_) => self.plan_csat(facts, subject),
                Action::Note(text) => {
                    let context = self.context(subject, None, "");
                    match inner.templates.render_source(
                        &format!("rule {}", rule.name),
                        text,
                        &context,
                    ) {
                        Ok(rendered) => PlannedAction::Note(rendered.text),
                        Err(err) => PlannedAction::Fail(format!("note: {err}")),
                    }
                }
                Action::Webhook(name) => PlannedAction::Webhook(name.clone()),
                Action::AssistClassify(_) => PlannedAction::AssistClassify,
                Action::SetSla(name) => match inner.sla.get(name) {
                    Some(policy) => {
                        let (state, change) = SlaState::start(
                            policy,
                            now,
                            conversation.first_reply_at.is_some(),
                            calendar,
                        );
                        PlannedAction::StartSla {
                            state: state.to_json(),
                            arm: change
                                .arm
                                .iter()
                                .map(|(target, due)| (target.timer_kind(), *due))
                                .collect(),
                        }
                    }
                    None => PlannedAction::Fail(format!("set_sla: no SLA policy named {name:?}")),
                },
            };
            actions.push((planned, action.describe()));
        }
        RulePlan {
            rule: rule.name.clone(),
            actions,
        }
    }

    /// The satisfaction survey rendered now (template `csat_request`) for the conversation's
    /// channel and the contact's locale, with its signed links.
    fn plan_csat(&self, facts: &Facts, subject: &Subject<'_>) -> PlannedAction {
        let inner = &self.inner;
        let Subject {
            conversation,
            contact,
            kind,
            now,
            ..
        } = *subject;
        let Some(kind) = kind else {
            return PlannedAction::Fail(format!(
                "send_csat: channel {:?} is not configured any more",
                conversation.channel
            ));
        };
        let Some(surveys) = &inner.surveys else {
            return PlannedAction::Fail("send_csat: surveys are not set up".into());
        };
        let expires_at = surveys.expiry(now);
        let locale = inner
            .templates
            .resolve_locale(&contact.attributes, facts.language.as_deref());
        let mut context = self.context(subject, None, &locale);
        context.custom = surveys.template_values(conversation.id, expires_at);
        match inner
            .templates
            .render(crate::csat::TEMPLATE, kind, &locale, &context)
        {
            Ok(rendered) => PlannedAction::SendCsat {
                rendered,
                expires_at,
            },
            Err(err) => PlannedAction::Fail(format!("send_csat: {err}")),
        }
    }

    /// A reply rendered now for the conversation's channel and the contact's locale, with the
    /// guard the store checks before queueing it.
    fn plan_reply(&self, spec: &ReplySpec, facts: &Facts, subject: &Subject<'_>) -> PlannedAction {
        let inner = &self.inner;
        let Subject {
            conversation,
            contact,
            kind,
            ..
        } = *subject;
        let Some(kind) = kind else {
            return PlannedAction::Fail(format!(
                "reply: channel {:?} is not configured any more",
                conversation.channel
            ));
        };
        let locale = inner
            .templates
            .resolve_locale(&contact.attributes, facts.language.as_deref());
        let mut context = self.context(subject, Some(spec), &locale);
        context.custom = spec.values();
        match inner
            .templates
            .render(spec.template(), kind, &locale, &context)
        {
            Ok(rendered) => {
                let cooldown = spec.cooldown().unwrap_or(if kind == ChannelKind::Email {
                    inner.config.email_cooldown
                } else {
                    inner.config.chat_cooldown
                });
                PlannedAction::Reply {
                    template: spec.template().to_owned(),
                    rendered,
                    guard: ReplyGuard {
                        contact: contact.id,
                        trigger_automated: facts.automated || facts.author_is_bot,
                        human_window_ms: inner.config.human_reply_window.millis(),
                        cooldown_ms: cooldown.millis(),
                        max_per_hour: i64::from(inner.config.max_auto_replies_per_hour),
                    },
                }
            }
            Err(err) => PlannedAction::Fail(format!("reply with {}: {err}", spec.template())),
        }
    }
}
