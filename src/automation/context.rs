//! The template context of rule replies and notes: the conversation and contact, the
//! business hours that apply, and the response time promised to the customer.

use connector_sdk::ChannelKind;

use super::Automation;
use super::planning::Subject;
use super::rule::ReplySpec;
use super::settings::describe_span;
use crate::domain::SlaState;
use crate::templates::TemplateContext;

impl Automation {
    /// The template context of a conversation, with its business hours.
    ///
    /// `reply` is the bot reply being rendered, whose own promised response time wins over
    /// the SLA's; `locale` words that time.
    pub(super) fn context(
        &self,
        subject: &Subject<'_>,
        reply: Option<&ReplySpec>,
        locale: &str,
    ) -> TemplateContext {
        let Subject {
            conversation,
            contact,
            calendar,
            now,
            ..
        } = *subject;
        // A note still renders when the conversation's channel is no longer configured; its
        // `channel.kind` then reads `webhook`, as it always has.
        let kind = subject.kind.unwrap_or(ChannelKind::Webhook);
        let mut context =
            TemplateContext::from_parts(contact, conversation, None, &conversation.channel, kind);
        let at = now.to_datetime();
        if let Some(calendar) = calendar {
            let open = calendar.is_open(at);
            context.business_hours.open = open;
            context.business_hours.timezone = calendar.timezone().to_owned();
            context.business_hours.next_open = if open {
                None
            } else {
                calendar.next_open(at).map(|next| next.to_rfc3339())
            };
        }
        // The promised response time: the bot's own, else the running SLA's first response.
        let promised = reply
            .and_then(|spec| match spec {
                ReplySpec::Detailed { values, .. } => values
                    .get("expected_response_secs")
                    .and_then(serde_json::Value::as_u64)
                    .map(std::time::Duration::from_secs),
                ReplySpec::Template(_) => None,
            })
            .or_else(|| {
                let state = SlaState::from_json(conversation.sla.as_ref()?)?;
                self.inner
                    .sla
                    .get(&state.policy)?
                    .first_response
                    .map(|span| span.0)
            });
        if let Some(span) = promised {
            context.business_hours.expected_response = describe_span(span, locale);
        }
        context
    }
}
