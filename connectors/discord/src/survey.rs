//! Satisfaction surveys on Discord: the row of rating buttons under the survey message, the
//! button press (`INTERACTION_CREATE`, a message component) as a survey answer, and the
//! ephemeral "Thank you!" that acknowledges it. The core checks the payload; this only carries it.

use connector_sdk::Sender;
use connector_sdk::csat::{CsatAnswer, CsatRequest, parse_payload};
use serenity::all::{ButtonStyle, ComponentInteraction, ComponentInteractionDataKind};
use serenity::builder::{
    CreateActionRow, CreateButton, CreateInteractionResponse, CreateInteractionResponseMessage,
};

use crate::SCOPE;

/// Discord's limit on a component's `custom_id`, in characters.
pub const MAX_CUSTOM_ID_CHARS: usize = 100;

/// What the presser alone sees once their press is stored.
pub const THANKS: &str = "Thank you!";

/// One action row of five grey buttons `1`…`5`, each carrying its choice's payload as its
/// `custom_id`; `None` when a payload would not fit (the text, with its page link, still goes).
pub fn buttons(survey: &CsatRequest) -> Option<CreateActionRow> {
    if survey.choices.is_empty()
        || survey
            .choices
            .iter()
            .any(|choice| choice.payload.chars().count() > MAX_CUSTOM_ID_CHARS)
    {
        return None;
    }
    // Secondary (grey) for every rating: a coloured button would nudge towards it.
    Some(CreateActionRow::Buttons(
        survey
            .choices
            .iter()
            .map(|choice| {
                CreateButton::new(choice.payload.clone())
                    .label(choice.rating.to_string())
                    .style(ButtonStyle::Secondary)
            })
            .collect(),
    ))
}

/// The survey answer a button press carries, with the presser in the same identity shape as
/// the author of an ordinary message (so the core can tell whether it is the surveyed
/// contact); `None` for a component that carries no survey payload.
pub fn answer(channel: &str, interaction: &ComponentInteraction) -> Option<CsatAnswer> {
    if !matches!(interaction.data.kind, ComponentInteractionDataKind::Button) {
        return None;
    }
    let payload = interaction.data.custom_id.as_str();
    parse_payload(payload)?;
    // serenity fills `user` from `member.user` for presses in a guild.
    let user = &interaction.user;
    let mut from = Sender::new(SCOPE, user.id.to_string()).with_name(
        user.global_name
            .clone()
            .unwrap_or_else(|| user.name.clone()),
    );
    from.is_bot = user.bot;
    let mut answer = CsatAnswer::new(channel, interaction.id.to_string(), from, payload);
    answer.at = chrono::DateTime::from_timestamp(interaction.id.created_at().unix_timestamp(), 0);
    Some(answer)
}

/// The acknowledgement of a survey press: a reply only the presser sees (type 4 with the
/// ephemeral flag), so the survey message stays as it was for everyone else.
pub fn thanks() -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(THANKS)
            .ephemeral(true),
    )
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::Value;
    use serenity::all::Interaction;
    use serenity::model::event::{Event, GatewayEvent};

    use super::*;

    const TOKEN: &str = "42.1767225600.abcDEF_-abcDEF_-abcDEF";

    fn survey() -> CsatRequest {
        CsatRequest::new(TOKEN, "https://sb.example/csat/t", Utc::now())
    }

    /// A recorded `INTERACTION_CREATE` dispatch (a button press), in a DM or in a guild.
    fn dispatch(fixture: &str) -> ComponentInteraction {
        let frame = std::fs::read_to_string(format!(
            "{}/tests/fixtures/{fixture}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture");
        match serenity::json::from_str::<GatewayEvent>(&frame).expect("a gateway frame") {
            GatewayEvent::Dispatch(_, Event::InteractionCreate(created)) => {
                match created.interaction {
                    Interaction::Component(component) => component,
                    other => panic!("not a component interaction: {other:?}"),
                }
            }
            other => panic!("not INTERACTION_CREATE: {other:?}"),
        }
    }

    #[test]
    fn the_survey_row_has_five_buttons_carrying_the_payloads() {
        let row = buttons(&survey()).expect("a row");
        let row: Value = serde_json::to_value(&row).expect("json");
        assert_eq!(row["type"], 1, "an action row");
        let buttons = row["components"].as_array().expect("buttons");
        assert_eq!(buttons.len(), 5);
        for (index, button) in buttons.iter().enumerate() {
            let rating = index + 1;
            assert_eq!(button["type"], 2);
            assert_eq!(button["style"], 2);
            assert_eq!(button["label"], rating.to_string());
            assert_eq!(button["custom_id"], format!("csat:{rating}:{TOKEN}"));
        }
    }

    #[test]
    fn a_payload_too_long_for_a_custom_id_sends_no_buttons() {
        let long = "9".repeat(MAX_CUSTOM_ID_CHARS);
        assert!(
            buttons(&CsatRequest::new(
                long,
                "https://sb.example/csat/t",
                Utc::now()
            ))
            .is_none()
        );
    }

    #[test]
    fn a_press_in_a_dm_is_an_answer_from_the_user() {
        let answer = answer("dc", &dispatch("interaction_dm.json")).expect("an answer");
        assert_eq!(answer.channel, "dc");
        assert_eq!(answer.external_id, "1311111111111111111");
        assert_eq!(answer.from.scope, SCOPE);
        assert_eq!(answer.from.external_id, "42");
        assert_eq!(answer.from.name.as_deref(), Some("Alice"));
        assert!(!answer.from.is_bot);
        assert_eq!(answer.rating_and_token(), Some((5, TOKEN)));
    }

    #[test]
    fn a_press_in_a_guild_thread_is_an_answer_from_the_member() {
        let interaction = dispatch("interaction_guild.json");
        assert!(interaction.member.is_some());
        let answer = answer("dc", &interaction).expect("an answer");
        assert_eq!(answer.from.external_id, "43");
        assert_eq!(answer.from.name.as_deref(), Some("bob"));
        assert_eq!(answer.rating_and_token(), Some((1, TOKEN)));
    }

    #[test]
    fn other_components_are_no_answers() {
        let mut other = dispatch("interaction_dm.json");
        other.data.custom_id = "order:cancel".into();
        assert!(answer("dc", &other).is_none());
        other.data.custom_id = "csat:9:tok".into();
        assert!(answer("dc", &other).is_none(), "a rating outside 1-5");
    }

    #[test]
    fn the_acknowledgement_is_an_ephemeral_message() {
        let body = serde_json::to_value(thanks()).expect("json");
        assert_eq!(body["type"], 4);
        assert_eq!(body["data"]["content"], THANKS);
        assert_eq!(body["data"]["flags"], 64);
        assert_eq!(body["data"].get("components"), None::<&Value>);
    }
}
