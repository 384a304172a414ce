use serde_json::{Value, json};
use utoipa::OpenApi;

use super::*;

/// The route of the event stream, whose schema names `Event`.
const STREAM_PATH: &str = "/api/v1/events";
use crate::http::api::ApiDoc;
use crate::http::api::document::document;

fn schemas() -> &'static Value {
    &document()["components"]["schemas"]
}

/// The schema a `$ref` names.
fn resolved(reference: &Value) -> &'static Value {
    let name = reference["$ref"]
        .as_str()
        .and_then(|text| text.strip_prefix("#/components/schemas/"))
        .unwrap_or_else(|| panic!("a reference: {reference}"));
    schemas()
        .get(name)
        .unwrap_or_else(|| panic!("{name} is not defined"))
}

#[test]
fn every_kind_has_a_data_an_event_and_a_payload_schema_and_a_webhook() {
    let union = &schemas()[UNION];
    let variants = union["oneOf"].as_array().expect("Event is a oneOf");
    assert_eq!(variants.len(), EventKind::ALL.len());
    assert_eq!(union["discriminator"]["propertyName"], "kind");
    for &kind in EventKind::ALL {
        let name = kind.as_str();
        let prefix = pascal_case(name);
        let event = &schemas()[format!("{prefix}Event")];
        assert_eq!(event["properties"]["kind"]["enum"], json!([name]), "{name}");
        assert_eq!(
            event["properties"]["data"]["$ref"],
            format!("#/components/schemas/{prefix}Data"),
            "{name}"
        );
        let data = resolved(&event["properties"]["data"]);
        assert_eq!(data["type"], "object", "{name}: {data}");
        assert!(data["description"].is_string(), "{name}: {data}");
        for (key, property) in data["properties"].as_object().into_iter().flatten() {
            assert!(
                property.get("description").is_some(),
                "{name}: key {key} has no description"
            );
        }
        let mapped = &union["discriminator"]["mapping"][name];
        assert_eq!(
            *mapped,
            json!(format!("#/components/schemas/{prefix}Event"))
        );
        assert!(variants.contains(&json!({"$ref": mapped})), "{name}");

        let payload = &schemas()[format!("{prefix}Payload")];
        assert!(payload["properties"]["delivery_id"].is_object(), "{name}");
        assert_eq!(payload["properties"]["kind"], event["properties"]["kind"]);
        assert_eq!(payload["properties"]["data"], event["properties"]["data"]);

        let webhook = &document()["webhooks"][name]["post"];
        assert_eq!(
            webhook["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            format!("#/components/schemas/{prefix}Payload"),
            "{name}"
        );
    }
}

#[test]
fn events_list_every_envelope_field_as_required() {
    let view = &schemas()[ENVELOPE]["properties"];
    for &kind in EventKind::ALL {
        let event = &schemas()[format!("{}Event", pascal_case(kind.as_str()))];
        let mut required: Vec<&str> = event["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        required.sort_unstable();
        let mut fields: Vec<&str> = view
            .as_object()
            .expect("EventView")
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(required, fields, "{kind}");
    }
    let created = &schemas()["ConversationCreatedEvent"]["properties"];
    assert_eq!(
        created["conversation_id"],
        json!({"$ref": "#/components/schemas/ConversationId"})
    );
    assert_eq!(created["agent_id"]["type"], "null");
    let message = &schemas()["MessageCreatedEvent"]["properties"];
    assert_eq!(message["agent_id"], view["agent_id"], "sometimes an agent");
}

#[test]
fn webhooks_carry_the_signature_headers_and_the_retry_rules() {
    for &kind in EventKind::ALL {
        let operation = &document()["webhooks"][kind.as_str()]["post"];
        let parameters = operation["parameters"].as_array().expect("parameters");
        let names: Vec<&str> = parameters
            .iter()
            .map(|parameter| {
                assert_eq!(parameter["in"], "header");
                assert_eq!(parameter["required"], true);
                assert!(parameter["description"].is_string());
                parameter["name"].as_str().expect("name")
            })
            .collect();
        assert_eq!(
            names,
            [
                "X-Switchboard-Event",
                "X-Switchboard-Delivery",
                "X-Switchboard-Timestamp",
                "X-Switchboard-Signature"
            ]
        );
        assert_eq!(parameters[0]["schema"]["enum"], json!([kind.as_str()]));
        let responses = operation["responses"].as_object().expect("responses");
        let statuses: Vec<&str> = responses.keys().map(String::as_str).collect();
        for status in ["2XX", "408", "429", "5XX", "default"] {
            assert!(statuses.contains(&status), "{kind}: {status}");
        }
    }
}

#[test]
fn the_stream_points_at_the_event_union() {
    let schema = &document()["paths"][STREAM_PATH]["get"]["responses"]["200"]["content"]["text/event-stream"]
        ["schema"];
    assert_eq!(
        schema["oneOf"][0]["properties"]["data"]["contentSchema"],
        json!({"$ref": "#/components/schemas/Event"})
    );
}

/// Every `$ref` anywhere in `value`.
fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference);
            }
            map.values().for_each(|child| references(child, found));
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[test]
fn every_reference_of_the_events_and_webhooks_resolves() {
    let mut found = Vec::new();
    references(&document()["webhooks"], &mut found);
    for (name, schema) in schemas().as_object().expect("schemas") {
        if name == UNION || name.ends_with("Event") || name.ends_with("Data") {
            references(schema, &mut found);
        }
    }
    assert!(found.len() > 3 * EventKind::ALL.len(), "{}", found.len());
    for reference in found {
        resolved(&json!({"$ref": reference}));
    }
}

/// A schema the event documentation brings along under a name the handlers already use must
/// be that same schema, not a different type that happens to share the name.
#[test]
fn added_schemas_do_not_collide_with_existing_ones() {
    let handlers = serde_json::to_value(ApiDoc::openapi()).expect("document");
    let existing = &handlers["components"]["schemas"];
    let mut collected = Vec::new();
    for &kind in EventKind::ALL {
        data::data_schema(kind, &mut collected);
    }
    for (name, schema) in collected {
        let ours = serde_json::to_value(schema).expect("schema");
        match existing.get(&name) {
            Some(theirs) => assert_eq!(*theirs, ours, "{name} means two things"),
            None => assert!(schemas()[&name].is_object(), "{name} is added"),
        }
    }
    for &kind in EventKind::ALL {
        let prefix = pascal_case(kind.as_str());
        for suffix in ["Data", "Event", "Payload"] {
            let name = format!("{prefix}{suffix}");
            assert!(existing.get(&name).is_none(), "{name} is taken");
        }
    }
    assert!(existing.get(UNION).is_none());
}
