//! Inbound: the serenity gateway client, and REST backfill after every (re)connect.
//!
//! Each channel we follow (DM channels, support threads, watched channels) keeps a checkpoint
//! `after:<channel id>` — the newest message id stored — committed with that message. On READY
//! and RESUMED every followed channel is read through REST after its checkpoint, so messages
//! posted while the gateway was down arrive once (message ids are deduplicated anyway).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use connector_sdk::{
    Attachment, Checkpoint, ConnectorError, InboundEvent, InboundMessage, Inbox, MessageEdit,
    Sender,
};
use serenity::all::{
    ChannelId, ComponentInteraction, Context, EventHandler, GatewayIntents, GuildId, Interaction,
    Message, MessageId, MessageUpdateEvent, Ready, ResumedEvent, UserId,
};
use serenity::builder::{CreateThread, GetMessages};
use serenity::client::ClientBuilder;
use serenity::http::{Http, HttpBuilder};
use tokio_util::sync::CancellationToken;

use crate::{Discord, SCOPE};

/// The checkpoint key listing the channels we follow.
const CHANNELS_KEY: &str = "channels";
/// Messages per backfill request (Discord's maximum).
const PAGE: u8 = 100;

struct Shared {
    name: String,
    http: Arc<Http>,
    inbox: Inbox,
    watched: HashSet<ChannelId>,
    accept_dms: bool,
    bot: OnceLock<UserId>,
    /// Thread → parent channel, so thread messages can be told apart from other guild chatter.
    parents: Mutex<HashMap<ChannelId, Option<ChannelId>>>,
    /// Channels we follow for backfill.
    followed: Mutex<BTreeSet<u64>>,
    /// One backfill at a time (READY and RESUMED can race).
    backfill: tokio::sync::Mutex<()>,
}

struct Handler {
    shared: Arc<Shared>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self.shared.bot.set(ready.user.id);
        self.shared.backfill().await;
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        self.shared.backfill().await;
    }

    async fn message(&self, _ctx: Context, message: Message) {
        if let Err(err) = self.shared.handle(&message).await {
            tracing::error!(channel = %self.shared.name, error = %err, "Discord message not stored; the next backfill retries it");
        }
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        // Only presses of our survey buttons are ours. Anything else (a slash command, a
        // component without a survey payload) gets no answer: we have nothing to say, and a
        // deferred acknowledgement (type 6) would tell the user that something happened.
        // Unanswered, Discord shows them "This interaction failed", which is the truth.
        if let Interaction::Component(press) = interaction {
            self.shared.answer_survey(&press).await;
        }
    }

    async fn message_update(
        &self,
        _ctx: Context,
        _old: Option<Message>,
        _new: Option<Message>,
        event: MessageUpdateEvent,
    ) {
        let Some(content) = event.content else { return };
        let mut edit = MessageEdit::new(self.shared.name.clone(), event.id.to_string(), content);
        edit.edited_at = event.edited_timestamp.and_then(chrono_time);
        if let Err(err) = self
            .shared
            .inbox
            .deliver_events(vec![InboundEvent::Edited(edit)], None)
            .await
        {
            tracing::error!(channel = %self.shared.name, error = %err, "Discord edit not stored");
        }
    }

    async fn message_delete(
        &self,
        _ctx: Context,
        _channel: ChannelId,
        deleted: MessageId,
        _guild: Option<GuildId>,
    ) {
        // Deletion keeps the conversation readable: the text is replaced, the original kept
        // as a revision.
        let edit = MessageEdit::new(
            self.shared.name.clone(),
            deleted.to_string(),
            "[deleted by its author]",
        );
        if let Err(err) = self
            .shared
            .inbox
            .deliver_events(vec![InboundEvent::Edited(edit)], None)
            .await
        {
            tracing::error!(channel = %self.shared.name, error = %err, "Discord deletion not stored");
        }
    }
}

impl Shared {
    /// Stores a survey press, then acknowledges it (Discord wants an answer within 3 s). A
    /// press the core does not count (someone else's, an altered payload) is thanked all the
    /// same: the presser learns nothing about the survey. One that could not be stored is
    /// left unanswered, so Discord tells the presser it failed and they can press again.
    async fn answer_survey(&self, press: &ComponentInteraction) {
        let Some(answer) = crate::survey::answer(&self.name, press) else {
            return;
        };
        if let Err(err) = self
            .inbox
            .deliver_events(vec![InboundEvent::CsatAnswer(answer)], None)
            .await
        {
            tracing::error!(channel = %self.name, error = %err, "Discord survey answer not stored");
            return;
        }
        if let Err(err) = press
            .create_response(&self.http, crate::survey::thanks())
            .await
        {
            // The answer is stored; only the presser's "Thank you!" is lost.
            tracing::warn!(channel = %self.name, error = %crate::classify(err), "Discord survey press not acknowledged");
        }
    }

    /// The conversation thread of a message, or `None` when it is not ours to handle.
    async fn thread_of(&self, message: &Message) -> Result<Option<ChannelId>, ConnectorError> {
        if message.guild_id.is_none() {
            return Ok(self.accept_dms.then_some(message.channel_id));
        }
        if self.watched.contains(&message.channel_id) {
            // A new customer in a support channel: open a thread on their message. A thread
            // started from a message has the message's id, so this is idempotent by nature.
            let name: String = format!("Support: {}", message.author.name)
                .chars()
                .take(90)
                .collect();
            if let Err(err) = message
                .channel_id
                .create_thread_from_message(&self.http, message.id, CreateThread::new(name))
                .await
            {
                // 160004: a thread already exists for this message (a redelivery).
                let exists = matches!(&err, serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) if r.error.code == 160004);
                if !exists {
                    return Err(crate::classify(err));
                }
            }
            return Ok(Some(ChannelId::new(message.id.get())));
        }
        let cached = self
            .parents
            .lock()
            .ok()
            .and_then(|parents| parents.get(&message.channel_id).copied());
        let parent = match cached {
            Some(parent) => parent,
            None => {
                let parent = match message
                    .channel_id
                    .to_channel(&self.http)
                    .await
                    .map_err(crate::classify)?
                {
                    serenity::model::channel::Channel::Guild(channel) => channel.parent_id,
                    _ => None,
                };
                if let Ok(mut parents) = self.parents.lock() {
                    parents.insert(message.channel_id, parent);
                }
                parent
            }
        };
        Ok(parent
            .filter(|p| self.watched.contains(p))
            .map(|_| message.channel_id))
    }

    /// Stores one message with its channel's checkpoint.
    async fn handle(&self, message: &Message) -> Result<(), ConnectorError> {
        if self.bot.get() == Some(&message.author.id) {
            return Ok(()); // our own replies are stored when we send them
        }
        let Some(thread) = self.thread_of(message).await? else {
            return Ok(());
        };
        let author = &message.author;
        let mut sender = Sender::new(SCOPE, author.id.to_string()).with_name(
            author
                .global_name
                .clone()
                .unwrap_or_else(|| author.name.clone()),
        );
        sender.is_bot = author.bot;
        let attachments = message
            .attachments
            .iter()
            .map(|a| {
                let mut attachment = Attachment::at(a.url.clone());
                attachment.name = Some(a.filename.clone());
                attachment.mime_type = a.content_type.clone();
                attachment.size = Some(u64::from(a.size));
                attachment
            })
            .collect::<Vec<_>>();
        let text = if message.content.is_empty() && !attachments.is_empty() {
            format!(
                "[{}]",
                message
                    .attachments
                    .iter()
                    .map(|a| a.filename.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            message.content.clone()
        };
        let mut inbound =
            InboundMessage::text(self.name.clone(), message.id.to_string(), sender, text)
                .in_thread(thread.to_string())
                .with_attachments(attachments);
        inbound.sent_at = chrono_time(message.timestamp);
        let checkpoint = Checkpoint::new(
            self.name.clone(),
            format!("after:{}", message.channel_id),
            message.id.to_string(),
        );
        self.inbox
            .deliver_events(vec![InboundEvent::Message(inbound)], Some(checkpoint))
            .await
            .map_err(|err| ConnectorError::unavailable(err.0, None))?;
        self.follow(&[message.channel_id.get(), thread.get()]).await
    }

    /// Adds channels to the followed list (persisted, so backfill after a restart knows them).
    async fn follow(&self, channels: &[u64]) -> Result<(), ConnectorError> {
        let changed = match self.followed.lock() {
            Ok(mut followed) => {
                let before = followed.len();
                followed.extend(
                    channels
                        .iter()
                        .copied()
                        .filter(|c| !self.watched.contains(&ChannelId::new(*c))),
                );
                (followed.len() != before).then(|| {
                    followed
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                })
            }
            Err(_) => None,
        };
        if let Some(list) = changed {
            self.inbox
                .deliver_events(
                    Vec::new(),
                    Some(Checkpoint::new(self.name.clone(), CHANNELS_KEY, list)),
                )
                .await
                .map_err(|err| ConnectorError::unavailable(err.0, None))?;
        }
        Ok(())
    }

    /// Reads what was posted while we were away, channel by channel, oldest first.
    async fn backfill(&self) {
        let _one_at_a_time = self.backfill.lock().await;
        let mut channels: Vec<u64> = self.watched.iter().map(|c| c.get()).collect();
        if let Ok(followed) = self.followed.lock() {
            channels.extend(followed.iter().copied());
        }
        for channel in channels {
            if let Err(err) = self.backfill_channel(ChannelId::new(channel)).await {
                tracing::warn!(channel = %self.name, discord_channel = channel, error = %err, "backfill failed; retried at the next reconnect");
            }
        }
    }

    async fn backfill_channel(&self, channel: ChannelId) -> Result<(), ConnectorError> {
        let key = format!("after:{channel}");
        let Some(mut after) = self
            .inbox
            .checkpoint(&self.name, &key)
            .await
            .map_err(|err| ConnectorError::unavailable(err.0, None))?
            .and_then(|value| value.parse::<u64>().ok())
        else {
            return Ok(()); // nothing stored from this channel yet: no history to import
        };
        loop {
            let mut page = channel
                .messages(
                    &self.http,
                    GetMessages::new()
                        .after(MessageId::new(after.max(1)))
                        .limit(PAGE),
                )
                .await
                .map_err(crate::classify)?;
            page.sort_by_key(|m| m.id);
            let full = page.len() >= usize::from(PAGE);
            for message in &page {
                self.handle(message).await?;
                after = after.max(message.id.get());
            }
            if !full {
                return Ok(());
            }
        }
    }
}

fn chrono_time(at: serenity::model::Timestamp) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(at.unix_timestamp(), 0)
}

fn http_for(config: &crate::Config) -> Http {
    let mut builder = HttpBuilder::new(&config.token);
    if let Some(url) = &config.api_url {
        builder = builder
            .proxy(url.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    builder.build()
}

/// Runs the gateway client until `shutdown`.
pub async fn run(
    discord: &Discord,
    inbox: Inbox,
    shutdown: CancellationToken,
) -> Result<(), ConnectorError> {
    let followed: BTreeSet<u64> = inbox
        .checkpoint(&discord.name, CHANNELS_KEY)
        .await
        .map_err(|err| ConnectorError::unavailable(err.0, None))?
        .map(|list| list.split(',').filter_map(|c| c.parse().ok()).collect())
        .unwrap_or_default();
    let shared = Arc::new(Shared {
        name: discord.name.clone(),
        http: discord.http.clone(),
        inbox,
        watched: discord.watched.clone(),
        accept_dms: discord.config.accept_dms,
        bot: OnceLock::new(),
        parents: Mutex::default(),
        followed: Mutex::new(followed),
        backfill: tokio::sync::Mutex::new(()),
    });
    let intents = GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;
    let mut client = ClientBuilder::new_with_http(http_for(&discord.config), intents)
        .event_handler(Handler { shared })
        .await
        .map_err(crate::classify)?;
    let shards = client.shard_manager.clone();
    tokio::select! {
        result = client.start() => result.map_err(crate::classify),
        () = shutdown.cancelled() => {
            shards.shutdown_all().await;
            Ok(())
        }
    }
}
