//! The events of the stream (`GET /api/v1/events`) and of event webhooks, documented in the
//! OpenAPI document: per kind a `<Kind>Data` schema (what `data` holds, see [`data`]), a
//! `<Kind>Event` schema (the event as the stream sends it) and a `<Kind>Payload` schema (as a
//! webhook delivery posts it), the `Event` union of all kinds (which the stream's schema, see
//! `document::describe_event_stream`, names for each logged event) and the top-level
//! `webhooks` (see [`webhooks`]). Only describes; changes no route.

mod data;
#[cfg(test)]
mod tests;
mod webhooks;

use serde_json::{Map, Value, json};

use super::document::pascal_case;
use crate::domain::{EventKind, WebhookDeliveryId};

/// The envelope schema utoipa writes from `EventView`; every `<Kind>Event` starts from it.
const ENVELOPE: &str = "EventView";
/// The union of all kinds.
const UNION: &str = "Event";

/// Adds the event schemas, the stream's item schema and the `webhooks` to `document`.
pub fn document_events(document: &mut Value) {
    let mut collected = Vec::new();
    let kinds: Vec<Kind> = EventKind::ALL
        .iter()
        .map(|&kind| Kind {
            kind,
            data: data::data_schema(kind, &mut collected),
            prefix: pascal_case(kind.as_str()),
        })
        .collect();
    let delivery_id = data::collect::<WebhookDeliveryId>(&mut collected);
    let Some(schemas) = document["components"]["schemas"].as_object_mut() else {
        return;
    };
    for (name, schema) in collected {
        // Shared types (ids, statuses) are in the document already, written by the same code.
        if !schemas.contains_key(&name) {
            // Our own derived schemas always encode; the unit tests would show a `null`.
            let mut schema = serde_json::to_value(schema).unwrap_or(Value::Null);
            lift_descriptions(&mut schema);
            schemas.insert(name, schema);
        }
    }
    let Some(view) = schemas.get(ENVELOPE).cloned() else {
        return;
    };
    for kind in &kinds {
        let event = envelope(&view, kind);
        schemas.insert(kind.payload(), payload(&event, kind, &delivery_id));
        schemas.insert(kind.event(), event);
    }
    schemas.insert(UNION.into(), union(&kinds));
    document["webhooks"] = webhooks::webhooks(&kinds);
}

/// One event kind and the names of its schemas.
struct Kind {
    kind: EventKind,
    /// The name of its `data` schema.
    data: String,
    /// `MessageCreated` for `message.created`.
    prefix: String,
}

impl Kind {
    fn event(&self) -> String {
        format!("{}Event", self.prefix)
    }

    fn payload(&self) -> String {
        format!("{}Payload", self.prefix)
    }
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// Puts each property's description on the property itself. utoipa writes the doc comment of
/// a nullable reference into the referencing branch of its `oneOf`, and wraps an inlined enum
/// in a `oneOf` of one, where readers and generators do not look.
fn lift_descriptions(schema: &mut Value) {
    let properties = schema.get_mut("properties").and_then(Value::as_object_mut);
    for property in properties.into_iter().flat_map(|map| map.values_mut()) {
        let Some(property) = property.as_object_mut() else {
            continue;
        };
        let Some(Value::Array(branches)) = property.get_mut("oneOf") else {
            continue;
        };
        let lifted = branches
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .find_map(|branch| branch.remove("description"));
        if let [Value::Object(only)] = branches.as_slice() {
            let only = only.clone();
            property.remove("oneOf");
            property.extend(only);
        }
        if let Some(description) = lifted {
            property.entry("description").or_insert(description);
        }
    }
}

/// Whether an event of some kind carries an id in an envelope field.
#[derive(Clone, Copy)]
enum Carries {
    Always,
    Sometimes,
    Never,
}

/// The envelope's id fields for `kind` (`conversation_id`, `contact_id`, `message_id`,
/// `agent_id`), as the producers fill them.
fn carried_ids(kind: EventKind) -> [Carries; 4] {
    use Carries::{Always, Never, Sometimes};
    match kind {
        // Replies and inbound messages name the contact, notes and activity lines do not;
        // the agent is the author of a reply or note.
        EventKind::MessageCreated => [Always, Sometimes, Always, Sometimes],
        EventKind::MessageUpdated => [Always, Never, Always, Never],
        // The agent who redacted; none when an admin token without an agent did.
        EventKind::MessageRedacted => [Always, Never, Always, Sometimes],
        // The agent who asked; none for assist's own translations of new messages.
        EventKind::MessageTranslated => [Always, Never, Always, Sometimes],
        EventKind::ConversationCreated => [Always, Always, Never, Never],
        // The agent is who did it; none for the router, rules and inbound messages.
        EventKind::ConversationAssigned
        | EventKind::ConversationStatusChanged
        | EventKind::ConversationUpdated => [Always, Never, Never, Sometimes],
        EventKind::ConversationIdle
        | EventKind::SlaBreached
        | EventKind::AutomationWebhook
        | EventKind::RuleFailed => [Always, Never, Never, Never],
        EventKind::ContactCreated | EventKind::ContactUpdated | EventKind::ContactUnsubscribed => {
            [Never, Always, Never, Never]
        }
        EventKind::CampaignStarted | EventKind::CampaignProgress | EventKind::CampaignFinished => {
            [Never; 4]
        }
        // The agent is the admin who asked for the erasure (none for a token without one).
        EventKind::ContactErased => [Never, Always, Never, Sometimes],
        // The agent who merged or undid; none for a token without one.
        EventKind::ContactMerged | EventKind::ContactMergeUndone => {
            [Never, Always, Never, Sometimes]
        }
    }
}

const ID_FIELDS: [&str; 4] = ["conversation_id", "contact_id", "message_id", "agent_id"];

/// `<Kind>Event`: the `EventView` envelope with `kind` fixed, `data` typed and each id field
/// as this kind fills it. Every field is always present (`null` when empty).
fn envelope(view: &Value, kind: &Kind) -> Value {
    let mut properties = view["properties"].as_object().cloned().unwrap_or_default();
    properties.insert(
        "kind".into(),
        json!({"type": "string", "enum": [kind.kind.as_str()]}),
    );
    properties.insert("data".into(), reference(&kind.data));
    for (field, carries) in ID_FIELDS.into_iter().zip(carried_ids(kind.kind)) {
        let Some(schema) = properties.get_mut(field) else {
            continue;
        };
        match carries {
            Carries::Always => *schema = without_null(schema),
            Carries::Sometimes => {}
            Carries::Never => {
                *schema = json!({"type": "null", "description": "Always `null` for this kind."});
            }
        }
    }
    let required: Vec<&String> = properties.keys().collect();
    json!({
        "type": "object",
        "description": format!(
            "A `{}` event, as the event stream sends it; `data` is a `{}`.",
            kind.kind.as_str(),
            kind.data
        ),
        "required": required,
        "properties": properties,
    })
}

/// A nullable schema (`oneOf: [null, X]` or `type: [X, null]`) without its `null`.
fn without_null(schema: &Value) -> Value {
    let is_null = |branch: &&Value| branch.get("type") == Some(&json!("null"));
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        let kept: Vec<&Value> = branches.iter().filter(|b| !is_null(b)).collect();
        if let [only] = kept.as_slice() {
            return (*only).clone();
        }
    }
    let mut schema = schema.clone();
    if let Some(types) = schema.get_mut("type").and_then(Value::as_array_mut) {
        types.retain(|t| t != "null");
    }
    schema
}

/// `<Kind>Payload`: what an event webhook posts, the event plus its delivery id.
fn payload(event: &Value, kind: &Kind, delivery_id: &str) -> Value {
    let mut properties = Map::new();
    properties.insert("delivery_id".into(), reference(delivery_id));
    if let Some(own) = event["properties"].as_object() {
        properties.extend(own.clone());
    }
    let required: Vec<&String> = properties.keys().collect();
    json!({
        "type": "object",
        "description": format!(
            "The body of a `{}` event webhook delivery: the event as the stream sends it (`{}`) plus `delivery_id`, which retries and replays keep.",
            kind.kind.as_str(),
            kind.event()
        ),
        "required": required,
        "properties": properties,
    })
}

/// `Event`: any event, told apart by `kind`.
fn union(kinds: &[Kind]) -> Value {
    let variants: Vec<Value> = kinds.iter().map(|kind| reference(&kind.event())).collect();
    let mapping: Map<String, Value> = kinds
        .iter()
        .map(|kind| {
            let target = format!("#/components/schemas/{}", kind.event());
            (kind.kind.as_str().to_owned(), Value::String(target))
        })
        .collect();
    json!({
        "description": "An event of the event log, as the event stream sends it in `data:`; `kind` tells which.",
        "oneOf": variants,
        "discriminator": {"propertyName": "kind", "mapping": mapping},
    })
}
