//! The campaign tail over the event log: opt-out keywords on chat channels (withdraw
//! consent, suppress, confirm once), a channel's own opt-in keywords (SMS `START`: consent
//! granted again, suppression lifted) and replies within 7 days linked to the campaign.

use connector_sdk::Keyword;

use super::{CampaignRunner, RunOutcome};
use crate::domain::{ContactId, ConversationId};
use crate::store::campaigns::{InboundSeen, OptOut};
use crate::store::{Lane, NewReply, ReplyAuthor};

/// The tail's name in `worker_cursors`.
const CURSOR: &str = "campaigns";
/// Events examined per tail pass.
const TAIL_BATCH: i64 = 500;

/// A contact's reply or keyword, classified.
enum Seen<'a> {
    OptOut(&'a InboundSeen),
    OptIn(&'a InboundSeen),
    Help(&'a InboundSeen),
    Reply(&'a InboundSeen),
}

/// The template that answers an SMS `HELP` (shipped: `templates/sms_help*.j2`).
const HELP_TEMPLATE: &str = "sms_help";

impl CampaignRunner {
    /// Handles new inbound messages: opt-out keywords (withdraw consent, suppress, confirm
    /// once) and replies within 7 days of a campaign message (linked and labelled).
    pub(super) async fn tail(&self, outcome: &mut RunOutcome) -> anyhow::Result<()> {
        let parts = self.parts();
        let store = &parts.store;
        self.inner
            .cursor_ready
            .get_or_try_init(|| store.init_worker_cursor(CURSOR))
            .await?;
        loop {
            let after = store.worker_cursor(CURSOR).await?;
            let (seen, last) = store.inbound_after(after, TAIL_BATCH).await?;
            let Some(last) = last else { return Ok(()) };
            let classified: Vec<Seen<'_>> = seen
                .iter()
                .map(|message| {
                    // The channel's own keywords first (SMS `STOP`/`START`), then the
                    // campaign stop words every channel honours.
                    let keyword = parts
                        .connectors
                        .get(&message.channel)
                        .and_then(|connector| connector.keyword(&message.text));
                    match keyword {
                        Some(Keyword::OptOut) => Seen::OptOut(message),
                        Some(Keyword::OptIn) => Seen::OptIn(message),
                        _ if parts.config.is_stop_keyword(&message.text) => Seen::OptOut(message),
                        Some(Keyword::Help) => Seen::Help(message),
                        None => Seen::Reply(message),
                    }
                })
                .collect();
            let mut replies = Vec::new();
            for item in classified {
                match item {
                    Seen::OptOut(message) => {
                        self.keyword_opt_out(message).await?;
                        outcome.opt_outs += 1;
                    }
                    Seen::OptIn(message) => self.keyword_opt_in(message).await?,
                    Seen::Help(message) => self.keyword_help(message).await?,
                    Seen::Reply(message) => replies.push(message.clone()),
                }
            }
            let events = store
                .link_replies(
                    &replies,
                    crate::store::campaigns::REPLY_WINDOW_MS,
                    (CURSOR, last),
                )
                .await?;
            outcome.replies += events.len();
            parts.events.publish(events);
            if last == after {
                return Ok(());
            }
        }
    }

    /// Answers a channel's help keyword (SMS `HELP`) with the `sms_help` template in the
    /// contact's language. A template that cannot render is logged: the message stays
    /// stored and an agent sees it.
    async fn keyword_help(&self, message: &InboundSeen) -> anyhow::Result<()> {
        let parts = self.parts();
        let Some(connector) = parts.connectors.get(&message.channel) else {
            return Ok(());
        };
        let contact = parts
            .store
            .get_contact(ContactId::new(message.contact))
            .await?;
        let conversation = parts
            .store
            .get_conversation(ConversationId::new(message.conversation))
            .await?;
        let locale = parts.templates.resolve_locale(&contact.attributes, None);
        let context = crate::templates::TemplateContext::from_parts(
            &contact,
            &conversation,
            None,
            &message.channel,
            connector.kind(),
        );
        let rendered =
            match parts
                .templates
                .render(HELP_TEMPLATE, connector.kind(), &locale, &context)
            {
                Ok(rendered) => rendered,
                Err(err) => {
                    tracing::warn!(error = %err, "could not answer a HELP keyword");
                    return Ok(());
                }
            };
        self.answer(message, rendered.text, rendered.markup, "a HELP keyword")
            .await;
        Ok(())
    }

    /// Queues the bot's answer to `message` and wakes the dispatcher. An answer that cannot be
    /// queued (a conversation with no reachable identity) is logged and dropped: what the
    /// keyword did is recorded either way, only the courtesy message is lost.
    async fn answer(
        &self,
        message: &InboundSeen,
        text: String,
        markup: Option<String>,
        what: &str,
    ) {
        let parts = self.parts();
        let reply = NewReply {
            conversation: ConversationId::new(message.conversation),
            author: ReplyAuthor::Bot,
            text,
            html: None,
            markup,
            attachments: Vec::new(),
            template: None,
            lane: Lane::Reply,
            written_as: None,
        };
        match parts.store.add_reply(&reply).await {
            Ok((_, events)) => {
                parts.events.publish(events);
                parts.dispatch_wake.notify_one();
            }
            Err(err) => tracing::warn!(error = %err, "could not answer {what}"),
        }
    }

    /// Grants consent again after a channel's opt-in keyword (SMS `START`), with the message
    /// as proof. No confirmation: the provider sends its own where carriers require one.
    async fn keyword_opt_in(&self, message: &InboundSeen) -> anyhow::Result<()> {
        let parts = self.parts();
        let kind = parts
            .connectors
            .get(&message.channel)
            .map_or_else(|| message.channel.clone(), |c| c.kind().as_str().to_owned());
        let (_, events) = parts
            .store
            .opt_in(&OptOut {
                contact: ContactId::new(message.contact),
                campaign: None,
                kind,
                suppress: message.identity.clone(),
                source: "keyword".into(),
                proof: Some(format!("message: {}", message.text.trim())),
            })
            .await?;
        parts.events.publish(events);
        Ok(())
    }

    async fn keyword_opt_out(&self, message: &InboundSeen) -> anyhow::Result<()> {
        let parts = self.parts();
        let connector = parts.connectors.get(&message.channel);
        let kind =
            connector.map_or_else(|| message.channel.clone(), |c| c.kind().as_str().to_owned());
        // Twilio confirms an opt-out itself and refuses anything sent after it (21610).
        let provider_confirms = connector.is_some_and(|c| c.answers_keywords());
        let (first, events) = parts
            .store
            .opt_out(&OptOut {
                contact: ContactId::new(message.contact),
                campaign: None,
                kind,
                suppress: message.identity.clone(),
                source: "keyword".into(),
                proof: Some(format!("message: {}", message.text.trim())),
            })
            .await?;
        parts.events.publish(events);
        if first && !provider_confirms {
            let confirmation = parts.config.stop_confirmation.clone();
            self.answer(message, confirmation, None, "an opt-out").await;
        }
        Ok(())
    }
}
