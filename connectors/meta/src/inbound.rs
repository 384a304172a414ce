//! Meta webhook payloads → Switchboard events: the WhatsApp Cloud API shape
//! (`entry[].changes[].value.{messages,statuses}`) and the Messenger/Instagram shape
//! (`entry[].messaging[]`). Only the fields we use are modelled; unknown kinds are skipped.

use chrono::{DateTime, TimeZone, Utc};
use connector_sdk::{
    Attachment, DeliveryState, DeliveryUpdate, InboundEvent, InboundMessage, Reaction, ReadReceipt,
    Sender,
};
use serde::Deserialize;
use serde_json::Value;

/// A webhook POST body.
#[derive(Debug, Deserialize)]
pub struct Payload {
    #[serde(default)]
    pub object: String,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    #[serde(default)]
    pub changes: Vec<Change>,
    #[serde(default)]
    pub messaging: Vec<Messaging>,
}

#[derive(Debug, Deserialize)]
pub struct Change {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub value: WhatsAppValue,
}

#[derive(Debug, Default, Deserialize)]
pub struct WhatsAppValue {
    #[serde(default)]
    pub contacts: Vec<WaContact>,
    #[serde(default)]
    pub messages: Vec<WaMessage>,
    #[serde(default)]
    pub statuses: Vec<WaStatus>,
}

#[derive(Debug, Deserialize)]
pub struct WaContact {
    pub wa_id: String,
    #[serde(default)]
    pub profile: Option<WaProfile>,
}

#[derive(Debug, Deserialize)]
pub struct WaProfile {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct WaMessage {
    pub from: String,
    pub id: String,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

#[derive(Debug, Deserialize)]
pub struct WaStatus {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub errors: Vec<WaError>,
}

#[derive(Debug, Deserialize)]
pub struct WaError {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Messaging {
    pub sender: Party,
    #[serde(default)]
    pub timestamp: Option<i64>,
    #[serde(default)]
    pub message: Option<Value>,
    #[serde(default)]
    pub postback: Option<Value>,
    #[serde(default)]
    pub referral: Option<Value>,
    #[serde(default)]
    pub reaction: Option<Value>,
    #[serde(default)]
    pub delivery: Option<Delivery>,
    #[serde(default)]
    pub read: Option<Read>,
}

/// A `read` item: Messenger sends a `watermark` (ms), Instagram may send the `mid` read.
#[derive(Debug, Deserialize)]
pub struct Read {
    #[serde(default)]
    pub watermark: Option<i64>,
    #[serde(default)]
    pub mid: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Party {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct Delivery {
    #[serde(default)]
    pub mids: Vec<String>,
}

fn seconds(text: Option<&str>) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(text?.parse().ok()?, 0).single()
}

fn millis(ms: Option<i64>) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms?).single()
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut current = value;
    for key in path {
        current = current.get(key)?;
    }
    current.as_str()
}

/// A WhatsApp media object → an attachment downloadable by media id.
fn wa_media(kind: &str, media: &Value) -> Option<Attachment> {
    let id = media.get("id")?.as_str()?;
    let mut attachment = Attachment::channel_file(id);
    attachment.mime_type = media
        .get("mime_type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    attachment.name = media
        .get("filename")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| Some(kind.to_owned()));
    Some(attachment)
}

/// The text and attachments of one WhatsApp message.
fn wa_content(message: &WaMessage) -> (String, Vec<Attachment>) {
    let body = Value::Object(message.rest.clone());
    let kind = message.kind.as_str();
    match kind {
        "text" => (
            str_at(&body, &["text", "body"])
                .unwrap_or_default()
                .to_owned(),
            Vec::new(),
        ),
        "image" | "audio" | "video" | "document" | "sticker" => {
            let media = body.get(kind).cloned().unwrap_or(Value::Null);
            let caption = media
                .get("caption")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let attachments = wa_media(kind, &media).into_iter().collect();
            (caption.unwrap_or_else(|| format!("[{kind}]")), attachments)
        }
        "location" => {
            let location = body.get("location").cloned().unwrap_or(Value::Null);
            let lat = location
                .get("latitude")
                .and_then(Value::as_f64)
                .unwrap_or_default();
            let lon = location
                .get("longitude")
                .and_then(Value::as_f64)
                .unwrap_or_default();
            let name = location
                .get("name")
                .and_then(Value::as_str)
                .map(|n| format!(" {n}"))
                .unwrap_or_default();
            let mut text = format!("[location{name}: {lat:.6}, {lon:.6}]");
            // A shared place carries its street address (and often a web page): the agent
            // needs it more than the coordinates.
            for key in ["address", "url"] {
                if let Some(value) = location.get(key).and_then(Value::as_str) {
                    text = format!("{text}\n{value}");
                }
            }
            (text, Vec::new())
        }
        "contacts" => {
            let cards: Vec<String> = body
                .get("contacts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|card| {
                    let name = str_at(card, &["name", "formatted_name"]).unwrap_or("contact");
                    let phones: Vec<&str> = card
                        .get("phones")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.get("phone").and_then(Value::as_str))
                        .collect();
                    format!("{name} {}", phones.join(", ")).trim().to_owned()
                })
                .collect();
            (format!("[contact: {}]", cards.join("; ")), Vec::new())
        }
        "interactive" => {
            let reply = body.get("interactive").cloned().unwrap_or(Value::Null);
            let title = str_at(&reply, &["button_reply", "title"])
                .or_else(|| str_at(&reply, &["list_reply", "title"]))
                .unwrap_or_default();
            let id = str_at(&reply, &["button_reply", "id"])
                .or_else(|| str_at(&reply, &["list_reply", "id"]))
                .unwrap_or_default();
            (format!("{title} [choice {id}]"), Vec::new())
        }
        "button" => (
            format!(
                "{} [button {}]",
                str_at(&body, &["button", "text"]).unwrap_or_default(),
                str_at(&body, &["button", "payload"]).unwrap_or_default()
            ),
            Vec::new(),
        ),
        other => (
            format!("[unsupported WhatsApp message type {other}]"),
            Vec::new(),
        ),
    }
}

/// The fields of a referral worth keeping: WhatsApp names the ad `source_id`, Messenger
/// `ad_id`; both are what a marketer joins the conversation to the campaign by.
const REFERRAL_KEYS: [&str; 9] = [
    "source_type",
    "source",
    "type",
    "source_id",
    "ad_id",
    "ref",
    "source_url",
    "headline",
    "ctwa_clid",
];

/// Ad or post context that brought the customer here: a line of text for the agent, and the
/// same fields as an object for the contact's `referral` attribute.
fn referral(referral: Option<&Value>) -> Option<(String, serde_json::Map<String, Value>)> {
    let referral = referral?;
    let fields: serde_json::Map<String, Value> = REFERRAL_KEYS
        .iter()
        .filter_map(|key| {
            // Messenger sends ids as strings, but a number must not be lost either.
            let value = match referral.get(*key)? {
                Value::String(text) if !text.is_empty() => text.clone(),
                Value::Number(number) => number.to_string(),
                _ => return None,
            };
            Some(((*key).to_owned(), Value::String(value)))
        })
        .collect();
    if fields.is_empty() {
        return None;
    }
    let parts: Vec<String> = fields
        .iter()
        .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
        .collect();
    Some((format!("[referral {}]", parts.join(" ")), fields))
}

/// Adds a referral to a message: a note under its text and the contact's `referral` attribute.
fn add_referral(inbound: &mut InboundMessage, found: Option<&Value>) {
    if let Some((note, fields)) = referral(found) {
        inbound.text = format!("{}\n{note}", inbound.text).trim().to_owned();
        inbound
            .contact_attributes
            .insert("referral".into(), Value::Object(fields));
    }
}

fn wa_state(status: &str) -> Option<DeliveryState> {
    match status {
        "sent" => Some(DeliveryState::Sent),
        "delivered" => Some(DeliveryState::Delivered),
        "read" => Some(DeliveryState::Read),
        "failed" => Some(DeliveryState::Failed),
        _ => None,
    }
}

/// Events of a WhatsApp change value for channel `channel`.
fn whatsapp(channel: &str, value: &WhatsAppValue, events: &mut Vec<InboundEvent>) {
    for message in &value.messages {
        let body = Value::Object(message.rest.clone());
        let name = value
            .contacts
            .iter()
            .find(|c| c.wa_id == message.from)
            .and_then(|c| c.profile.as_ref())
            .and_then(|p| p.name.clone());
        // WhatsApp ids are phone numbers: the contact also gets a phone identity, which joins
        // them to the same person on other channels.
        let mut sender =
            Sender::new("whatsapp", message.from.clone()).with_phone(format!("+{}", message.from));
        if let Some(name) = name {
            sender = sender.with_name(name);
        }
        let at = seconds(message.timestamp.as_deref());
        if message.kind == "reaction" {
            // A reaction is not a message: it goes onto the message it reacts to. An empty
            // or missing emoji takes the sender's reaction back.
            let Some(target) = str_at(&body, &["reaction", "message_id"]) else {
                continue;
            };
            let emoji = str_at(&body, &["reaction", "emoji"]).map(str::to_owned);
            let mut reaction = Reaction::new(channel, target, sender, emoji);
            reaction.external_id = Some(message.id.clone());
            reaction.at = at;
            events.push(InboundEvent::Reaction(reaction));
            continue;
        }
        // A survey answer (a row picked from our list) is no message: the core files it.
        if let Some(payload) = crate::survey::whatsapp_payload(&message.kind, &body) {
            let answer = crate::survey::answer(channel, &message.id, sender, payload, at);
            events.push(InboundEvent::CsatAnswer(answer));
            continue;
        }
        let (text, attachments) = wa_content(message);
        let mut inbound = InboundMessage::text(channel, message.id.clone(), sender, text)
            .with_attachments(attachments)
            .replying_to(str_at(&body, &["context", "id"]).map(str::to_owned));
        add_referral(&mut inbound, body.get("referral"));
        inbound.sent_at = at;
        events.push(InboundEvent::Message(inbound));
    }
    for status in &value.statuses {
        let Some(state) = wa_state(&status.status) else {
            continue;
        };
        let mut update = DeliveryUpdate::new(channel, status.id.clone(), state);
        update.at = seconds(status.timestamp.as_deref());
        update.error = status.errors.first().map(|e| {
            format!(
                "{} ({})",
                e.message
                    .clone()
                    .or_else(|| e.title.clone())
                    .unwrap_or_else(|| "failed".into()),
                e.code.map(|c| c.to_string()).unwrap_or_default()
            )
        });
        events.push(InboundEvent::Delivery(update));
    }
}

/// Events of one Messenger/Instagram `messaging` item; `scope` is the sender id namespace
/// (page-scoped ids differ per page).
fn messaging(channel: &str, scope: &str, item: &Messaging, events: &mut Vec<InboundEvent>) {
    if let Some(delivery) = &item.delivery {
        for mid in &delivery.mids {
            events.push(InboundEvent::Delivery(DeliveryUpdate::new(
                channel,
                mid.clone(),
                DeliveryState::Delivered,
            )));
        }
    }
    let sender = || Sender::new(scope, item.sender.id.clone());
    let sent_at = millis(item.timestamp);
    if let Some(read) = &item.read {
        let receipt = match (&read.mid, millis(read.watermark)) {
            (_, Some(up_to)) => Some(ReadReceipt::up_to(channel, sender(), up_to)),
            (Some(mid), None) => Some(ReadReceipt::through(channel, sender(), mid.clone())),
            (None, None) => None,
        };
        events.extend(receipt.map(InboundEvent::Read));
    }
    if let Some(message) = &item.message {
        if message.get("is_echo").and_then(Value::as_bool) == Some(true) {
            return; // our own outbound message echoed back
        }
        let Some(mid) = message.get("mid").and_then(Value::as_str) else {
            return;
        };
        // A tapped survey quick reply also carries its title as `text` ("5"): it is an answer,
        // not a message.
        if let Some(payload) = crate::survey::quick_reply_payload(message) {
            let answer = crate::survey::answer(channel, mid, sender(), payload, sent_at);
            events.push(InboundEvent::CsatAnswer(answer));
            return;
        }
        let mut text = message
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(payload) = str_at(message, &["quick_reply", "payload"]) {
            text = format!("{text} [choice {payload}]");
        }
        // An Instagram story reply points at the story, not at a message: the agent gets the
        // story's link as an attachment (the CDN link expires, the story id does not).
        let story = message
            .get("reply_to")
            .and_then(|r| r.get("story"))
            .and_then(|story| {
                let url = story.get("url").and_then(Value::as_str)?;
                let mut attachment = Attachment::at(url);
                attachment.name = Some(match story.get("id").and_then(Value::as_str) {
                    Some(id) => format!("story {id}"),
                    None => "story".to_owned(),
                });
                Some(attachment)
            });
        let attachments: Vec<Attachment> = message
            .get("attachments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|a| {
                let kind = a.get("type").and_then(Value::as_str).unwrap_or("file");
                if kind == "location" {
                    let lat = str_at_f64(a, &["payload", "coordinates", "lat"]);
                    let lon = str_at_f64(a, &["payload", "coordinates", "long"]);
                    text = format!("{text}[location: {lat:.6}, {lon:.6}]");
                }
                let mut attachment =
                    Attachment::at(str_at(a, &["payload", "url"]).unwrap_or_default());
                if attachment.url.as_deref() == Some("") {
                    attachment.url = None;
                }
                attachment.name = Some(kind.to_owned());
                attachment
            })
            .filter(|a| a.url.is_some())
            .collect();
        let replied_story = story.is_some();
        let mut attachments = attachments;
        attachments.extend(story);
        if replied_story {
            text = format!("[reply to story] {text}").trim().to_owned();
        }
        if text.is_empty() && !attachments.is_empty() {
            text = format!(
                "[{}]",
                attachments
                    .iter()
                    .filter_map(|a| a.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let mut inbound = InboundMessage::text(channel, mid, sender(), text)
            .with_attachments(attachments)
            .replying_to(str_at(message, &["reply_to", "mid"]).map(str::to_owned));
        add_referral(
            &mut inbound,
            message.get("referral").or(item.referral.as_ref()),
        );
        inbound.sent_at = sent_at;
        events.push(InboundEvent::Message(inbound));
    } else if let Some(postback) = &item.postback {
        let title = postback
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let payload = postback
            .get("payload")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let id = postback
            .get("mid")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                format!(
                    "postback:{}:{}",
                    item.sender.id,
                    item.timestamp.unwrap_or_default()
                )
            });
        let mut inbound =
            InboundMessage::text(channel, id, sender(), format!("{title} [button {payload}]"));
        add_referral(&mut inbound, postback.get("referral"));
        inbound.sent_at = sent_at;
        events.push(InboundEvent::Message(inbound));
    } else if let Some(reaction) = &item.reaction {
        // Messenger and Instagram: `action` is `react` or `unreact`; the reaction has no id of
        // its own, so the sender's latest one (by timestamp) wins.
        let Some(target) = reaction.get("mid").and_then(Value::as_str) else {
            return;
        };
        let emoji = match reaction.get("action").and_then(Value::as_str) {
            Some("unreact") => None,
            _ => reaction
                .get("emoji")
                .and_then(Value::as_str)
                .or_else(|| reaction.get("reaction").and_then(Value::as_str))
                .map(str::to_owned),
        };
        let mut reaction = Reaction::new(channel, target, sender(), emoji);
        reaction.at = sent_at;
        events.push(InboundEvent::Reaction(reaction));
    } else if item.referral.is_some() && item.read.is_none() && item.delivery.is_none() {
        // A click on an ad or m.me link without a message yet: keep the context.
        let id = format!(
            "referral:{}:{}",
            item.sender.id,
            item.timestamp.unwrap_or_default()
        );
        let mut inbound = InboundMessage::text(channel, id, sender(), "");
        add_referral(&mut inbound, item.referral.as_ref());
        if inbound.text.is_empty() {
            return;
        }
        inbound.sent_at = sent_at;
        events.push(InboundEvent::Message(inbound));
    }
}

fn str_at_f64(value: &Value, path: &[&str]) -> f64 {
    let mut current = value;
    for key in path {
        match current.get(key) {
            Some(next) => current = next,
            None => return 0.0,
        }
    }
    current.as_f64().unwrap_or_default()
}

/// Every event of a payload, entry by entry, in order.
pub fn events(channel: &str, scope: &str, payload: &Payload) -> Vec<InboundEvent> {
    let mut events = Vec::new();
    for entry in &payload.entry {
        for change in &entry.changes {
            if change.field == "messages" {
                whatsapp(channel, &change.value, &mut events);
            }
        }
        for item in &entry.messaging {
            messaging(channel, scope, item, &mut events);
        }
    }
    events
}

#[cfg(test)]
#[path = "inbound_tests.rs"]
mod tests;
