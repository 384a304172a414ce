//! Store behaviour on every backend: the inbound write, contacts, conversations, outbox, events.

use connector_sdk::{InboundMessage, Sender};
use switchboard::domain::{ConversationStatus, EventId, Role};
use switchboard::store::{
    AssigneeFilter, Assignment, ContactPatch, ConversationFilter, ConversationPatch, Lane,
    NewAgent, NewContact, NewReply, OutboxState, PageRequest, ReplyAuthor, SendOutcome,
    StatusChange, Store, StoreError,
};

use crate::helpers::{TestApp, on_each_backend};

fn message(id: &str, from: &str, text: &str) -> InboundMessage {
    InboundMessage::text(
        "shop",
        id,
        Sender::new("webhook:shop", from).with_name("Ann"),
        text,
    )
}

#[tokio::test]
async fn inbound_message_creates_contact_conversation_and_events_once() {
    on_each_backend(|store| async move {
        let (receipts, events) = store
            .record_inbound(&[message("m1", "u1", "hello")])
            .await
            .expect("store");
        assert_eq!(receipts.len(), 1);
        assert!(!receipts[0].duplicate);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["contact.created", "conversation.created", "message.created"]
        );

        let (again, events) = store
            .record_inbound(&[
                message("m1", "u1", "hello"),
                message("m2", "u1", "are you there?"),
            ])
            .await
            .expect("store");
        assert!(again[0].duplicate);
        assert_eq!(again[0].message_id, receipts[0].message_id);
        assert!(!again[1].duplicate);
        assert_eq!(again[1].conversation_id, receipts[0].conversation_id);
        assert_eq!(events.len(), 1, "only the new message makes an event");
        assert_eq!(store.count_messages().await.expect("count"), 2);

        let conversation = store
            .get_conversation(switchboard::domain::ConversationId::new(
                receipts[0].conversation_id,
            ))
            .await
            .expect("conversation");
        assert_eq!(conversation.status, ConversationStatus::Open);
        assert_eq!(conversation.last_message.as_deref(), Some("are you there?"));
        assert!(conversation.waiting_since.is_some());
        let contact = store
            .get_contact(conversation.contact_id)
            .await
            .expect("contact");
        assert_eq!(contact.name.as_deref(), Some("Ann"));
        assert_eq!(contact.identities[0].scope, "webhook:shop");
    })
    .await;
}

#[tokio::test]
async fn a_duplicate_inside_one_batch_is_stored_once() {
    on_each_backend(|store| async move {
        let (receipts, _) = store
            .record_inbound(&[message("same", "u1", "a"), message("same", "u1", "a")])
            .await
            .expect("store");
        assert!(!receipts[0].duplicate);
        assert!(receipts[1].duplicate);
        assert_eq!(store.count_messages().await.expect("count"), 1);
    })
    .await;
}

#[tokio::test]
async fn a_new_message_reopens_a_resolved_conversation() {
    on_each_backend(|store| async move {
        let (receipts, _) = store
            .record_inbound(&[message("m1", "u1", "hi")])
            .await
            .expect("store");
        let id = switchboard::domain::ConversationId::new(receipts[0].conversation_id);
        let change = StatusChange {
            status: ConversationStatus::Resolved,
            snoozed_until: None,
        };
        let (resolved, _) = store
            .set_conversation_status(id, &change, None)
            .await
            .expect("resolve");
        assert_eq!(resolved.status, ConversationStatus::Resolved);
        assert!(resolved.resolved_at.is_some());

        let (receipts, events) = store
            .record_inbound(&[message("m2", "u1", "one more thing")])
            .await
            .expect("store");
        assert_eq!(
            receipts[0].conversation_id,
            id.get(),
            "same thread, same conversation"
        );
        assert!(
            events
                .iter()
                .any(|e| e.kind.as_str() == "conversation.status_changed")
        );
        let reopened = store.get_conversation(id).await.expect("get");
        assert_eq!(reopened.status, ConversationStatus::Open);
        assert_eq!(reopened.resolved_at, None);
    })
    .await;
}

#[tokio::test]
async fn senders_are_matched_across_channels_by_email() {
    on_each_backend(|store| async move {
        let mut first = message("m1", "u1", "from the shop");
        first.sender.email = Some("Ann@Example.com".into());
        let mut second = InboundMessage::text(
            "crm",
            "x1",
            Sender::new("webhook:crm", "42"),
            "from the crm",
        );
        second.sender.email = Some("ann@example.com".into());
        let (a, _) = store.record_inbound(&[first]).await.expect("store");
        let (b, _) = store.record_inbound(&[second]).await.expect("store");
        assert_ne!(
            a[0].conversation_id, b[0].conversation_id,
            "one conversation per channel"
        );
        let conversations = store
            .list_conversations(&ConversationFilter::default(), PageRequest::default())
            .await
            .expect("list");
        let contacts: std::collections::HashSet<_> =
            conversations.items.iter().map(|c| c.contact_id).collect();
        assert_eq!(contacts.len(), 1, "the same person is one contact");
    })
    .await;
}

/// First contacts are written for the whole batch at once; a sender must still find what an
/// earlier sender of the same batch will be known by (an email, a phone, its own identity on
/// another channel) and a contact stored before, as if each had been written alone.
#[tokio::test]
async fn first_contacts_of_one_batch_find_each_other_and_stored_contacts() {
    on_each_backend(|store| async move {
        let known = InboundMessage::text(
            "crm",
            "k1",
            Sender::new("webhook:crm", "k").with_email("known@example.cz"),
            "stored before",
        );
        let (stored, _) = store.record_inbound(&[known]).await.expect("store");

        let shop = |id: &str, from: &str| message(id, from, "hello");
        let mut batch = vec![
            shop("b0", "a1"),
            shop("b1", "a2"),
            shop("b2", "a3"),
            shop("b3", "a4"),
            InboundMessage::text(
                "sms",
                "b4",
                Sender::new("phone", "+420777000111").with_phone("+420777000111"),
                "by text",
            ),
            shop("b5", "a5"),
            shop("b6", "a1"),
        ];
        batch[0].sender.email = Some("Pat@Example.com".into());
        batch[1].sender.email = Some(" pat@example.com".into());
        batch[2].sender.email = Some("KNOWN@example.cz".into());
        batch[3].sender.phone = Some("+420777000111".into());
        let (receipts, events) = store.record_inbound(&batch).await.expect("store");
        assert!(receipts.iter().all(|receipt| !receipt.duplicate));

        let mut contacts = Vec::new();
        for receipt in receipts.iter().chain(&stored) {
            let id = switchboard::domain::ConversationId::new(receipt.conversation_id);
            let conversation = store.get_conversation(id).await.expect("conversation");
            contacts.push(conversation.contact_id);
        }
        let known = contacts[7];
        assert_eq!(contacts[0], contacts[1], "the same email, one contact");
        assert_eq!(contacts[0], contacts[6], "the same sender again");
        assert_eq!(contacts[2], known, "an email stored before");
        assert_eq!(
            contacts[3], contacts[4],
            "a phone, then that phone's own channel"
        );
        let distinct: std::collections::HashSet<_> = contacts.iter().collect();
        assert_eq!(distinct.len(), 4, "{contacts:?}");
        let created = events
            .iter()
            .filter(|event| event.kind.as_str() == "contact.created")
            .count();
        assert_eq!(created, 3, "one event per contact made");

        let pat = store.get_contact(contacts[0]).await.expect("contact");
        let mut identities: Vec<(String, String)> = pat
            .identities
            .iter()
            .map(|identity| (identity.scope.clone(), identity.external_id.clone()))
            .collect();
        identities.sort();
        let expected = [
            ("email", "pat@example.com"),
            ("webhook:shop", "a1"),
            ("webhook:shop", "a2"),
        ]
        .map(|(scope, id)| (scope.to_owned(), id.to_owned()));
        assert_eq!(identities, expected);
        let by_phone = store.get_contact(contacts[3]).await.expect("contact");
        assert_eq!(by_phone.identities.len(), 2, "{:?}", by_phone.identities);
        let known_contact = store.get_contact(known).await.expect("contact");
        assert_eq!(
            known_contact.identities.len(),
            3,
            "the stored contact gains the new sender's identity: {:?}",
            known_contact.identities
        );

        // What the batch recorded finds the same person later, on yet another channel.
        let later = InboundMessage::text(
            "crm",
            "c1",
            Sender::new("webhook:crm", "99").with_email("pat@example.com"),
            "again",
        );
        let (later, _) = store.record_inbound(&[later]).await.expect("store");
        let id = switchboard::domain::ConversationId::new(later[0].conversation_id);
        let conversation = store.get_conversation(id).await.expect("conversation");
        assert_eq!(conversation.contact_id, contacts[0]);
    })
    .await;
}

/// The thread keys a search finds, in the order of the list.
async fn found(store: &Store, text: &str, limit: i64) -> Vec<String> {
    let filter = ConversationFilter {
        text: Some(text.into()),
        ..Default::default()
    };
    let page = store
        .list_conversations(&filter, PageRequest::first(limit))
        .await
        .unwrap_or_else(|err| panic!("search {text:?}: {err}"));
    page.items.into_iter().map(|c| c.thread_key).collect()
}

#[tokio::test]
async fn search_folds_case_and_diacritics_and_takes_the_last_word_as_a_prefix_on_both_databases() {
    on_each_backend(|store| async move {
        let texts = [
            ("a", "Objednávka číslo 4521 ještě nedorazila"),
            ("b", "OBJEDNAVKA 77 zrušena"),
            ("c", "Where is my order?"),
            (
                "d",
                "Ordinary question about the e-mail jan.novak@example.com",
            ),
            ("e", "Žluťoučký kůň úpěl ďábelské ódy"),
        ];
        for (key, text) in texts {
            store
                .record_inbound(&[message(&format!("m-{key}"), key, text)])
                .await
                .expect("store");
        }
        let sorted = |mut keys: Vec<String>| {
            keys.sort();
            keys
        };
        for (query, expected) in [
            ("objednavka", &["a", "b"][..]),
            ("Objednávka", &["a", "b"]),
            ("OBJEDNÁVKA číslo", &["a"]),
            ("cislo objedn", &["a"]),
            // Only the last word is a prefix.
            ("objedn cislo", &[]),
            ("ord", &["c", "d"]),
            // Two letters match whole words only.
            ("or", &[]),
            ("nedorazila JEŠTĚ", &["a"]),
            ("zrusena", &["b"]),
            ("zlutoucky kun upel dabelske ody", &["e"]),
            ("ŽLUŤOUČKÝ", &["e"]),
            ("e-mail", &["d"]),
            ("novak", &["d"]),
            ("jan.novak@example.com", &["d"]),
            ("\"parcel AND (", &[]),
        ] {
            assert_eq!(
                sorted(found(&store, query, 50).await),
                expected.to_vec(),
                "search {query:?}"
            );
        }
    })
    .await;
}

/// A word in many messages is searched by walking the inbox rather than collecting every
/// match (see `store::sql::search`; on SQLite a sieve, the matches gathered once and each
/// conversation's messages looked up among them): the page must be the same as collecting
/// would give.
#[tokio::test]
async fn a_common_word_pages_in_inbox_order() {
    on_each_backend(|store| async move {
        // More matching messages than the collecting plan takes, between others.
        let batch: Vec<InboundMessage> = (0..6_300)
            .map(|i| {
                let text = if i % 3 == 0 {
                    "weekly status report".to_owned()
                } else {
                    format!("routine update {i}")
                };
                message(&format!("w{i}"), &format!("t{i}"), &text)
            })
            .collect();
        store.record_inbound(&batch).await.expect("store");
        // An early conversation with the word becomes the most recently active.
        store
            .record_inbound(&[message("late", "t1", "thanks")])
            .await
            .expect("store");
        let everything = store
            .list_conversations(&ConversationFilter::default(), PageRequest::first(100))
            .await
            .expect("list");
        let expected: Vec<String> = everything
            .items
            .into_iter()
            .filter(|c| {
                let i: usize = c.thread_key[1..].parse().expect("t<i>");
                !i.is_multiple_of(3)
            })
            .map(|c| c.thread_key)
            .take(20)
            .collect();
        assert_eq!(expected.first().map(String::as_str), Some("t1"));
        assert_eq!(found(&store, "routine", 20).await, expected);
        assert_eq!(found(&store, "routine upd", 20).await, expected);
    })
    .await;
}

/// Every page of a search, followed by its cursor, in the order of the list.
async fn found_by_pages(store: &Store, text: &str, limit: i64) -> Vec<String> {
    let filter = ConversationFilter {
        text: Some(text.into()),
        ..Default::default()
    };
    let mut keys = Vec::new();
    let mut page_request = PageRequest::first(limit);
    loop {
        let page = store
            .list_conversations(&filter, page_request.clone())
            .await
            .unwrap_or_else(|err| panic!("search {text:?}: {err}"));
        keys.extend(page.items.into_iter().map(|c| c.thread_key));
        match page.next_cursor {
            Some(cursor) => page_request.cursor = Some(cursor),
            None => return keys,
        }
    }
}

/// Once PostgreSQL has statistics of the words, a search whose words they show to be rare
/// collects its matches instead of walking the inbox (see `store::sql::search`): the same
/// searches must find the same conversations in the same order before and after.
#[tokio::test]
async fn searches_find_the_same_once_the_words_have_statistics() {
    on_each_backend(|store| async move {
        let batch: Vec<InboundMessage> = (0..180)
            .map(|i| {
                let rare = match i % 37 {
                    5 => " zřídkavý",
                    11 => " zřídkakdy",
                    _ => "",
                };
                message(
                    &format!("s{i}"),
                    &format!("t{i}"),
                    &format!("routine update {i}{rare}"),
                )
            })
            .collect();
        store.record_inbound(&batch).await.expect("store");
        // An early match becomes the most recently active with a message that does not match.
        store
            .record_inbound(&[message("late", "t5", "thanks")])
            .await
            .expect("store");
        let everything = store
            .list_conversations(&ConversationFilter::default(), PageRequest::first(200))
            .await
            .expect("list");
        let keys: Vec<String> = everything.items.into_iter().map(|c| c.thread_key).collect();
        assert_eq!(keys.len(), 180);
        let with = |remainders: &[usize]| -> Vec<String> {
            keys.iter()
                .filter(|key| {
                    let i: usize = key[1..].parse().expect("t<i>");
                    remainders.contains(&(i % 37))
                })
                .cloned()
                .collect()
        };
        let searches = [
            ("zridkavy", with(&[5])),
            ("zřídk", with(&[5, 11])),
            ("routine zridka", with(&[5, 11])),
            // A rare whole word is looked up alone, the others checked message by message.
            ("116 zřídk", vec!["t116".to_owned()]),
            ("117 zřídk", Vec::new()),
            ("update 117", vec!["t117".to_owned()]),
            ("routine", keys.clone()),
            ("nowhere", Vec::new()),
        ];
        assert_eq!(searches[1].1.first().map(String::as_str), Some("t5"));
        for settled in [false, true] {
            if settled {
                store.settle_after_seeding().await.expect("statistics");
            }
            for (query, expected) in &searches {
                assert_eq!(
                    &found_by_pages(&store, query, 3).await,
                    expected,
                    "search {query:?}, statistics gathered: {settled}"
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn conversation_list_filters_searches_and_pages() {
    on_each_backend(|store| async move {
        for i in 0..5 {
            let text = if i == 3 {
                "my parcel never arrived"
            } else {
                "hello there"
            };
            store
                .record_inbound(&[message(&format!("m{i}"), &format!("u{i}"), text)])
                .await
                .expect("store");
        }
        let page = store
            .list_conversations(&ConversationFilter::default(), PageRequest::first(2))
            .await
            .expect("page 1");
        assert_eq!(page.items.len(), 2);
        let mut seen: Vec<_> = page.items.iter().map(|c| c.id).collect();
        let mut cursor = page.next_cursor;
        while let Some(next) = cursor {
            let page = store
                .list_conversations(
                    &ConversationFilter::default(),
                    PageRequest {
                        cursor: Some(next),
                        limit: Some(2),
                    },
                )
                .await
                .expect("next page");
            seen.extend(page.items.iter().map(|c| c.id));
            cursor = page.next_cursor;
        }
        assert_eq!(seen.len(), 5);
        seen.dedup();
        assert_eq!(seen.len(), 5, "pages do not overlap");

        let search = ConversationFilter {
            text: Some("parcel".into()),
            ..Default::default()
        };
        let found = store
            .list_conversations(&search, PageRequest::default())
            .await
            .expect("search");
        assert_eq!(found.items.len(), 1);
        assert_eq!(found.items[0].thread_key, "u3");
        // Search syntax in user input is taken literally, never an error.
        let odd = ConversationFilter {
            text: Some("\"parcel AND (".into()),
            ..Default::default()
        };
        store
            .list_conversations(&odd, PageRequest::default())
            .await
            .expect("odd search");

        let agent = store
            .create_agent(&NewAgent {
                name: "Bo".into(),
                email: "bo@example.com".into(),
                role: Role::Agent,
                capacity: 5,
            })
            .await
            .expect("agent");
        let target = found.items[0].id;
        store
            .assign_conversation(
                target,
                &Assignment {
                    agent: Some(agent.id),
                    team: None,
                },
                None,
            )
            .await
            .expect("assign");
        store
            .update_conversation(
                target,
                &ConversationPatch {
                    labels: Some(vec!["vip".into()]),
                    priority: None,
                },
                None,
            )
            .await
            .expect("label");
        let mine = ConversationFilter {
            assignee: Some(AssigneeFilter::Agent(agent.id)),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_conversations(&mine, PageRequest::default())
                .await
                .expect("mine")
                .items
                .len(),
            1
        );
        let unassigned = ConversationFilter {
            assignee: Some(AssigneeFilter::Unassigned),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_conversations(&unassigned, PageRequest::default())
                .await
                .expect("queue")
                .items
                .len(),
            4
        );
        let vip = ConversationFilter {
            label: Some("vip".into()),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_conversations(&vip, PageRequest::default())
                .await
                .expect("vip")
                .items[0]
                .id,
            target
        );
        let bad = store
            .list_conversations(
                &ConversationFilter::default(),
                PageRequest {
                    cursor: Some("junk".into()),
                    limit: None,
                },
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));
    })
    .await;
}

#[tokio::test]
async fn contacts_are_created_updated_and_searched() {
    on_each_backend(|store| async move {
        let mut attributes = serde_json::Map::new();
        attributes.insert("plan".into(), "gold".into());
        let (contact, _) = store
            .create_contact(&NewContact {
                name: Some("Jana Nováková".into()),
                email: Some("jana@example.cz".into()),
                phone: Some("+420 777 123 456".into()),
                attributes,
                tags: vec!["vip".into()],
                identities: vec![],
            })
            .await
            .expect("create");
        assert_eq!(
            contact.identities.len(),
            2,
            "email and phone become identities"
        );
        let duplicate = store
            .create_contact(&NewContact {
                email: Some("JANA@example.cz".into()),
                ..Default::default()
            })
            .await;
        assert!(
            matches!(duplicate, Err(StoreError::Conflict { .. })),
            "{duplicate:?}"
        );

        let mut change = serde_json::Map::new();
        change.insert("plan".into(), serde_json::Value::Null);
        change.insert("city".into(), "Brno".into());
        let (updated, _) = store
            .update_contact(
                contact.id,
                &ContactPatch {
                    name: Some(None),
                    attributes: Some(change),
                    tags: Some(vec![]),
                    ..Default::default()
                },
            )
            .await
            .expect("update");
        assert_eq!(updated.name, None);
        assert_eq!(
            updated.attributes.get("city").and_then(|v| v.as_str()),
            Some("Brno")
        );
        assert!(!updated.attributes.contains_key("plan"));
        assert!(updated.tags.is_empty());

        let found = store
            .search_contacts(
                Some("EXAMPLE.cz"),
                PageRequest::default(),
                &Default::default(),
            )
            .await
            .expect("search");
        assert_eq!(found.items.len(), 1);
        let none = store
            .search_contacts(Some("100%_"), PageRequest::default(), &Default::default())
            .await
            .expect("search");
        assert!(none.items.is_empty(), "LIKE wildcards in input are literal");
    })
    .await;
}

#[tokio::test]
async fn replies_go_through_the_outbox_with_leases_and_outcomes() {
    on_each_backend(|store| async move {
        let (receipts, _) = store
            .record_inbound(&[message("m1", "u1", "hi")])
            .await
            .expect("store");
        let conversation = switchboard::domain::ConversationId::new(receipts[0].conversation_id);
        let reply = NewReply {
            conversation,
            author: ReplyAuthor::Bot,
            text: "hello!".into(),
            html: None,
            markup: None,
            attachments: vec![],
            template: None,
            lane: Lane::Reply,
            written_as: None,
        };
        let (message, _) = store.add_reply(&reply).await.expect("reply");
        assert_eq!(message.delivery_status.map(|s| s.as_str()), Some("queued"));

        let lease = std::time::Duration::from_secs(60);
        let jobs = store.claim_outbox("w1", lease, 10).await.expect("claim");
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].recipient.external_id, "u1");
        assert_eq!(jobs[0].in_reply_to.as_deref(), Some("m1"));
        assert!(
            store
                .claim_outbox("w2", lease, 10)
                .await
                .expect("claim")
                .is_empty(),
            "leased jobs are not claimed twice"
        );

        let later = chrono::Utc::now() + chrono::Duration::hours(1);
        store
            .finish_outbox(
                &jobs[0],
                &SendOutcome::Retry {
                    at: later,
                    error: "down".into(),
                },
            )
            .await
            .expect("retry");
        assert!(
            store
                .claim_outbox("w1", lease, 10)
                .await
                .expect("claim")
                .is_empty(),
            "not due yet"
        );

        store
            .finish_outbox(
                &jobs[0],
                &SendOutcome::Failed {
                    error: "no such user".into(),
                    dead: true,
                },
            )
            .await
            .expect("dead");
        let dead = store
            .list_deliveries(
                Some(OutboxState::Dead),
                PageRequest::default(),
                &Default::default(),
            )
            .await
            .expect("list");
        assert_eq!(dead.items.len(), 1);
        assert_eq!(dead.items[0].last_error.as_deref(), Some("no such user"));

        let (again, _) = store.retry_message(message.id).await.expect("retry");
        assert_eq!(again.delivery_status.map(|s| s.as_str()), Some("queued"));
        let jobs = store.claim_outbox("w1", lease, 10).await.expect("claim");
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].attempts, 0, "a manual retry has a fresh budget");
        store
            .finish_outbox(
                &jobs[0],
                &SendOutcome::Sent {
                    external_id: Some("x-1".into()),
                },
            )
            .await
            .expect("sent");
        let sent = store.get_message(message.id).await.expect("message");
        assert_eq!(sent.external_id.as_deref(), Some("x-1"));
        assert_eq!(sent.delivery_status.map(|s| s.as_str()), Some("sent"));
        assert!(matches!(
            store.retry_message(message.id).await,
            Err(StoreError::Invalid(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn the_event_log_reads_in_order_from_any_point() {
    on_each_backend(|store| async move {
        let (_, events) = store
            .record_inbound(&[message("m1", "u1", "hi")])
            .await
            .expect("store");
        let listed = store.list_events(EventId::new(0), 100).await.expect("list");
        assert_eq!(listed, events);
        let after_first = store.list_events(events[0].id, 100).await.expect("list");
        assert_eq!(after_first.len(), events.len() - 1);
    })
    .await;
}

#[tokio::test]
async fn a_mixed_batch_is_threaded_like_single_messages() {
    on_each_backend(|store| async move {
        let (first, _) = store
            .record_inbound(&[message("old", "u1", "earlier")])
            .await
            .expect("store");
        let conversation = switchboard::domain::ConversationId::new(first[0].conversation_id);
        let resolve = StatusChange {
            status: ConversationStatus::Resolved,
            snoozed_until: None,
        };
        store
            .set_conversation_status(conversation, &resolve, None)
            .await
            .expect("resolve");

        let other_channel = InboundMessage::text(
            "crm",
            "old",
            Sender::new("webhook:crm", "u1"),
            "same id, other channel",
        );
        let batch = [
            message("old", "u1", "redelivered"), // stored before
            message("n1", "u1", "back again"),   // known sender, resolved conversation
            message("n2", "u2", "first time"),   // new sender
            message("n3", "u2", "second time"),  // sender created earlier in this batch
            message("n2", "u2", "first time"),   // repeat inside the batch
            other_channel,                       // same external id on another channel
        ];
        let (receipts, events) = store.record_inbound(&batch).await.expect("store");
        let duplicates: Vec<bool> = receipts.iter().map(|r| r.duplicate).collect();
        assert_eq!(duplicates, [true, false, false, false, true, false]);
        assert_eq!(receipts[0].message_id, first[0].message_id);
        assert_eq!(
            receipts[1].conversation_id,
            conversation.get(),
            "reopened, not a new conversation"
        );
        assert_eq!(receipts[2].conversation_id, receipts[3].conversation_id);
        assert_eq!(receipts[4].message_id, receipts[2].message_id);
        assert_ne!(receipts[5].conversation_id, receipts[1].conversation_id);
        let count = |kind: &str| events.iter().filter(|e| e.kind.as_str() == kind).count();
        assert_eq!(count("message.created"), 4);
        assert_eq!(count("conversation.created"), 2);
        assert_eq!(count("contact.created"), 2);
        assert_eq!(count("conversation.status_changed"), 1);
        let ids: Vec<_> = events.iter().map(|e| e.id).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "events come back in log order"
        );

        let reopened = store.get_conversation(conversation).await.expect("get");
        assert_eq!(reopened.status, ConversationStatus::Open);
        assert_eq!(reopened.last_message.as_deref(), Some("back again"));
        assert_eq!(store.count_messages().await.expect("count"), 5);
    })
    .await;
}

/// What a refused duplicate tells an API client: 409 with our own words, never the
/// database's (constraint names, SQL, driver text), on whichever backend the app runs.
#[tokio::test]
async fn duplicates_are_refused_in_our_words() {
    let app = TestApp::spawn().await;
    let refused = |response: reqwest::Response| async move {
        let status = response.status();
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"]["code"], "conflict");
        let message = body["error"]["message"]
            .as_str()
            .expect("message")
            .to_owned();
        for leak in [
            "UNIQUE",
            "unique",
            "duplicate key",
            "constraint",
            "_key",
            "agents.",
        ] {
            assert!(!message.contains(leak), "{message:?} leaks {leak:?}");
        }
        message
    };
    let agent = serde_json::json!({"name": "Eva", "email": "eva@example.com", "role": "agent"});
    let created = app.post_json("/api/v1/agents", agent.clone()).await;
    assert_eq!(created.status(), 201);
    let again = serde_json::json!({"name": "Eva", "email": "EVA@example.com", "role": "agent"});
    let message = refused(app.post_json("/api/v1/agents", again).await).await;
    assert_eq!(message, "email: another agent has this address");

    let team = serde_json::json!({"name": "Billing", "members": []});
    assert_eq!(
        app.post_json("/api/v1/teams", team.clone()).await.status(),
        201
    );
    let message = refused(app.post_json("/api/v1/teams", team).await).await;
    assert_eq!(message, "name: another team has this name");

    let contact = serde_json::json!({"email": "jana@example.com"});
    assert_eq!(
        app.post_json("/api/v1/contacts", contact).await.status(),
        201
    );
    let twin = serde_json::json!({"email": "JANA@example.com"});
    let message = refused(app.post_json("/api/v1/contacts", twin).await).await;
    assert!(message.contains("another contact"), "{message}");

    let segment = serde_json::json!({"name": "VIP", "filter": {"op": "everyone"}});
    assert_eq!(
        app.post_json("/api/v1/segments", segment.clone())
            .await
            .status(),
        201
    );
    refused(app.post_json("/api/v1/segments", segment).await).await;
    app.stop().await;
}

/// SQLite's log is copied into the database file by the store's own task: pooled connections
/// never checkpoint inside a commit (whose callers would wait for it), yet the log does not
/// pile up.
#[tokio::test]
async fn the_sqlite_log_is_copied_back_while_the_store_runs() {
    let db = crate::helpers::TestDb::new(switchboard::store::Backend::Sqlite).await;
    let store = db.store().await;
    let file = std::path::PathBuf::from(db.url.trim_start_matches("sqlite://"));
    let size = |path: &std::path::Path| std::fs::metadata(path).map_or(0, |meta| meta.len());
    let before = size(&file);
    let long_text = "lorem ipsum dolor sit amet ".repeat(40);
    let batch: Vec<InboundMessage> = (0..3_000)
        .map(|i| message(&format!("log{i}"), &format!("log-sender{i}"), &long_text))
        .collect();
    store.record_inbound(&batch).await.expect("store");
    // Several MB went into the log; the database file grows only as they are copied back.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while size(&file) < before + 2_000_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the log was not copied back: file {} bytes, log {} bytes",
            size(&file),
            size(&file.with_extension("db-wal"))
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    store.close().await;
    db.cleanup().await;
}

/// FTS5 writes each commit's words as a segment of their own; the store's upkeep merges them
/// so that searches do not look in dozens of segments.
#[tokio::test]
async fn the_sqlite_search_index_is_merged_while_the_store_runs() {
    use sqlx::Connection;
    let db = crate::helpers::TestDb::new(switchboard::store::Backend::Sqlite).await;
    let store = db.store().await;
    for i in 0..40 {
        store
            .record_inbound(&[message(
                &format!("seg{i}"),
                &format!("seg-sender{i}"),
                "parcel late",
            )])
            .await
            .expect("store");
    }
    let mut raw = sqlx::SqliteConnection::connect(&db.url)
        .await
        .expect("connect");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let segments: i64 =
            sqlx::query_scalar("SELECT count(DISTINCT segid) FROM messages_fts_idx")
                .fetch_one(&mut raw)
                .await
                .expect("segments");
        if segments == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the search index is still {segments} segments"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let found = found(&store, "parcel", 50).await;
    assert_eq!(found.len(), 40);
    raw.close().await.expect("close");
    store.close().await;
    db.cleanup().await;
}
