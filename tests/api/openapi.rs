//! The OpenAPI document describes the wire: enum values as the API spells them, and each
//! operation pointing at its own request and response schemas.

use serde_json::Value;
use switchboard::domain::{
    AuthorType, Availability, CampaignState, ConversationStatus, DeliveryStatus, Direction,
    EventKind, MessageKind, Priority, Role, RoutingPolicy, WebhookDeliveryState,
};

use crate::helpers::TestApp;

/// The values a documented enum schema allows.
fn documented_values(spec: &Value, schema: &str) -> Vec<String> {
    spec["components"]["schemas"][schema]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{schema} is documented as an enum"))
        .iter()
        .map(|value| value.as_str().expect("string value").to_owned())
        .collect()
}

#[tokio::test]
async fn enums_are_documented_as_the_wire_spells_them() {
    let app = TestApp::spawn().await;
    let spec = app.get_json("/api/v1/openapi.json").await;
    let wire = |values: Vec<&'static str>| values.into_iter().map(String::from).collect::<Vec<_>>();
    let cases = [
        ("Role", wire(Role::ALL.iter().map(|v| v.as_str()).collect())),
        (
            "Availability",
            wire(Availability::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            "ConversationStatus",
            wire(ConversationStatus::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            "Priority",
            wire(Priority::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            "Direction",
            wire(Direction::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            "MessageKind",
            wire(MessageKind::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            "AuthorType",
            wire(AuthorType::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            "DeliveryStatus",
            wire(DeliveryStatus::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            "EventKind",
            wire(EventKind::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            "RoutingPolicy",
            wire(RoutingPolicy::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            "WebhookDeliveryState",
            wire(
                WebhookDeliveryState::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect(),
            ),
        ),
        (
            "CampaignState",
            wire(CampaignState::ALL.iter().map(|v| v.as_str()).collect()),
        ),
    ];
    for (schema, expected) in cases {
        if spec["components"]["schemas"].get(schema).is_none() {
            continue; // not used by any documented operation
        }
        assert_eq!(documented_values(&spec, schema), expected, "{schema}");
    }
    assert_eq!(
        documented_values(&spec, "Role"),
        ["admin", "agent", "marketer"]
    );

    // A value written as documented is accepted.
    let role = &documented_values(&spec, "Role")[0];
    let created = app
        .post_json(
            "/api/v1/tokens",
            serde_json::json!({"name": "doc", "role": role}),
        )
        .await;
    assert_eq!(created.status(), 201);
}

/// The `$ref` of an operation's JSON request body or 200 response.
fn reference<'a>(operation: &'a Value, part: &str) -> &'a str {
    let content = match part {
        "request" => &operation["requestBody"]["content"]["application/json"]["schema"],
        _ => &operation["responses"]["200"]["content"]["application/json"]["schema"],
    };
    content["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("{part} has a $ref: {operation}"))
}

#[tokio::test]
async fn previews_point_at_their_own_schemas() {
    let app = TestApp::spawn().await;
    let spec = app.get_json("/api/v1/openapi.json").await;
    let paths = &spec["paths"];
    let template = &paths["/api/v1/templates/{name}/preview"]["post"];
    let canned = &paths["/api/v1/canned-responses/{id}/preview"]["post"];
    let segment = &paths["/api/v1/segments/preview"]["post"];
    for operation in [template, canned] {
        assert!(reference(operation, "request").ends_with("/TemplatePreviewRequest"));
        assert!(reference(operation, "response").ends_with("/TemplatePreviewView"));
    }
    assert!(reference(segment, "request").ends_with("/SegmentPreviewRequest"));
    assert!(reference(segment, "response").ends_with("/SegmentPreviewView"));
    // The template preview's answer carries the rendered text, not a segment's count.
    let view = &spec["components"]["schemas"]["TemplatePreviewView"]["properties"];
    assert!(view.get("count").is_none(), "{view}");
}

/// Every integer a client puts in a path or query is documented with bounds a generator
/// respects (an `int32`/`int64` format or a `maximum`): an unbounded one let Schemathesis send
/// numbers past `u64`, which the server could only refuse as unreadable.
#[tokio::test]
async fn every_integer_parameter_is_documented_with_its_bounds() {
    let app = TestApp::spawn().await;
    let spec = app.get_json("/api/v1/openapi.json").await;
    let mut unbounded = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let schema = &parameter["schema"];
                let is_integer = schema["type"] == "integer"
                    || schema["type"]
                        .as_array()
                        .is_some_and(|types| types.iter().any(|t| t == "integer"));
                let bounded = matches!(schema["format"].as_str(), Some("int32" | "int64"))
                    || schema["maximum"].is_number();
                if is_integer && !bounded {
                    unbounded.push(format!("{method} {path} {}", parameter["name"]));
                }
            }
        }
    }
    assert!(unbounded.is_empty(), "unbounded: {unbounded:?}");
    app.stop().await;
}
