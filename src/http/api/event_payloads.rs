//! The events of the stream (`GET /api/v1/events`) and of event webhooks, documented in the
//! OpenAPI document.

use serde_json::Value;

/// Adds the event schemas to `document`.
pub fn document_events(_document: &mut Value) {}
