//! Satisfaction surveys on Meta's channels: out, a WhatsApp interactive list (reply buttons
//! allow only three) or Messenger/Instagram quick replies; in, the row picked (`list_reply`,
//! or a `button_reply`) or the quick reply tapped, as a survey answer. The core checks the
//! payload; this only carries it.

use chrono::{DateTime, Utc};
use connector_sdk::csat::{CsatAnswer, CsatRequest, parse_payload};
use connector_sdk::{ChannelKind, Sender};
use serde_json::{Value, json};

/// WhatsApp: the most text a list message's body takes (the rest goes before it as text).
pub const LIST_BODY_MAX_CHARS: usize = 1024;
/// WhatsApp: the longest row id and row title of a list message.
pub const LIST_ROW_ID_MAX_CHARS: usize = 200;
pub const LIST_ROW_TITLE_MAX_CHARS: usize = 24;
/// Messenger and Instagram: the longest quick-reply payload.
pub const QUICK_REPLY_PAYLOAD_MAX_CHARS: usize = 1000;
/// The button that opens the list (at most 20 characters). Stars and digits read the same in
/// every language, and the survey text above it says what they mean.
pub const LIST_BUTTON: &str = "★ 1–5";

fn fits(survey: &CsatRequest, max_payload: usize) -> bool {
    !survey.choices.is_empty()
        && survey
            .choices
            .iter()
            .all(|choice| choice.payload.chars().count() <= max_payload)
}

/// The survey's controls for a message of `kind` whose text is `body`: the WhatsApp
/// `interactive` list content, or the Messenger/Instagram `message` with `quick_replies`.
/// `None` when a payload would not fit the channel's limit (the text then goes alone).
pub fn controls(kind: ChannelKind, survey: &CsatRequest, body: &str) -> Option<Value> {
    match kind {
        ChannelKind::Whatsapp => {
            if !fits(survey, LIST_ROW_ID_MAX_CHARS) {
                return None;
            }
            let rows: Vec<Value> = survey
                .choices
                .iter()
                .map(|choice| {
                    let title: String = choice
                        .label
                        .chars()
                        .take(LIST_ROW_TITLE_MAX_CHARS)
                        .collect();
                    json!({"id": choice.payload, "title": title})
                })
                .collect();
            Some(json!({"type": "interactive", "interactive": {
                "type": "list",
                "body": {"text": body},
                "action": {"button": LIST_BUTTON, "sections": [{"rows": rows}]}
            }}))
        }
        _ => {
            if !fits(survey, QUICK_REPLY_PAYLOAD_MAX_CHARS) {
                return None;
            }
            let replies: Vec<Value> = survey
                .choices
                .iter()
                .map(|choice| {
                    json!({"content_type": "text", "title": choice.rating.to_string(), "payload": choice.payload})
                })
                .collect();
            Some(json!({"text": body, "quick_replies": replies}))
        }
    }
}

/// The survey payload a WhatsApp `interactive` message carries: the id of the list row
/// picked or of the reply button pressed, when it is one of ours.
pub fn whatsapp_payload<'a>(kind: &str, message: &'a Value) -> Option<&'a str> {
    if kind != "interactive" {
        return None;
    }
    let interactive = message.get("interactive")?;
    let reply = interactive
        .get("list_reply")
        .or_else(|| interactive.get("button_reply"))?;
    let id = reply.get("id")?.as_str()?;
    parse_payload(id).map(|_| id)
}

/// The survey payload of a Messenger/Instagram message: its quick reply's, when it is ours.
pub fn quick_reply_payload(message: &Value) -> Option<&str> {
    let payload = message.get("quick_reply")?.get("payload")?.as_str()?;
    parse_payload(payload).map(|_| payload)
}

/// The answer `from` gave with message `external_id` (the wamid or `mid` of the pick).
pub fn answer(
    channel: &str,
    external_id: &str,
    from: Sender,
    payload: &str,
    at: Option<DateTime<Utc>>,
) -> CsatAnswer {
    let mut answer = CsatAnswer::new(channel, external_id, from, payload);
    answer.at = at;
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "42.1767225600.abcDEF_-abcDEF_-abcDEF";

    fn survey() -> CsatRequest {
        CsatRequest::new(TOKEN, "https://sb.example/csat/t", Utc::now())
    }

    #[test]
    fn whatsapp_gets_a_list_of_five_rows() {
        let content = controls(ChannelKind::Whatsapp, &survey(), "How did we do?").expect("list");
        assert_eq!(content["type"], "interactive");
        let list = &content["interactive"];
        assert_eq!(list["type"], "list");
        assert_eq!(list["body"]["text"], "How did we do?");
        let button = list["action"]["button"].as_str().expect("button");
        assert!(button.chars().count() <= 20);
        let sections = list["action"]["sections"].as_array().expect("sections");
        assert_eq!(sections.len(), 1);
        let rows = sections[0]["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0]["id"], format!("csat:1:{TOKEN}"));
        assert_eq!(rows[4]["title"], "5 ★★★★★");
        assert!(rows.iter().all(|row| {
            row["title"].as_str().expect("title").chars().count() <= LIST_ROW_TITLE_MAX_CHARS
        }));
    }

    #[test]
    fn messenger_and_instagram_get_quick_replies() {
        for kind in [ChannelKind::Messenger, ChannelKind::Instagram] {
            let message = controls(kind, &survey(), "How did we do?").expect("quick replies");
            assert_eq!(message["text"], "How did we do?");
            let replies = message["quick_replies"].as_array().expect("replies");
            assert_eq!(replies.len(), 5);
            assert_eq!(
                replies[2],
                json!({"content_type": "text", "title": "3", "payload": format!("csat:3:{TOKEN}")})
            );
        }
    }

    #[test]
    fn a_payload_over_the_limit_sends_no_controls() {
        let long = CsatRequest::new("9".repeat(300), "https://sb.example/csat/t", Utc::now());
        assert!(controls(ChannelKind::Whatsapp, &long, "text").is_none());
        assert!(controls(ChannelKind::Messenger, &long, "text").is_some());
    }

    #[test]
    fn only_survey_payloads_are_answers() {
        let list = json!({"interactive": {"type": "list_reply",
            "list_reply": {"id": format!("csat:4:{TOKEN}"), "title": "4 ★★★★"}}});
        assert_eq!(
            whatsapp_payload("interactive", &list),
            Some(format!("csat:4:{TOKEN}").as_str())
        );
        assert_eq!(whatsapp_payload("text", &list), None);
        let button = json!({"interactive": {"type": "button_reply",
            "button_reply": {"id": format!("csat:2:{TOKEN}"), "title": "2"}}});
        assert!(whatsapp_payload("interactive", &button).is_some());
        let other = json!({"interactive": {"type": "button_reply",
            "button_reply": {"id": "yes", "title": "Ano"}}});
        assert_eq!(whatsapp_payload("interactive", &other), None);
        let quick = json!({"mid": "m_1", "text": "5", "quick_reply": {"payload": format!("csat:5:{TOKEN}")}});
        assert!(quick_reply_payload(&quick).is_some());
        let menu = json!({"mid": "m_2", "text": "Menu", "quick_reply": {"payload": "MENU"}});
        assert_eq!(quick_reply_payload(&menu), None);
    }
}
