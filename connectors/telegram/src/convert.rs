//! Telegram updates (the Bot API's JSON) → Switchboard inbound events.
//!
//! Only the fields we use are modelled, so a new Telegram field never breaks parsing. Message
//! ids are unique per chat only, so our external id is `"<chat id>:<message id>"`; every chat
//! (private, group, supergroup) is one conversation keyed by its chat id, and in groups each
//! message is attributed to its own sender.

use chrono::{DateTime, TimeZone, Utc};
use connector_sdk::csat::CsatAnswer;
use connector_sdk::{
    Attachment, InboundEvent, InboundMessage, MessageEdit, Reachability, Sender, ThreadAccess,
};
use serde::Deserialize;

/// The sender scope of Telegram users: user ids are global to Telegram.
pub const SCOPE: &str = "telegram";

/// The update kinds we ask Telegram for, in polling and webhook mode alike. `my_chat_member`
/// tells us when a user blocks (or unblocks) the bot.
/// `callback_query` carries presses of our inline buttons (satisfaction surveys).
pub const ALLOWED_UPDATES: [&str; 4] = [
    "message",
    "edited_message",
    "my_chat_member",
    "callback_query",
];

/// One update as `getUpdates` or a webhook delivers it.
#[derive(Debug, Deserialize)]
pub struct Update {
    pub update_id: i64,
    #[serde(default)]
    pub message: Option<TgMessage>,
    #[serde(default)]
    pub edited_message: Option<TgMessage>,
    #[serde(default)]
    pub my_chat_member: Option<ChatMemberUpdated>,
    #[serde(default)]
    pub callback_query: Option<CallbackQuery>,
}

/// A press of an inline keyboard button (`callback_query`).
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub id: String,
    pub from: User,
    /// The button's `callback_data`.
    #[serde(default)]
    pub data: Option<String>,
}

/// The bot's own membership in a chat changed (`my_chat_member`).
#[derive(Debug, Deserialize)]
pub struct ChatMemberUpdated {
    pub chat: Chat,
    pub date: i64,
    pub new_chat_member: ChatMember,
}

#[derive(Debug, Deserialize)]
pub struct ChatMember {
    /// `creator`, `administrator`, `member`, `restricted`, `left` or `kicked`.
    pub status: String,
    /// For `restricted`: whether the bot may still post in the group.
    #[serde(default)]
    pub can_send_messages: Option<bool>,
}

/// The message a reply quotes; only its id is used.
#[derive(Debug, Deserialize)]
pub struct RepliedMessage {
    pub message_id: i64,
}

#[derive(Debug, Deserialize)]
pub struct TgMessage {
    pub message_id: i64,
    pub date: i64,
    pub chat: Chat,
    #[serde(default)]
    pub from: Option<User>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub photo: Option<Vec<PhotoSize>>,
    #[serde(default)]
    pub document: Option<FileMeta>,
    #[serde(default)]
    pub voice: Option<FileMeta>,
    #[serde(default)]
    pub audio: Option<FileMeta>,
    #[serde(default)]
    pub video: Option<FileMeta>,
    #[serde(default)]
    pub sticker: Option<Sticker>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub migrate_to_chat_id: Option<i64>,
    #[serde(default)]
    pub migrate_from_chat_id: Option<i64>,
    #[serde(default)]
    pub edit_date: Option<i64>,
    #[serde(default)]
    pub reply_to_message: Option<Box<RepliedMessage>>,
}

#[derive(Debug, Deserialize)]
pub struct Chat {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct User {
    pub id: i64,
    #[serde(default)]
    pub is_bot: bool,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub language_code: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PhotoSize {
    pub file_id: String,
    #[serde(default)]
    pub file_size: Option<u64>,
    #[serde(default)]
    pub width: u32,
    #[serde(default)]
    pub height: u32,
}

#[derive(Debug, Deserialize)]
pub struct FileMeta {
    pub file_id: String,
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub file_size: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct Sticker {
    pub file_id: String,
    #[serde(default)]
    pub emoji: Option<String>,
    #[serde(default)]
    pub file_size: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

/// Our external id of a Telegram message.
pub fn external_id(chat: i64, message: i64) -> String {
    format!("{chat}:{message}")
}

/// Splits an external id back into `(chat, message)`.
pub fn parse_external_id(id: &str) -> Option<(i64, i64)> {
    let (chat, message) = id.split_once(':')?;
    Some((chat.parse().ok()?, message.parse().ok()?))
}

fn at(seconds: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(seconds, 0).single()
}

fn file(meta: &FileMeta, default_mime: &str) -> Attachment {
    let mut attachment = Attachment::channel_file(meta.file_id.clone());
    attachment.name = meta.file_name.clone();
    attachment.mime_type = Some(
        meta.mime_type
            .clone()
            .unwrap_or_else(|| default_mime.into()),
    );
    attachment.size = meta.file_size;
    attachment
}

/// The text and attachments of a message; media without a caption get a short description so
/// that the conversation list never shows an empty line.
fn content(message: &TgMessage) -> (String, Vec<Attachment>) {
    let mut attachments = Vec::new();
    let mut label = None;
    if let Some(sizes) = &message.photo {
        // Telegram lists the same photo in several sizes; keep the largest.
        if let Some(largest) = sizes
            .iter()
            .max_by_key(|s| u64::from(s.width) * u64::from(s.height))
        {
            let mut attachment = Attachment::channel_file(largest.file_id.clone());
            attachment.mime_type = Some("image/jpeg".into());
            attachment.size = largest.file_size;
            attachment.name = Some("photo.jpg".into());
            attachments.push(attachment);
            label = Some("[photo]".to_owned());
        }
    }
    if let Some(document) = &message.document {
        attachments.push(file(document, "application/octet-stream"));
        label = Some(format!(
            "[document{}]",
            document
                .file_name
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ));
    }
    if let Some(voice) = &message.voice {
        attachments.push(file(voice, "audio/ogg"));
        label = Some("[voice message]".to_owned());
    }
    if let Some(audio) = &message.audio {
        attachments.push(file(audio, "audio/mpeg"));
        label = Some("[audio]".to_owned());
    }
    if let Some(video) = &message.video {
        attachments.push(file(video, "video/mp4"));
        label = Some("[video]".to_owned());
    }
    if let Some(sticker) = &message.sticker {
        let mut attachment = Attachment::channel_file(sticker.file_id.clone());
        attachment.mime_type = Some("image/webp".into());
        attachment.size = sticker.file_size;
        attachments.push(attachment);
        label = Some(format!(
            "[sticker{}]",
            sticker
                .emoji
                .as_deref()
                .map(|e| format!(" {e}"))
                .unwrap_or_default()
        ));
    }
    if let Some(location) = &message.location {
        label = Some(format!(
            "[location: {:.6}, {:.6}]",
            location.latitude, location.longitude
        ));
    }
    let text = message
        .text
        .clone()
        .or_else(|| message.caption.clone())
        .or(label)
        .unwrap_or_default();
    (text, attachments)
}

fn sender(message: &TgMessage) -> Sender {
    match &message.from {
        Some(user) => {
            let name = match &user.last_name {
                Some(last) => format!("{} {last}", user.first_name),
                None => user.first_name.clone(),
            };
            let mut sender = Sender::new(SCOPE, user.id.to_string()).with_name(name);
            sender.is_bot = user.is_bot;
            sender
        }
        // Posts on behalf of a chat carry no user: the chat itself speaks.
        None => {
            let name = message
                .chat
                .title
                .clone()
                .or_else(|| message.chat.first_name.clone())
                .unwrap_or_else(|| message.chat.id.to_string());
            Sender::new(SCOPE, message.chat.id.to_string()).with_name(name)
        }
    }
}

/// A change of the bot's membership in a chat. In a private chat `kicked` means the user
/// blocked the bot, and every send would fail with 403 until they unblock it (`member`
/// again): the person is unreachable. In a group the bot's removal (or a restriction that
/// forbids it to post) says nothing about a person: the group's conversation can no longer be
/// answered, until the bot is added back.
fn membership(channel: &str, update: &ChatMemberUpdated) -> Option<InboundEvent> {
    let chat = update.chat.id.to_string();
    let member = &update.new_chat_member;
    if update.chat.kind != "private" {
        let access = match member.status.as_str() {
            "left" | "kicked" => {
                ThreadAccess::closed(channel, chat, "the bot was removed from the group")
            }
            "restricted" if member.can_send_messages == Some(false) => {
                ThreadAccess::closed(channel, chat, "the bot may not post in the group")
            }
            "member" | "administrator" | "creator" | "restricted" => {
                ThreadAccess::open(channel, chat)
            }
            _ => return None,
        };
        return Some(InboundEvent::ThreadAccess(access));
    }
    Some(InboundEvent::Reachability(match member.status.as_str() {
        "kicked" => Reachability::unreachable(channel, SCOPE, chat, "the user blocked the bot"),
        "member" => Reachability::reachable(channel, SCOPE, chat),
        _ => return None,
    }))
}

/// A survey button press; `None` for any other button (we send no others).
fn csat_answer(channel: &str, query: &CallbackQuery) -> Option<InboundEvent> {
    let data = query.data.as_deref()?;
    connector_sdk::csat::parse_payload(data)?;
    let mut from = Sender::new(SCOPE, query.from.id.to_string());
    from.is_bot = query.from.is_bot;
    Some(InboundEvent::CsatAnswer(CsatAnswer::new(
        channel,
        format!("callback:{}", query.id),
        from,
        data,
    )))
}

/// The ids of the callback queries of `update`, to answer once it is stored.
pub fn callback_query_id(update: &Update) -> Option<&str> {
    update
        .callback_query
        .as_ref()
        .map(|query| query.id.as_str())
}

/// True for a message another bot wrote in a group. Bots never become contacts (they would
/// land in campaign audiences), and such a message is dropped: the chat's conversation is
/// keyed by the chat, so nothing else depends on it. (Bots cannot write to bots in private.)
fn from_another_bot(message: &TgMessage) -> bool {
    message.chat.kind != "private" && message.from.as_ref().is_some_and(|user| user.is_bot)
}

/// The inbound events of one update for channel `channel`; empty for updates we do not handle.
pub fn events(channel: &str, update: &Update) -> Vec<InboundEvent> {
    let mut events = Vec::new();
    if let Some(member) = &update.my_chat_member {
        events.extend(membership(channel, member));
    }
    if let Some(answer) = update
        .callback_query
        .as_ref()
        .and_then(|q| csat_answer(channel, q))
    {
        events.push(answer);
    }
    if let Some(message) = &update.message {
        let chat = message.chat.id;
        if let Some(to) = message.migrate_to_chat_id {
            events.push(InboundEvent::ThreadMoved {
                channel: channel.into(),
                from: chat.to_string(),
                to: to.to_string(),
            });
            return events;
        }
        if let Some(from) = message.migrate_from_chat_id {
            events.push(InboundEvent::ThreadMoved {
                channel: channel.into(),
                from: from.to_string(),
                to: chat.to_string(),
            });
            return events;
        }
        let (text, attachments) = content(message);
        if text.is_empty() && attachments.is_empty() {
            return events; // service messages (members joined, title changed, …)
        }
        if from_another_bot(message) {
            tracing::debug!(chat, "dropped a message another bot wrote in a group");
            return events;
        }
        let mut inbound = InboundMessage::text(
            channel,
            external_id(chat, message.message_id),
            sender(message),
            text.clone(),
        )
        .in_thread(chat.to_string())
        .with_attachments(attachments)
        .replying_to(
            message
                .reply_to_message
                .as_ref()
                .map(|replied| external_id(chat, replied.message_id)),
        );
        inbound.sent_at = at(message.date);
        if let Some(payload) = text
            .strip_prefix("/start ")
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            inbound
                .contact_attributes
                .insert("telegram_start".into(), payload.into());
            if let Some(language) = message.from.as_ref().and_then(|u| u.language_code.clone()) {
                inbound
                    .contact_attributes
                    .insert("language".into(), language.into());
            }
        }
        events.push(InboundEvent::Message(inbound));
    }
    if let Some(message) = update
        .edited_message
        .as_ref()
        .filter(|message| !from_another_bot(message))
    {
        let (text, _) = content(message);
        let mut edit = MessageEdit::new(
            channel,
            external_id(message.chat.id, message.message_id),
            text,
        );
        edit.edited_at = message.edit_date.and_then(at);
        events.push(InboundEvent::Edited(edit));
    }
    events
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
