//! Recorded Bot API payloads (as Telegram documents them) through the converter.

use connector_sdk::InboundEvent;

use super::*;

fn update(json: &str) -> Update {
    serde_json::from_str(json).expect("valid update")
}

fn message(events: &[InboundEvent]) -> &InboundMessage {
    match events {
        [InboundEvent::Message(message)] => message,
        other => panic!("expected one message, got {other:?}"),
    }
}

#[test]
fn a_private_text_message() {
    let events = events(
        "tg",
        &update(
            r#"{"update_id": 10, "message": {"message_id": 5, "date": 1700000000,
        "chat": {"id": 42, "type": "private", "first_name": "Jana"},
        "from": {"id": 42, "is_bot": false, "first_name": "Jana", "last_name": "Nová", "username": "jana"},
        "text": "Ahoj"}}"#,
        ),
    );
    let m = message(&events);
    assert_eq!(m.external_id, "42:5");
    assert_eq!(m.thread.as_deref(), Some("42"));
    assert_eq!(m.sender.scope, "telegram");
    assert_eq!(m.sender.external_id, "42");
    assert_eq!(m.sender.name.as_deref(), Some("Jana Nová"));
    assert!(!m.sender.is_bot);
    assert_eq!(m.text, "Ahoj");
    assert_eq!(m.sent_at.map(|t| t.timestamp()), Some(1_700_000_000));
    assert!(m.contact_attributes.is_empty());
}

#[test]
fn group_messages_thread_by_chat_and_keep_their_sender_but_not_other_bots() {
    let from_bot = events(
        "tg",
        &update(
            r#"{"update_id": 11, "message": {"message_id": 9, "date": 1700000000,
        "chat": {"id": -1001234, "type": "supergroup", "title": "Support"},
        "from": {"id": 7, "is_bot": true, "first_name": "OtherBot"},
        "text": "beep"}}"#,
        ),
    );
    assert!(
        from_bot.is_empty(),
        "another bot's message in a group is dropped: {from_bot:?}"
    );
    let human = events(
        "tg",
        &update(
            r#"{"update_id": 12, "message": {"message_id": 10, "date": 1700000000,
        "chat": {"id": -1001234, "type": "supergroup", "title": "Support"},
        "from": {"id": 8, "is_bot": false, "first_name": "Jana"},
        "text": "hello"}}"#,
        ),
    );
    let m = message(&human);
    assert_eq!(m.thread.as_deref(), Some("-1001234"));
    assert_eq!(m.external_id, "-1001234:10");
    assert_eq!(m.sender.external_id, "8");
}

#[test]
fn media_become_attachments_with_a_readable_text() {
    let photo = events(
        "tg",
        &update(
            r#"{"update_id": 1, "message": {"message_id": 1, "date": 0,
        "chat": {"id": 1, "type": "private"}, "from": {"id": 1, "is_bot": false, "first_name": "A"},
        "photo": [{"file_id": "small", "file_unique_id": "s", "width": 10, "height": 10},
                  {"file_id": "big", "file_unique_id": "b", "width": 800, "height": 600, "file_size": 1234}]}}"#,
        ),
    );
    let m = message(&photo);
    assert_eq!(m.text, "[photo]");
    assert_eq!(m.attachments[0].file_id.as_deref(), Some("big"));
    assert_eq!(m.attachments[0].size, Some(1234));

    let document = events(
        "tg",
        &update(
            r#"{"update_id": 2, "message": {"message_id": 2, "date": 0,
        "chat": {"id": 1, "type": "private"}, "from": {"id": 1, "is_bot": false, "first_name": "A"},
        "caption": "my invoice",
        "document": {"file_id": "doc", "file_unique_id": "d", "file_name": "faktura.pdf", "mime_type": "application/pdf", "file_size": 99}}}"#,
        ),
    );
    let m = message(&document);
    assert_eq!(m.text, "my invoice", "a caption is the text");
    assert_eq!(m.attachments[0].name.as_deref(), Some("faktura.pdf"));
    assert_eq!(
        m.attachments[0].mime_type.as_deref(),
        Some("application/pdf")
    );

    let voice = events(
        "tg",
        &update(
            r#"{"update_id": 3, "message": {"message_id": 3, "date": 0,
        "chat": {"id": 1, "type": "private"}, "from": {"id": 1, "is_bot": false, "first_name": "A"},
        "voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}}}"#,
        ),
    );
    assert_eq!(message(&voice).text, "[voice message]");
    assert_eq!(
        message(&voice).attachments[0].mime_type.as_deref(),
        Some("audio/ogg")
    );

    let sticker = events(
        "tg",
        &update(
            r#"{"update_id": 4, "message": {"message_id": 4, "date": 0,
        "chat": {"id": 1, "type": "private"}, "from": {"id": 1, "is_bot": false, "first_name": "A"},
        "sticker": {"file_id": "st", "file_unique_id": "st", "width": 512, "height": 512, "is_animated": false, "is_video": false, "type": "regular", "emoji": "👍"}}}"#,
        ),
    );
    assert_eq!(message(&sticker).text, "[sticker 👍]");

    let location = events(
        "tg",
        &update(
            r#"{"update_id": 5, "message": {"message_id": 5, "date": 0,
        "chat": {"id": 1, "type": "private"}, "from": {"id": 1, "is_bot": false, "first_name": "A"},
        "location": {"latitude": 50.0755, "longitude": 14.4378}}}"#,
        ),
    );
    assert_eq!(message(&location).text, "[location: 50.075500, 14.437800]");
}

#[test]
fn start_payload_is_kept_on_the_contact() {
    let events = events(
        "tg",
        &update(
            r#"{"update_id": 12, "message": {"message_id": 1, "date": 0,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": false, "first_name": "B", "language_code": "cs"},
        "text": "/start order-1234"}}"#,
        ),
    );
    let m = message(&events);
    assert_eq!(m.contact_attributes["telegram_start"], "order-1234");
    assert_eq!(m.contact_attributes["language"], "cs");
}

#[test]
fn edits_and_group_migrations() {
    let edited = events(
        "tg",
        &update(
            r#"{"update_id": 13, "edited_message": {"message_id": 5, "date": 0, "edit_date": 1700000100,
        "chat": {"id": 42, "type": "private"}, "from": {"id": 42, "is_bot": false, "first_name": "J"},
        "text": "fixed typo"}}"#,
        ),
    );
    match edited.as_slice() {
        [InboundEvent::Edited(edit)] => {
            assert_eq!(edit.external_id, "42:5");
            assert_eq!(edit.text, "fixed typo");
            assert_eq!(edit.edited_at.map(|t| t.timestamp()), Some(1_700_000_100));
        }
        other => panic!("expected an edit, got {other:?}"),
    }
    let migrated = events(
        "tg",
        &update(
            r#"{"update_id": 14, "message": {"message_id": 30, "date": 0,
        "chat": {"id": -4000, "type": "group", "title": "G"}, "from": {"id": 1, "is_bot": false, "first_name": "A"},
        "migrate_to_chat_id": -1004000}}"#,
        ),
    );
    assert_eq!(
        migrated,
        vec![InboundEvent::ThreadMoved {
            channel: "tg".into(),
            from: "-4000".into(),
            to: "-1004000".into()
        }]
    );
}

#[test]
fn service_messages_and_unknown_updates_produce_nothing() {
    let joined = events(
        "tg",
        &update(
            r#"{"update_id": 15, "message": {"message_id": 31, "date": 0,
        "chat": {"id": -4000, "type": "group", "title": "G"}, "from": {"id": 1, "is_bot": false, "first_name": "A"},
        "new_chat_members": [{"id": 2, "is_bot": false, "first_name": "C"}]}}"#,
        ),
    );
    assert!(joined.is_empty());
    let poll = events("tg", &update(r#"{"update_id": 16, "poll": {"id": "x"}}"#));
    assert!(poll.is_empty());
}

#[test]
fn external_ids_round_trip() {
    assert_eq!(parse_external_id(&external_id(-100, 7)), Some((-100, 7)));
    assert_eq!(parse_external_id("nonsense"), None);
}

#[test]
fn mutated_updates_never_panic_the_converter() {
    let valid = r#"{"update_id": 1, "message": {"message_id": 5, "date": 1700000000, "chat": {"id": -42, "type": "group", "title": "G"},
        "from": {"id": 42, "is_bot": false, "first_name": "J"}, "text": "/start x", "photo": [{"file_id": "a", "width": 1, "height": 1}],
        "migrate_from_chat_id": null}, "edited_message": {"message_id": 5, "date": 0, "chat": {"id": 1, "type": "private"}, "caption": "c"}}"#;
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..5_000 {
        let mut bytes = valid.as_bytes().to_vec();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() as usize) % bytes.len();
            bytes[at] = b"{}[]\":,-0123456789ax "[(next() % 21) as usize];
        }
        if let Ok(update) = serde_json::from_slice::<Update>(&bytes) {
            let _ = events("tg", &update);
        }
    }
}

#[test]
fn a_reply_names_the_message_it_quotes() {
    let events = events(
        "tg",
        &update(
            r#"{"update_id": 20, "message": {"message_id": 31, "date": 1700000100,
        "chat": {"id": 42, "type": "private", "first_name": "Jana"},
        "from": {"id": 42, "is_bot": false, "first_name": "Jana"},
        "reply_to_message": {"message_id": 30, "date": 1700000000,
            "chat": {"id": 42, "type": "private", "first_name": "Jana"},
            "from": {"id": 999, "is_bot": true, "first_name": "ShopBot", "username": "shop_bot"},
            "text": "What is your order number?"},
        "text": "12345"}}"#,
        ),
    );
    assert_eq!(message(&events).reply_to.as_deref(), Some("42:30"));
}

fn my_chat_member(chat: &str, old: &str, new: &str) -> Update {
    update(&format!(
        r#"{{"update_id": 30, "my_chat_member": {{"chat": {chat},
        "from": {{"id": 42, "is_bot": false, "first_name": "Jana"}}, "date": 1700000500,
        "old_chat_member": {{"user": {{"id": 999, "is_bot": true, "first_name": "ShopBot"}}, "status": "{old}"}},
        "new_chat_member": {{"user": {{"id": 999, "is_bot": true, "first_name": "ShopBot"}}, "status": "{new}", "until_date": 0}}}}}}"#
    ))
}

#[test]
fn a_user_blocking_and_unblocking_the_bot_changes_reachability() {
    let private = r#"{"id": 42, "type": "private", "first_name": "Jana"}"#;
    let blocked = events("tg", &my_chat_member(private, "member", "kicked"));
    match blocked.as_slice() {
        [InboundEvent::Reachability(r)] => {
            assert_eq!((r.scope.as_str(), r.address.as_str()), ("telegram", "42"));
            assert!(!r.reachable);
            assert_eq!(r.reason, "the user blocked the bot");
        }
        other => panic!("expected one reachability event, got {other:?}"),
    }
    let unblocked = events("tg", &my_chat_member(private, "kicked", "member"));
    assert!(matches!(unblocked.as_slice(),
        [InboundEvent::Reachability(r)] if r.reachable && r.address == "42"));
}

#[test]
fn the_bot_leaving_a_group_closes_its_thread_and_blocks_nobody() {
    let group = r#"{"id": -1001234, "type": "supergroup", "title": "Support"}"#;
    let access =
        |old: &str, new: &str| match events("tg", &my_chat_member(group, old, new)).as_slice() {
            [InboundEvent::ThreadAccess(access)] => {
                assert_eq!(
                    (access.channel.as_str(), access.thread.as_str()),
                    ("tg", "-1001234")
                );
                access.closed_because.clone()
            }
            other => panic!("expected one thread access event for {new}, got {other:?}"),
        };
    assert_eq!(
        access("member", "kicked").as_deref(),
        Some("the bot was removed from the group")
    );
    assert_eq!(
        access("member", "left").as_deref(),
        Some("the bot was removed from the group")
    );
    assert_eq!(access("left", "member"), None);
    assert_eq!(access("member", "administrator"), None);
    let muted = update(
        r#"{"update_id": 31, "my_chat_member": {"chat": {"id": -1001234, "type": "supergroup", "title": "Support"},
        "from": {"id": 42, "is_bot": false, "first_name": "Jana"}, "date": 1700000600,
        "old_chat_member": {"user": {"id": 999, "is_bot": true, "first_name": "ShopBot"}, "status": "member"},
        "new_chat_member": {"user": {"id": 999, "is_bot": true, "first_name": "ShopBot"}, "status": "restricted",
            "is_member": true, "can_send_messages": false, "until_date": 0}}}"#,
    );
    assert!(matches!(events("tg", &muted).as_slice(),
        [InboundEvent::ThreadAccess(access)]
            if access.closed_because.as_deref() == Some("the bot may not post in the group")));
}
