//! Property tests of the gateway frames the client parses (fuzz target `discord`: serenity's
//! `GatewayEvent`, the backfill's message pages, button presses) and the Markdown splitter
//! (`splitter`).

use connector_sdk::fuzzing::{assert_parts, mutated_text};
use proptest::prelude::*;
use serenity::model::application::Interaction;
use serenity::model::channel::Message;
use serenity::model::event::{Event, GatewayEvent};

use crate::format::{MAX_MESSAGE_CHARS, escape_markdown, split};

fn check_message(message: &Message) {
    assert_parts(
        &split(&escape_markdown(&message.content), MAX_MESSAGE_CHARS),
        MAX_MESSAGE_CHARS,
    );
}

proptest! {
    #[test]
    fn discord_gateway_frames_parse_without_panicking(frame in mutated_text("discord")) {
        match serenity::json::from_str::<GatewayEvent>(&frame) {
            Ok(GatewayEvent::Dispatch(_, Event::MessageCreate(created))) => {
                check_message(&created.message);
            }
            Ok(GatewayEvent::Dispatch(_, Event::InteractionCreate(created))) => {
                if let Interaction::Component(press) = created.interaction
                    && let Some(answer) = crate::survey::answer("dc", &press)
                {
                    prop_assert!(answer.rating_and_token().is_some());
                }
            }
            _ => {}
        }
        if let Ok(page) = serenity::json::from_str::<Vec<Message>>(&frame) {
            page.iter().for_each(check_message);
        }
    }

    #[test]
    fn splitter_discord_parts_are_within_the_limit(
        text in mutated_text("splitter"),
        limit in 0..64usize,
    ) {
        let escaped = escape_markdown(&text);
        assert_parts(&split(&escaped, limit), limit);
        assert_parts(&split(&escaped, MAX_MESSAGE_CHARS), MAX_MESSAGE_CHARS);
    }
}
