//! The top-level `webhooks` of the document: one entry per event kind, the request that the
//! event webhook worker (`crate::event_webhooks`) sends and the answers it understands.

use serde_json::{Map, Value, json};

use super::{Kind, reference};
use crate::event_webhooks::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use connector_sdk::signing::REPLAY_TOLERANCE_SECS;

/// The `webhooks` object: `{"<kind>": {"post": …}}`.
pub(super) fn webhooks(kinds: &[Kind]) -> Value {
    let entries: Map<String, Value> = kinds
        .iter()
        .map(|kind| {
            let name = kind.kind.as_str();
            (name.to_owned(), json!({"post": operation(kind)}))
        })
        .collect();
    Value::Object(entries)
}

fn operation(kind: &Kind) -> Value {
    let name = kind.kind.as_str();
    json!({
        "operationId": format!("{}_webhook", name.replace('.', "_")),
        "tags": ["webhooks"],
        "summary": format!("`{name}` to a subscribed URL"),
        "description": format!(
            "Sent to every active subscription (`POST /api/v1/webhooks`) that selects `{name}` or `*`, for events that happen after it was created. `Content-Type: application/json`, `User-Agent: Switchboard-Webhooks/<version>`. Verify the signature over the raw body before parsing it."
        ),
        "parameters": headers(kind),
        "requestBody": {
            "required": true,
            "description": "The event as the event stream sends it, plus the delivery id.",
            "content": {"application/json": {"schema": reference(&kind.payload())}}
        },
        "responses": responses(),
    })
}

fn header(name: &str, description: &str, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "header",
        "required": true,
        "description": description,
        "schema": schema,
    })
}

fn headers(kind: &Kind) -> Value {
    json!([
        header(
            EVENT_HEADER,
            "The event's kind, as `kind` in the body.",
            json!({"type": "string", "enum": [kind.kind.as_str()]}),
        ),
        header(
            DELIVERY_HEADER,
            "The delivery id, as `delivery_id` in the body. Retries and replays of a delivery carry the same one: deduplicate on it.",
            json!({"type": "integer", "format": "int64"}),
        ),
        header(
            TIMESTAMP_HEADER,
            &format!(
                "When this attempt was signed, in Unix seconds; part of the signed text. Refuse timestamps more than a few minutes from your clock (Switchboard's own verifier allows {REPLAY_TOLERANCE_SECS} s) so a captured request cannot be replayed."
            ),
            json!({"type": "integer", "format": "int64"}),
        ),
        header(
            SIGNATURE_HEADER,
            &format!(
                "`sha256=<hex HMAC-SHA256(secret, \"<timestamp>.<raw body>\")>`: the subscription's secret keys an HMAC-SHA256 over the `{TIMESTAMP_HEADER}` value, a dot and the raw body bytes, in lowercase hex. Compare in constant time."
            ),
            json!({"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"}),
        ),
    ])
}

/// The answers the worker tells apart (`classify_status` in `crate::event_webhooks`).
fn responses() -> Value {
    let retry_after = json!({"Retry-After": {
        "description": "Seconds to wait: the next attempt comes no sooner.",
        "schema": {"type": "integer", "minimum": 0}
    }});
    let retried = "Retried with jittered exponential backoff (`[webhooks] backoff_base_ms` up to `backoff_max_secs`) until `retry_for_hours` after the delivery was queued, then the delivery fails. Timeouts and connection errors are retried the same way.";
    json!({
        "2XX": {"description": "Delivered; the body of the answer is ignored."},
        "408": {"description": retried, "headers": retry_after.clone()},
        "429": {"description": retried, "headers": retry_after.clone()},
        "5XX": {"description": retried, "headers": retry_after},
        "default": {"description": "Any other status (a redirect, which is not followed, or another 4xx) fails the delivery at once, without retries; `POST /api/v1/webhooks/deliveries/{id}/replay` sends it again."},
    })
}
