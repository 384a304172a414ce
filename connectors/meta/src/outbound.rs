//! Graph API `…/messages` request bodies and the classification of Meta's answers.

use std::time::Duration;

use connector_sdk::{ChannelKind, ConnectorError, OutboundMessage};
use serde_json::{Value, json};

use crate::survey;

/// Longest text of one message: WhatsApp 4,096 characters, Messenger and Instagram 2,000.
pub fn text_limit(kind: ChannelKind) -> usize {
    match kind {
        ChannelKind::Whatsapp => 4096,
        _ => 2000,
    }
}

/// Splits text under `limit` characters on paragraph, line or word boundaries.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    connector_sdk::text::split_message(text, limit, connector_sdk::text::no_escapes)
}

fn media_kind(mime: Option<&str>) -> &'static str {
    match mime.unwrap_or_default() {
        m if m.starts_with("image/") => "image",
        m if m.starts_with("video/") => "video",
        m if m.starts_with("audio/") => "audio",
        _ => "document",
    }
}

/// The request bodies that deliver `msg`: a template, or text parts followed by media. A
/// survey's controls ([`survey::controls`]) go with the last text part.
///
/// # Errors
/// `Rejected` for messages the channel cannot carry (a template outside WhatsApp, media
/// without a URL or media id).
pub fn requests(kind: ChannelKind, msg: &OutboundMessage) -> Result<Vec<Value>, ConnectorError> {
    let to = msg.to.external_id.clone();
    let envelope = |content: Value| -> Value {
        match kind {
            ChannelKind::Whatsapp => {
                let mut body = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to});
                if let (Value::Object(body), Value::Object(content)) = (&mut body, content) {
                    body.extend(content);
                }
                body
            }
            _ => json!({"recipient": {"id": to}, "messaging_type": "RESPONSE", "message": content}),
        }
    };
    if let Some(template) = &msg.template {
        if kind != ChannelKind::Whatsapp {
            return Err(ConnectorError::rejected(
                "templates are only sent on WhatsApp",
            ));
        }
        let parameters: Vec<Value> = template
            .parameters
            .iter()
            .map(|text| json!({"type": "text", "text": text}))
            .collect();
        let mut content = json!({"type": "template", "template": {
            "name": template.name, "language": {"code": template.language}
        }});
        if !parameters.is_empty() {
            content["template"]["components"] = json!([{"type": "body", "parameters": parameters}]);
        }
        return Ok(vec![envelope(content)]);
    }
    let mut bodies = Vec::new();
    let mut parts = split(&msg.text, text_limit(kind));
    // A survey's controls go with its last part; a WhatsApp list's body takes less text than
    // a text message, so a long last part is cut again.
    let survey = msg.csat.as_ref();
    if kind == ChannelKind::Whatsapp
        && survey.is_some()
        && let Some(last) = parts.pop()
    {
        parts.extend(split(&last, survey::LIST_BODY_MAX_CHARS));
    }
    let last = parts.len().checked_sub(1);
    for (index, part) in parts.into_iter().enumerate() {
        let controls = survey
            .filter(|_| Some(index) == last)
            .and_then(|survey| survey::controls(kind, survey, &part));
        bodies.push(match (kind, controls) {
            (_, Some(controls)) => envelope(controls),
            (ChannelKind::Whatsapp, None) => {
                envelope(json!({"type": "text", "text": {"body": part, "preview_url": false}}))
            }
            (_, None) => envelope(json!({"text": part})),
        });
    }
    for attachment in &msg.attachments {
        let media = media_kind(attachment.mime_type.as_deref());
        let body = match (kind, &attachment.file_id, &attachment.url) {
            (ChannelKind::Whatsapp, Some(id), _) => {
                envelope(json!({"type": media, media: {"id": id}}))
            }
            (ChannelKind::Whatsapp, None, Some(url)) => {
                let mut object = json!({"link": url});
                if media == "document"
                    && let Some(name) = &attachment.name
                {
                    object["filename"] = json!(name);
                }
                envelope(json!({"type": media, media: object}))
            }
            (_, _, Some(url)) => {
                let media = if media == "document" { "file" } else { media };
                envelope(
                    json!({"attachment": {"type": media, "payload": {"url": url, "is_reusable": true}}}),
                )
            }
            _ => {
                return Err(ConnectorError::rejected(
                    "an attachment without a URL or media id",
                ));
            }
        };
        bodies.push(body);
    }
    if bodies.is_empty() {
        return Err(ConnectorError::rejected(
            "nothing to send: no text, template or attachment",
        ));
    }
    Ok(bodies)
}

/// Graph error codes that mean "slow down, try later".
const THROTTLED: [i64; 8] = [4, 17, 32, 613, 80007, 130429, 131048, 131056];
/// Codes that mean the recipient cannot be reached on this channel at all.
const UNREACHABLE: [i64; 4] = [131026, 131030, 551, 2018001];

/// Sorts a Graph API error for the dispatcher.
pub fn classify(status: u16, error: &Value) -> ConnectorError {
    let code = error
        .get("code")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let subcode = error
        .get("error_subcode")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("Graph API error")
        .to_owned();
    let reason = format!(
        "{message} (code {code}{})",
        if subcode != 0 {
            format!("/{subcode}")
        } else {
            String::new()
        }
    );
    if code == 190 || status == 401 {
        return ConnectorError::Unauthorized;
    }
    if THROTTLED.contains(&code) || status == 429 {
        // Meta gives no retry-after; a minute lets per-pair and per-number limits recover.
        return ConnectorError::unavailable(reason, Some(Duration::from_secs(60)));
    }
    if UNREACHABLE.contains(&code) || UNREACHABLE.contains(&subcode) {
        return ConnectorError::Rejected {
            reason,
            unreachable: true,
        };
    }
    if status >= 500 || error.get("is_transient").and_then(Value::as_bool) == Some(true) {
        return ConnectorError::unavailable(reason, None);
    }
    ConnectorError::rejected(reason)
}

/// Reads a Graph answer as JSON, classifying errors.
///
/// # Errors
/// The classified Graph error.
pub async fn read_json(response: reqwest::Response) -> Result<Value, ConnectorError> {
    let status = response.status().as_u16();
    let body: Value = match response.json().await {
        Ok(body) => body,
        Err(err) if status >= 500 => {
            return Err(ConnectorError::unavailable(err.without_url(), None));
        }
        Err(err) => {
            return Err(ConnectorError::rejected(format!(
                "unreadable Graph answer ({status}): {}",
                err.without_url()
            )));
        }
    };
    if let Some(error) = body.get("error") {
        return Err(classify(status, error));
    }
    if status >= 500 {
        return Err(ConnectorError::unavailable(
            format!("Graph API answered {status}"),
            None,
        ));
    }
    Ok(body)
}

/// The message id of a successful send (`messages[0].id` on WhatsApp, `message_id` on
/// Messenger/Instagram).
///
/// # Errors
/// The classified Graph error.
pub async fn read_response(response: reqwest::Response) -> Result<Option<String>, ConnectorError> {
    let body = read_json(response).await?;
    Ok(body
        .pointer("/messages/0/id")
        .or_else(|| body.get("message_id"))
        .and_then(Value::as_str)
        .map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use connector_sdk::{Recipient, Template};

    use super::*;

    fn reply(text: &str) -> OutboundMessage {
        OutboundMessage::text("1", "wa", 1, Recipient::new("420777123456"), text)
    }

    #[test]
    fn whatsapp_text_and_template_bodies() {
        let bodies = requests(ChannelKind::Whatsapp, &reply("hi")).expect("bodies");
        assert_eq!(
            bodies,
            [
                json!({"messaging_product": "whatsapp", "recipient_type": "individual",
            "to": "420777123456", "type": "text", "text": {"body": "hi", "preview_url": false}})
            ]
        );
        let mut templated = reply("");
        templated.template = Some(Template::new("order_update", "cs", vec!["1234".into()]));
        let bodies = requests(ChannelKind::Whatsapp, &templated).expect("bodies");
        assert_eq!(bodies[0]["template"]["name"], "order_update");
        assert_eq!(bodies[0]["template"]["language"]["code"], "cs");
        assert_eq!(
            bodies[0]["template"]["components"][0]["parameters"][0]["text"],
            "1234"
        );
        assert!(requests(ChannelKind::Messenger, &templated).is_err());
    }

    #[test]
    fn messenger_bodies_and_splitting() {
        let long = "word ".repeat(1000);
        let bodies = requests(ChannelKind::Messenger, &reply(&long)).expect("bodies");
        assert_eq!(
            bodies.len(),
            3,
            "5,000 characters need three 2,000-character messages"
        );
        assert_eq!(bodies[0]["recipient"]["id"], "420777123456");
        assert!(
            bodies
                .iter()
                .all(|b| b["message"]["text"].as_str().expect("text").chars().count() <= 2000)
        );
    }

    fn surveyed(text: &str) -> OutboundMessage {
        let mut msg = reply(text);
        msg.csat = Some(connector_sdk::csat::CsatRequest::new(
            "42.1767225600.abcDEF_-abcDEF_-abcDEF",
            "https://sb.example/csat/t",
            chrono::Utc::now(),
        ));
        msg
    }

    #[test]
    fn a_whatsapp_survey_is_a_list_message() {
        let bodies = requests(ChannelKind::Whatsapp, &surveyed("How did we do?")).expect("bodies");
        assert_eq!(bodies.len(), 1);
        assert_eq!(bodies[0]["messaging_product"], "whatsapp");
        assert_eq!(bodies[0]["to"], "420777123456");
        assert_eq!(bodies[0]["type"], "interactive");
        assert_eq!(bodies[0]["interactive"]["type"], "list");
        assert_eq!(bodies[0]["interactive"]["body"]["text"], "How did we do?");
        let rows = bodies[0]["interactive"]["action"]["sections"][0]["rows"]
            .as_array()
            .expect("rows");
        assert_eq!(rows.len(), 5);
        assert!(bodies[0].get("text").is_none());
    }

    #[test]
    fn a_long_whatsapp_survey_sends_text_first_and_the_list_last() {
        let long = "word ".repeat(400); // 2,000 characters: one text message, too long for a list
        let bodies = requests(ChannelKind::Whatsapp, &surveyed(&long)).expect("bodies");
        assert_eq!(bodies.len(), 2);
        assert_eq!(bodies[0]["type"], "text");
        assert_eq!(bodies[1]["type"], "interactive");
        let body = bodies[1]["interactive"]["body"]["text"]
            .as_str()
            .expect("body");
        assert!(body.chars().count() <= survey::LIST_BODY_MAX_CHARS);
    }

    #[test]
    fn a_messenger_or_instagram_survey_carries_quick_replies_on_its_last_part() {
        for kind in [ChannelKind::Messenger, ChannelKind::Instagram] {
            let long = "word ".repeat(500);
            let bodies = requests(kind, &surveyed(&long)).expect("bodies");
            assert_eq!(bodies.len(), 2);
            assert!(bodies[0]["message"].get("quick_replies").is_none());
            let replies = bodies[1]["message"]["quick_replies"]
                .as_array()
                .expect("quick replies");
            assert_eq!(replies.len(), 5);
            assert_eq!(replies[0]["content_type"], "text");
            assert_eq!(replies[0]["title"], "1");
            assert_eq!(bodies[1]["messaging_type"], "RESPONSE");
        }
    }

    #[test]
    fn graph_errors_are_classified() {
        assert!(matches!(
            classify(400, &json!({"code": 130429})),
            ConnectorError::Unavailable {
                retry_after: Some(_),
                ..
            }
        ));
        assert!(matches!(
            classify(400, &json!({"code": 131056})),
            ConnectorError::Unavailable { .. }
        ));
        assert!(matches!(
            classify(400, &json!({"code": 131026})),
            ConnectorError::Rejected {
                unreachable: true,
                ..
            }
        ));
        assert!(matches!(
            classify(400, &json!({"code": 100, "error_subcode": 2018001})),
            ConnectorError::Rejected {
                unreachable: true,
                ..
            }
        ));
        assert!(matches!(
            classify(400, &json!({"code": 190})),
            ConnectorError::Unauthorized
        ));
        assert!(matches!(
            classify(500, &json!({"code": 1})),
            ConnectorError::Unavailable { .. }
        ));
        assert!(matches!(
            classify(400, &json!({"code": 100})),
            ConnectorError::Rejected {
                unreachable: false,
                ..
            }
        ));
    }
}
