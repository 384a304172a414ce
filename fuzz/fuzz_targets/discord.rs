//! A Discord gateway frame, parsed the way the gateway client parses every text frame
//! (serenity's `GatewayEvent`), and the REST backfill's page of messages; the text of a parsed
//! message then goes through the connector's Markdown escaping and 2,000-character splitting;
//! a parsed button press (`INTERACTION_CREATE`) through the survey-answer conversion.
#![no_main]

use connector_discord::format::{MAX_MESSAGE_CHARS, escape_markdown, split};
use libfuzzer_sys::fuzz_target;
use serenity::model::application::Interaction;
use serenity::model::channel::Message;
use serenity::model::event::{Event, GatewayEvent};

fn exercise(message: &Message) {
    for part in split(&escape_markdown(&message.content), MAX_MESSAGE_CHARS) {
        assert!(part.chars().count() <= MAX_MESSAGE_CHARS);
    }
}

fuzz_target!(|data: &[u8]| {
    // Gateway text frames are UTF-8 by the WebSocket protocol; anything else never gets here.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(GatewayEvent::Dispatch(_, event)) = serenity::json::from_str::<GatewayEvent>(text) {
        match event {
            Event::MessageCreate(created) => exercise(&created.message),
            Event::MessageUpdate(update) => {
                if let Some(content) = update.content {
                    let _ = escape_markdown(&content);
                }
            }
            Event::InteractionCreate(created) => {
                if let Interaction::Component(press) = created.interaction {
                    let _ = connector_discord::survey::answer("fuzz", &press);
                }
            }
            _ => {}
        }
    }
    if let Ok(page) = serenity::json::from_str::<Vec<Message>>(text) {
        page.iter().for_each(exercise);
    }
});
