//! Recorded payloads in Meta's documented format through the parser.

use connector_sdk::{DeliveryState, InboundEvent, InboundMessage};

use super::*;

fn parse(json: &str) -> Vec<InboundEvent> {
    let payload: Payload = serde_json::from_str(json).expect("payload");
    events("wa", "whatsapp", &payload)
}

fn messages(events: &[InboundEvent]) -> Vec<&InboundMessage> {
    events
        .iter()
        .filter_map(|e| match e {
            InboundEvent::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

const WHATSAPP: &str = r#"{"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
  "messaging_product": "whatsapp", "metadata": {"display_phone_number": "420111222333", "phone_number_id": "PNID"},
  "contacts": [{"profile": {"name": "Jana Nováková"}, "wa_id": "420777123456"}],
  "messages": [
    {"from": "420777123456", "id": "wamid.T1", "timestamp": "1700000000", "type": "text", "text": {"body": "Dobrý den"},
     "referral": {"source_url": "https://fb.me/ad", "source_type": "ad", "source_id": "123", "headline": "Sale"}},
    {"from": "420777123456", "id": "wamid.I1", "timestamp": "1700000001", "type": "image",
     "image": {"caption": "rozbité", "mime_type": "image/jpeg", "sha256": "abc", "id": "MEDIA-1"}},
    {"from": "420777123456", "id": "wamid.B1", "timestamp": "1700000002", "type": "interactive",
     "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Ano"}}},
    {"from": "420777123456", "id": "wamid.L1", "timestamp": "1700000003", "type": "location",
     "location": {"latitude": 50.0755, "longitude": 14.4378, "name": "Praha"}},
    {"from": "420777123456", "id": "wamid.C1", "timestamp": "1700000004", "type": "contacts",
     "contacts": [{"name": {"formatted_name": "Petr"}, "phones": [{"phone": "+420 600 000 000"}]}]},
    {"from": "420777123456", "id": "wamid.R1", "timestamp": "1700000005", "type": "reaction",
     "reaction": {"message_id": "wamid.OUT1", "emoji": "👍"}}
  ],
  "statuses": [
    {"id": "wamid.OUT1", "status": "delivered", "timestamp": "1700000010", "recipient_id": "420777123456"},
    {"id": "wamid.OUT2", "status": "failed", "timestamp": "1700000011", "recipient_id": "420777123456",
     "errors": [{"code": 131026, "title": "Message undeliverable"}]}
  ]}}]}]}"#;

#[test]
fn whatsapp_messages_of_every_kind() {
    let events = parse(WHATSAPP);
    let all = messages(&events);
    assert_eq!(all.len(), 5, "the reaction is no message");
    assert_eq!(all[0].external_id, "wamid.T1");
    assert_eq!(all[0].sender.scope, "whatsapp");
    assert_eq!(all[0].sender.phone.as_deref(), Some("+420777123456"));
    assert_eq!(all[0].sender.name.as_deref(), Some("Jana Nováková"));
    assert!(all[0].text.starts_with("Dobrý den\n[referral"));
    assert!(all[0].text.contains("source_type=ad"));
    assert_eq!(all[1].text, "rozbité");
    assert_eq!(all[1].attachments[0].file_id.as_deref(), Some("MEDIA-1"));
    assert_eq!(
        all[1].attachments[0].mime_type.as_deref(),
        Some("image/jpeg")
    );
    assert_eq!(all[2].text, "Ano [choice yes]");
    assert_eq!(all[3].text, "[location Praha: 50.075500, 14.437800]");
    assert_eq!(all[4].text, "[contact: Petr +420 600 000 000]");
    assert!(events.iter().any(|e| matches!(e, InboundEvent::Reaction(r)
        if r.message == "wamid.OUT1" && r.emoji.as_deref() == Some("👍"))));
    assert_eq!(all[0].sent_at.map(|t| t.timestamp()), Some(1_700_000_000));
}

#[test]
fn whatsapp_statuses_become_delivery_updates() {
    let events = parse(WHATSAPP);
    let updates: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            InboundEvent::Delivery(update) => Some(update),
            _ => None,
        })
        .collect();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0].external_id, "wamid.OUT1");
    assert_eq!(updates[0].state, DeliveryState::Delivered);
    assert_eq!(updates[1].state, DeliveryState::Failed);
    assert_eq!(
        updates[1].error.as_deref(),
        Some("Message undeliverable (131026)")
    );
}

#[test]
fn messenger_and_instagram_messaging_items() {
    let payload: Payload = serde_json::from_str(r#"{"object": "page", "entry": [{"id": "PAGE", "time": 1700000000000, "messaging": [
      {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000000000,
       "message": {"mid": "m_1", "text": "Hello", "quick_reply": {"payload": "SIZE_M"}}},
      {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000001000,
       "message": {"mid": "m_2", "attachments": [{"type": "image", "payload": {"url": "https://cdn.example/x.jpg"}}]}},
      {"sender": {"id": "PAGE"}, "recipient": {"id": "PSID1"}, "timestamp": 1700000002000,
       "message": {"mid": "m_echo", "text": "our reply", "is_echo": true}},
      {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000003000,
       "postback": {"title": "Track order", "payload": "TRACK", "mid": "m_3"}},
      {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000004000,
       "delivery": {"mids": ["m_out_1"], "watermark": 1700000004000}},
      {"sender": {"id": "PSID2"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000005000,
       "referral": {"ref": "summer", "source": "ADS", "type": "OPEN_THREAD", "ad_id": "777"}}
    ]}]}"#).expect("payload");
    let events = events("fb", "messenger:PAGE", &payload);
    let all = messages(&events);
    assert_eq!(all.len(), 4, "the echo of our own message is skipped");
    assert_eq!(all[0].sender.scope, "messenger:PAGE");
    assert_eq!(all[0].text, "Hello [choice SIZE_M]");
    assert_eq!(
        all[1].attachments[0].url.as_deref(),
        Some("https://cdn.example/x.jpg")
    );
    assert_eq!(all[1].text, "[image]");
    assert_eq!(all[2].text, "Track order [button TRACK]");
    assert!(all[3].text.contains("ad_id=777"));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, InboundEvent::Delivery(u) if u.external_id == "m_out_1"))
    );
}

#[test]
fn mutated_payloads_never_panic_the_parser() {
    let mut state: u64 = 0x1234_5678_9abc_def1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3_000 {
        let mut bytes = WHATSAPP.as_bytes().to_vec();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() as usize) % bytes.len();
            bytes[at] = b"{}[]\":,-0123456789ax "[(next() % 21) as usize];
        }
        if let Ok(payload) = serde_json::from_slice::<Payload>(&bytes) {
            let _ = events("wa", "whatsapp", &payload);
            let _ = events("fb", "messenger:P", &payload);
        }
    }
}

fn reactions(events: &[InboundEvent]) -> Vec<&connector_sdk::Reaction> {
    events
        .iter()
        .filter_map(|e| match e {
            InboundEvent::Reaction(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// A WhatsApp change value with `messages` only, as the Cloud API sends it.
fn whatsapp_messages(messages: &str) -> Vec<InboundEvent> {
    parse(&format!(
        r#"{{"object": "whatsapp_business_account", "entry": [{{"id": "WABA", "changes": [{{"field": "messages",
        "value": {{"messaging_product": "whatsapp",
          "metadata": {{"display_phone_number": "420111222333", "phone_number_id": "PNID"}},
          "contacts": [{{"profile": {{"name": "Jana"}}, "wa_id": "420777123456"}}],
          "messages": [{messages}]}}}}]}}]}}"#
    ))
}

#[test]
fn a_whatsapp_reply_names_the_message_it_answers() {
    let events = whatsapp_messages(
        r#"{"context": {"from": "420111222333", "id": "wamid.OUR-QUESTION"},
            "from": "420777123456", "id": "wamid.ANSWER", "timestamp": "1700000100",
            "type": "text", "text": {"body": "Ano, 12345"}}"#,
    );
    let all = messages(&events);
    assert_eq!(all[0].reply_to.as_deref(), Some("wamid.OUR-QUESTION"));
    assert_eq!(all[0].text, "Ano, 12345");
}

#[test]
fn a_whatsapp_location_keeps_its_address_and_link() {
    let events = whatsapp_messages(
        r#"{"from": "420777123456", "id": "wamid.LOC", "timestamp": "1700000100", "type": "location",
            "location": {"latitude": 50.0875, "longitude": 14.4213, "name": "Prodejna Staré Město",
                         "address": "Celetná 12, 110 00 Praha 1", "url": "https://shop.example/praha"}}"#,
    );
    let text = &messages(&events)[0].text;
    assert!(text.starts_with("[location Prodejna Staré Město: 50.087500, 14.421300]"));
    assert!(text.contains("\nCeletná 12, 110 00 Praha 1"), "{text}");
    assert!(text.contains("\nhttps://shop.example/praha"), "{text}");
}

#[test]
fn whatsapp_reactions_are_events_on_the_message_not_messages() {
    let events = whatsapp_messages(
        r#"{"from": "420777123456", "id": "wamid.REACT1", "timestamp": "1700000200", "type": "reaction",
            "reaction": {"message_id": "wamid.OUT1", "emoji": "❤️"}},
           {"from": "420777123456", "id": "wamid.REACT2", "timestamp": "1700000300", "type": "reaction",
            "reaction": {"message_id": "wamid.OUT1", "emoji": ""}},
           {"from": "420777123456", "id": "wamid.REACT3", "timestamp": "1700000400", "type": "reaction",
            "reaction": {"message_id": "wamid.OUT1"}}"#,
    );
    assert!(messages(&events).is_empty());
    let all = reactions(&events);
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].message, "wamid.OUT1");
    assert_eq!(all[0].emoji.as_deref(), Some("❤️"));
    assert_eq!(all[0].external_id.as_deref(), Some("wamid.REACT1"));
    assert_eq!(all[0].from.scope, "whatsapp");
    assert_eq!(all[0].from.external_id, "420777123456");
    assert_eq!(all[0].at.map(|t| t.timestamp()), Some(1_700_000_200));
    assert_eq!(all[1].emoji, None, "an empty emoji takes the reaction back");
    assert_eq!(all[2].emoji, None, "so does a missing one");
}

#[test]
fn a_whatsapp_ad_referral_keeps_the_ad_id() {
    let events = whatsapp_messages(
        r#"{"from": "420777123456", "id": "wamid.AD", "timestamp": "1700000100", "type": "text",
            "text": {"body": "Mám zájem"},
            "referral": {"source_url": "https://fb.me/3cr4Wqqkd", "source_id": "120210000000001",
                         "source_type": "ad", "headline": "Zimní výprodej", "body": "-30 %",
                         "media_type": "image", "image_url": "https://scontent.example/ad.jpg",
                         "ctwa_clid": "ARAkLk"}}"#,
    );
    let m = messages(&events)[0];
    assert!(m.text.contains("source_id=120210000000001"), "{}", m.text);
    let referral = &m.contact_attributes["referral"];
    assert_eq!(referral["source_id"], "120210000000001");
    assert_eq!(referral["source_type"], "ad");
    assert_eq!(referral["source_url"], "https://fb.me/3cr4Wqqkd");
    assert_eq!(referral["headline"], "Zimní výprodej");
}

fn page(items: &str, scope: &str) -> Vec<InboundEvent> {
    let payload: Payload = serde_json::from_str(&format!(
        r#"{{"object": "page", "entry": [{{"id": "PAGE", "time": 1700000000000, "messaging": [{items}]}}]}}"#
    ))
    .expect("payload");
    events("fb", scope, &payload)
}

#[test]
fn messenger_replies_reactions_reads_and_ad_ids() {
    let events = page(
        r#"{"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000000000,
            "message": {"mid": "m_answer", "text": "the blue one", "reply_to": {"mid": "m_our_question"}}},
           {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000001000,
            "reaction": {"mid": "m_our_question", "action": "react", "reaction": "love", "emoji": "\u2764\uFE0F"}},
           {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000002000,
            "reaction": {"mid": "m_our_question", "action": "unreact"}},
           {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000003000,
            "read": {"watermark": 1700000002500}},
           {"sender": {"id": "PSID2"}, "recipient": {"id": "PAGE"}, "timestamp": 1700000004000,
            "message": {"mid": "m_from_ad", "text": "Hi",
                        "referral": {"ref": "spring", "ad_id": "6045246247433", "source": "ADS", "type": "OPEN_THREAD",
                                     "ads_context_data": {"ad_title": "Spring", "photo_url": "https://x.example/p.jpg"}}}}"#,
        "messenger:PAGE",
    );
    let all = messages(&events);
    assert_eq!(
        all.len(),
        2,
        "reactions and reads are no messages: {events:?}"
    );
    assert_eq!(all[0].reply_to.as_deref(), Some("m_our_question"));
    let all_reactions = reactions(&events);
    assert_eq!(all_reactions[0].emoji.as_deref(), Some("❤️"));
    assert_eq!(all_reactions[0].from.scope, "messenger:PAGE");
    assert_eq!(all_reactions[0].external_id, None);
    assert_eq!(all_reactions[1].emoji, None, "unreact takes it back");
    let read = events
        .iter()
        .find_map(|e| match e {
            InboundEvent::Read(read) => Some(read),
            _ => None,
        })
        .expect("a read receipt");
    assert_eq!(read.reader.external_id, "PSID1");
    assert_eq!(
        read.up_to.map(|t| t.timestamp_millis()),
        Some(1_700_000_002_500)
    );
    assert_eq!(
        all[1].contact_attributes["referral"]["ad_id"],
        "6045246247433"
    );
    assert_eq!(all[1].contact_attributes["referral"]["ref"], "spring");
    assert!(all[1].text.contains("ad_id=6045246247433"));
}

#[test]
fn instagram_story_replies_mentions_reactions_and_reads() {
    let events = page(
        r#"{"sender": {"id": "IGSID1"}, "recipient": {"id": "IGID"}, "timestamp": 1700000000000,
            "message": {"mid": "aWdfZ", "text": "where can I buy this?",
                        "reply_to": {"story": {"url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900", "id": "17900"}}}},
           {"sender": {"id": "IGSID1"}, "recipient": {"id": "IGID"}, "timestamp": 1700000001000,
            "message": {"mid": "aWdfM", "attachments": [{"type": "story_mention",
                        "payload": {"url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17901"}}]}},
           {"sender": {"id": "IGSID1"}, "recipient": {"id": "IGID"}, "timestamp": 1700000002000,
            "reaction": {"mid": "aWdfOUR", "action": "react", "reaction": "love", "emoji": "❤"}},
           {"sender": {"id": "IGSID1"}, "recipient": {"id": "IGID"}, "timestamp": 1700000003000,
            "read": {"mid": "aWdfOUR"}}"#,
        "instagram:IGID",
    );
    let all = messages(&events);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].text, "[reply to story] where can I buy this?");
    assert_eq!(
        all[0].attachments[0].url.as_deref(),
        Some("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900")
    );
    assert_eq!(all[0].attachments[0].name.as_deref(), Some("story 17900"));
    assert_eq!(all[0].reply_to, None, "a story is not a message of ours");
    assert_eq!(
        all[1].attachments[0].url.as_deref(),
        Some("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17901")
    );
    assert_eq!(all[1].text, "[story_mention]");
    assert_eq!(reactions(&events)[0].message, "aWdfOUR");
    assert!(events.iter().any(|e| matches!(e, InboundEvent::Read(r)
        if r.message.as_deref() == Some("aWdfOUR") && r.up_to.is_none())));
}

fn answers(events: &[InboundEvent]) -> Vec<&connector_sdk::csat::CsatAnswer> {
    events
        .iter()
        .filter_map(|e| match e {
            InboundEvent::CsatAnswer(answer) => Some(answer),
            _ => None,
        })
        .collect()
}

const SURVEY_TOKEN: &str = "42.1767225600.abcDEF_-abcDEF_-abcDEF";

#[test]
fn a_whatsapp_list_reply_with_a_survey_payload_is_an_answer_not_a_message() {
    let events = whatsapp_messages(&format!(
        r#"{{"context": {{"from": "420111222333", "id": "wamid.SURVEY"}},
            "from": "420777123456", "id": "wamid.PICK", "timestamp": "1700000100", "type": "interactive",
            "interactive": {{"type": "list_reply",
                            "list_reply": {{"id": "csat:4:{SURVEY_TOKEN}", "title": "4 ★★★★"}}}}}},
           {{"from": "420777123456", "id": "wamid.BUTTON", "timestamp": "1700000101", "type": "interactive",
            "interactive": {{"type": "button_reply", "button_reply": {{"id": "csat:2:{SURVEY_TOKEN}", "title": "2"}}}}}},
           {{"from": "420777123456", "id": "wamid.OTHER", "timestamp": "1700000102", "type": "interactive",
            "interactive": {{"type": "list_reply", "list_reply": {{"id": "size_m", "title": "M"}}}}}}"#
    ));
    let all = answers(&events);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].external_id, "wamid.PICK");
    assert_eq!(all[0].channel, "wa");
    assert_eq!(all[0].from.scope, "whatsapp");
    assert_eq!(all[0].from.external_id, "420777123456");
    assert_eq!(all[0].rating_and_token(), Some((4, SURVEY_TOKEN)));
    assert_eq!(all[0].at.map(|t| t.timestamp()), Some(1_700_000_100));
    assert_eq!(all[1].external_id, "wamid.BUTTON");
    assert_eq!(all[1].rating_and_token(), Some((2, SURVEY_TOKEN)));
    let rest = messages(&events);
    assert_eq!(rest.len(), 1, "only the pick of another list is a message");
    assert_eq!(rest[0].text, "M [choice size_m]");
}

#[test]
fn a_survey_quick_reply_is_an_answer_and_not_also_a_message() {
    for scope in ["messenger:PAGE", "instagram:IGID"] {
        let events = page(
            &format!(
                r#"{{"sender": {{"id": "PSID1"}}, "recipient": {{"id": "PAGE"}}, "timestamp": 1700000000000,
                    "message": {{"mid": "m_rate", "text": "5", "quick_reply": {{"payload": "csat:5:{SURVEY_TOKEN}"}}}}}},
                   {{"sender": {{"id": "PSID1"}}, "recipient": {{"id": "PAGE"}}, "timestamp": 1700000001000,
                    "message": {{"mid": "m_size", "text": "M", "quick_reply": {{"payload": "SIZE_M"}}}}}}"#
            ),
            scope,
        );
        let all = answers(&events);
        assert_eq!(all.len(), 1, "{scope}");
        assert_eq!(all[0].external_id, "m_rate");
        assert_eq!(all[0].from.scope, scope);
        assert_eq!(all[0].from.external_id, "PSID1");
        assert_eq!(all[0].rating_and_token(), Some((5, SURVEY_TOKEN)));
        let rest = messages(&events);
        assert_eq!(rest.len(), 1, "{scope}: the answer's \"5\" is not stored");
        assert_eq!(rest[0].text, "M [choice SIZE_M]");
    }
}
