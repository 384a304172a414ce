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
    assert_eq!(all.len(), 6);
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
    assert_eq!(all[5].text, "[reaction 👍 to wamid.OUT1]");
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
