//! The OpenAPI document as served. utoipa writes it from the handlers' annotations; this module
//! completes it with what holds for every operation alike, so no annotation can forget it:
//!
//! - every error response an operation can give, each with the one error body
//!   `{"error": {"code", "message"}}` (401 and 503 on every authenticated route, 403 where the
//!   route allows fewer than all roles, 400 where there is anything to parse, 404 where the
//!   path names something, 413 and 422 where there is a body);
//! - `allOf` compositions made by `#[serde(flatten)]` merged into one object schema, because a
//!   part that forbids other properties (`deny_unknown_fields`) would otherwise forbid the
//!   properties of its siblings and no value could ever match;
//! - a `servers` entry, and the event payloads (see [`super::event_payloads`]).
//!
//! The document is built once: it depends on nothing but the code.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use super::ApiDoc;
use crate::domain::Role;

/// The finished document.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> Value {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|err| {
        // The document is made of our own types; failing to encode it is a programming error
        // that every test would show.
        json!({"openapi": "3.1.0", "info": {"title": "Switchboard API", "description": err.to_string(), "version": "0"}, "paths": {}})
    });
    document["servers"] = json!([{
        "url": "/",
        "description": "the server this document was fetched from"
    }]);
    merge_all_of_objects(&mut document);
    close_tagged_unions(&mut document);
    name_union_variants(&mut document);
    require_exactly_one(&mut document);
    require_non_blank(&mut document);
    parameters_are_never_null(&mut document);
    super::event_payloads::document_events(&mut document);
    describe_event_stream(&mut document);
    add_error_responses(&mut document);
    document
}

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// Every operation of the document, mutably.
fn operations(document: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    document["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| {
            item.iter_mut()
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .filter_map(|(_, operation)| operation.as_object_mut())
        })
}

/// What an error status means, as the response's description.
fn error_description(status: &str) -> &'static str {
    match status {
        "400" => {
            "The request cannot be read: malformed JSON or a body that is not an object, a field of the wrong type, a bad query or path parameter."
        }
        "401" => "No valid credential: a missing, unknown, expired or revoked token.",
        "403" => "The caller's role may not do this.",
        "404" => "What the path names does not exist.",
        "409" => {
            "Conflicts with the current state: a name or address already taken, or a change the object's state does not allow."
        }
        "413" => {
            "The body is larger than `server.max_body_bytes` (for `/hooks/{channel}`: the channel's own `max_body_bytes`, 50 MiB for email)."
        }
        "422" => {
            "Well-formed, but breaks a rule: an empty name, a reference to something that does not exist, a value out of range."
        }
        "429" => "A rate limit; retry after `Retry-After` seconds.",
        "502" => "A channel or remote server failed; the request itself was fine.",
        "503" => {
            "The database is unavailable for now and nothing was written; retry after `Retry-After` seconds."
        }
        _ => "An error.",
    }
}

fn error_response(status: &str) -> Value {
    let mut response = json!({
        "description": error_description(status),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    });
    if matches!(status, "429" | "503") {
        response["headers"] = json!({"Retry-After": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 0}
        }});
    }
    response
}

/// The error responses each operation can give, derived from its shape, plus a body schema
/// for the ones its annotation lists.
fn add_error_responses(document: &mut Value) {
    let all_roles = Role::ALL.len();
    for operation in operations(document) {
        let secured = operation
            .get("security")
            .and_then(Value::as_array)
            .and_then(|requirements| requirements.first())
            .and_then(|requirement| requirement.get("bearer"))
            .and_then(Value::as_array)
            .map(|scopes| scopes.len());
        let parameters: Vec<String> = operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|parameter| parameter.get("in").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        let has_body = operation.contains_key("requestBody");
        let mut statuses: Vec<&str> = Vec::new();
        if let Some(scopes) = secured {
            statuses.extend(["401", "503"]);
            if scopes < all_roles {
                statuses.push("403");
            }
        }
        if has_body || !parameters.is_empty() {
            statuses.push("400");
        }
        if parameters.iter().any(|place| place == "path") {
            statuses.push("404");
        }
        if has_body {
            statuses.extend(["413", "422"]);
        }
        let responses = operation
            .entry("responses")
            .or_insert_with(|| json!({}))
            .as_object_mut();
        let Some(responses) = responses else { continue };
        for status in statuses {
            responses
                .entry(status)
                .or_insert_with(|| error_response(status));
        }
        for (status, response) in responses.iter_mut() {
            let is_error = status.starts_with('4') || status.starts_with('5');
            if is_error && response.get("content").is_none() {
                *response = error_response(status);
            }
        }
    }
}

/// Tagged enums read with `deny_unknown_fields`: each variant takes its own keys and no
/// other (a rule's `when` and actions are one-key objects; a segment filter has its `op` and
/// that variant's fields). utoipa does not carry the attribute over to the variants.
const CLOSED_UNIONS: [&str; 3] = ["Action", "Condition", "Filter"];

fn close_tagged_unions(document: &mut Value) {
    for name in CLOSED_UNIONS {
        let variants = document["components"]["schemas"][name]["oneOf"].as_array_mut();
        for variant in variants.into_iter().flatten() {
            if variant.get("type") == Some(&json!("object")) {
                variant["additionalProperties"] = json!(false);
            }
        }
    }
}

/// Text the rule checker refuses when blank, in variants of the `Action` union whose one
/// field is a plain string (utoipa takes no attributes there).
const NON_BLANK: [(&str, &str); 3] = [
    ("ActionAddLabel", "add_label"),
    ("ActionRemoveLabel", "remove_label"),
    ("ActionWebhook", "webhook"),
];

fn require_non_blank(document: &mut Value) {
    for (schema, property) in NON_BLANK {
        let field = &mut document["components"]["schemas"][schema]["properties"][property];
        if field.is_object() {
            field["pattern"] = json!(r"\S");
        }
    }
}

/// Bodies that take exactly one of two fields (each optional on its own), which utoipa has no
/// attribute for: a campaign's audience and a canned response's content.
const EXACTLY_ONE_OF: [(&str, [&str; 2]); 2] = [
    ("CreateCampaignRequest", ["segment_id", "filter"]),
    ("CannedResponseRequest", ["template", "body"]),
];

fn require_exactly_one(document: &mut Value) {
    for (schema, fields) in EXACTLY_ONE_OF {
        let alternatives: Vec<Value> = fields
            .iter()
            .map(|field| {
                json!({
                    "required": [field],
                    "properties": {*field: {"not": {"type": "null"}}}
                })
            })
            .collect();
        if let Some(schema) = document["components"]["schemas"].get_mut(schema) {
            schema["oneOf"] = Value::Array(alternatives);
        }
    }
}

/// A query, path or header parameter is absent or has a value; it cannot be `null`, though
/// utoipa writes `Option<T>` parameters as nullable (which makes clients send `null`).
fn parameters_are_never_null(document: &mut Value) {
    for operation in operations(document) {
        let parameters = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut);
        for parameter in parameters.into_iter().flatten() {
            let Some(schema) = parameter.get_mut("schema") else {
                continue;
            };
            if let Some(Value::Array(types)) = schema.get_mut("type") {
                types.retain(|kind| kind != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    schema["type"] = only;
                }
            }
            let variants = schema.get("oneOf").and_then(Value::as_array).cloned();
            if let Some(variants) = variants {
                let mut kept: Vec<Value> = variants
                    .into_iter()
                    .filter(|variant| variant.get("type") != Some(&json!("null")))
                    .collect();
                if kept.len() == 1 {
                    *schema = kept.remove(0);
                } else {
                    schema["oneOf"] = Value::Array(kept);
                }
            }
        }
    }
}

/// The event stream's schema describes each server-sent event as a whole (`id`, `event`,
/// `data` as JSON text with its `contentSchema`), as OpenAPI 3.2 and JSON Schema's content
/// keywords do, so that a reader can check the events: a logged event carries its id and
/// kind, a presence update (`event: presence`) neither an id nor a place in the log.
fn describe_event_stream(document: &mut Value) {
    let logged = if document["components"]["schemas"].get("Event").is_some() {
        "Event"
    } else {
        "EventView"
    };
    let schema = json!({
        "oneOf": [
            {
                "type": "object",
                "description": "A logged event: `id` is its id (resume with `Last-Event-ID`), `event` its kind.",
                "properties": {
                    "id": {"type": "string", "pattern": "^[0-9]+$"},
                    "event": {"type": "string", "not": {"const": "presence"}},
                    "data": {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "contentSchema": {"$ref": format!("#/components/schemas/{logged}")}
                    }
                },
                "required": ["id", "event", "data"]
            },
            {
                "type": "object",
                "description": "Who is viewing or typing in a conversation (not logged, no id).",
                "properties": {
                    "event": {"const": "presence"},
                    "data": {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "contentSchema": {"$ref": "#/components/schemas/PresenceView"}
                    }
                },
                "required": ["event", "data"]
            }
        ]
    });
    let content = &mut document["paths"]["/api/v1/events"]["get"]["responses"]["200"]["content"]["text/event-stream"];
    if content.is_object() {
        content["schema"] = schema;
    }
}

/// Gives every object variant of a named union (`oneOf`) a schema of its own, referenced from
/// the union: `Filter` becomes a `oneOf` of `FilterAll`, `FilterTag`, … Client generators
/// make one type per named schema; some cannot parse inline variants of a recursive union at
/// all, and others invent clashing names for them.
fn name_union_variants(document: &mut Value) {
    let Some(schemas) = document["components"]["schemas"].as_object_mut() else {
        return;
    };
    let mut hoisted = Vec::new();
    for (union, schema) in schemas.iter_mut() {
        let variants = schema.get_mut("oneOf").and_then(Value::as_array_mut);
        for (index, variant) in variants.into_iter().flatten().enumerate() {
            let is_inline_object = variant.get("type") == Some(&json!("object"))
                && variant.get("properties").is_some();
            if !is_inline_object {
                continue;
            }
            let name = format!("{union}{}", pascal_case(&variant_tag(variant, index)));
            let reference = json!({"$ref": format!("#/components/schemas/{name}")});
            hoisted.push((name, std::mem::replace(variant, reference)));
        }
    }
    for (name, schema) in hoisted {
        schemas.insert(name, schema);
    }
}

/// What tells a variant apart: the one value of its tag property (`op: "all"`), else its one
/// required property (`{"add_label": …}`), else its place in the union.
fn variant_tag(variant: &Value, index: usize) -> String {
    let properties = variant["properties"].as_object();
    let tag_value = properties.into_iter().flatten().find_map(|(_, property)| {
        match property.get("enum").and_then(Value::as_array) {
            Some(values) if values.len() == 1 => values[0].as_str().map(str::to_owned),
            _ => None,
        }
    });
    if let Some(tag) = tag_value {
        return tag;
    }
    match variant["required"].as_array().map(Vec::as_slice) {
        Some([only]) => only.as_str().unwrap_or("variant").to_owned(),
        _ => format!("variant{}", index + 1),
    }
}

/// `add_label` → `AddLabel`, `message.created` → `MessageCreated`.
pub(super) fn pascal_case(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// Replaces each `allOf` whose parts are all object schemas (inline or by reference) by one
/// object schema with the parts' properties and required names. It is closed
/// (`additionalProperties: false`) when any part was.
fn merge_all_of_objects(document: &mut Value) {
    let schemas = document["components"]["schemas"].clone();
    merge_in(document, &schemas);
}

fn merge_in(value: &mut Value, schemas: &Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                merge_in(child, schemas);
            }
            if let Some(merged) = merged_object(map, schemas) {
                *map = merged;
            }
        }
        Value::Array(items) => {
            for item in items {
                merge_in(item, schemas);
            }
        }
        _ => {}
    }
}

/// The object schema an `allOf` of objects stands for, if `map` is such an `allOf`.
fn merged_object(map: &Map<String, Value>, schemas: &Value) -> Option<Map<String, Value>> {
    let parts = map.get("allOf")?.as_array()?;
    if parts.len() < 2 {
        return None;
    }
    let resolved: Vec<Map<String, Value>> = parts
        .iter()
        .map(|part| resolve_object(part, schemas, 0))
        .collect::<Option<_>>()?;
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut closed = false;
    for part in resolved {
        if let Some(Value::Object(own)) = part.get("properties") {
            properties.extend(own.clone());
        }
        for name in part
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
        closed |= part.get("additionalProperties") == Some(&Value::Bool(false));
    }
    let mut merged = map.clone();
    merged.remove("allOf");
    merged.insert("type".into(), json!("object"));
    merged.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        merged.insert("required".into(), Value::Array(required));
    }
    if closed {
        merged.insert("additionalProperties".into(), json!(false));
    }
    Some(merged)
}

/// `part` as an object schema with properties, following `$ref`s (and nested `allOf`s) into
/// the components; `None` when it is anything else, so the `allOf` is left as it is.
fn resolve_object(part: &Value, schemas: &Value, depth: usize) -> Option<Map<String, Value>> {
    if depth > 8 {
        return None;
    }
    let map = part.as_object()?;
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/components/schemas/")?;
        return resolve_object(schemas.get(name)?, schemas, depth + 1);
    }
    if map.contains_key("allOf") {
        let mut nested = map.clone();
        if let Some(Value::Array(parts)) = nested.get_mut("allOf") {
            for part in parts.iter_mut() {
                *part = Value::Object(resolve_object(part, schemas, depth + 1)?);
            }
        }
        return merged_object(&nested, schemas);
    }
    let is_object = map.get("type") == Some(&json!("object")) || map.contains_key("properties");
    is_object.then(|| map.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_parts_merge_into_one_closed_object() {
        let schemas = json!({"Spec": {
            "type": "object", "additionalProperties": false,
            "properties": {"name": {"type": "string"}}, "required": ["name"]
        }});
        let mut value = json!({"allOf": [
            {"$ref": "#/components/schemas/Spec"},
            {"type": "object", "properties": {"position": {"type": "integer"}}}
        ], "description": "a rule"});
        merge_in(&mut value, &schemas);
        assert_eq!(
            value,
            json!({
                "type": "object", "description": "a rule", "additionalProperties": false,
                "properties": {"name": {"type": "string"}, "position": {"type": "integer"}},
                "required": ["name"]
            })
        );
    }

    #[test]
    fn an_all_of_with_a_non_object_part_is_left_alone() {
        let schemas = json!({"Kind": {"type": "string", "enum": ["a"]}});
        let original = json!({"allOf": [
            {"$ref": "#/components/schemas/Kind"},
            {"type": "object", "properties": {"x": {"type": "integer"}}}
        ]});
        let mut value = original.clone();
        merge_in(&mut value, &schemas);
        assert_eq!(value, original);
    }

    /// The schema a `$ref` names.
    fn resolved<'a>(schemas: &'a Value, reference: &Value) -> &'a Value {
        let name = reference["$ref"]
            .as_str()
            .and_then(|text| text.strip_prefix("#/components/schemas/"))
            .unwrap_or_else(|| panic!("a reference: {reference}"));
        &schemas[name]
    }

    #[test]
    fn tagged_unions_are_closed_and_their_variants_named() {
        let schemas = &document()["components"]["schemas"];
        for name in CLOSED_UNIONS {
            let variants = schemas[name]["oneOf"].as_array().expect(name);
            for variant in variants {
                let variant = resolved(schemas, variant);
                assert_eq!(variant["additionalProperties"], json!(false), "{name}");
            }
        }
        assert_eq!(
            schemas["FilterAll"]["properties"]["op"]["enum"],
            json!(["all"])
        );
        assert!(schemas["ActionAddLabel"]["properties"]["add_label"].is_object());
        assert!(schemas["ReplySpecTemplate"]["properties"]["values"].is_object());
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
    fn every_reference_resolves() {
        let document = document();
        let mut found = Vec::new();
        references(document, &mut found);
        assert!(found.len() > 100, "{}", found.len());
        for reference in found {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{reference} points into the components"));
            assert!(
                document["components"]["schemas"].get(name).is_some(),
                "{reference} is not defined"
            );
        }
    }

    #[test]
    fn listed_fields_exist_where_the_lists_name_them() {
        let schemas = &document()["components"]["schemas"];
        for (schema, property) in NON_BLANK {
            assert_eq!(schemas[schema]["properties"][property]["pattern"], r"\S");
        }
        for (schema, fields) in EXACTLY_ONE_OF {
            for field in fields {
                assert!(
                    schemas[schema]["properties"].get(field).is_some(),
                    "{schema}.{field}"
                );
            }
        }
    }

    #[test]
    fn words_become_pascal_case() {
        assert_eq!(pascal_case("add_label"), "AddLabel");
        assert_eq!(pascal_case("message.created"), "MessageCreated");
        assert_eq!(pascal_case("all"), "All");
    }

    #[test]
    fn every_error_response_has_the_error_body() {
        let document = document();
        let mut checked = 0;
        for item in document["paths"].as_object().expect("paths").values() {
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let responses = operation["responses"].as_object().expect("responses");
                // Routes whose path carries their own authority (a survey's signed token)
                // take no credential, so they cannot answer 401.
                let open = operation["security"] == json!([{}]);
                assert!(open || responses.contains_key("401"), "{operation}");
                for (status, response) in responses {
                    if status.starts_with('4') || status.starts_with('5') {
                        assert_eq!(
                            response["content"]["application/json"]["schema"]["$ref"],
                            "#/components/schemas/ErrorBody",
                            "{status}: {operation}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 200, "{checked} error responses");
    }
}
