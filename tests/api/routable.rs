//! Who may be given conversations: the router routes to agents and to admins who opted in
//! (`takes_conversations`), never to marketers, and no manual path assigns one to a marketer.
//! Store tests run on every backend.

use connector_sdk::{InboundMessage, Sender};
use serde_json::{Value, json};
use switchboard::domain::{AgentId, ConversationId, Role, RoutingPolicy, RoutingRules};
use switchboard::store::{AgentPatch, Assignment, NewAgent, Store, StoreError};

use crate::helpers::{TestApp, hook_body, on_each_backend, rand_suffix};

async fn person(store: &Store, name: &str, role: Role, capacity: i64) -> AgentId {
    store
        .create_agent(&NewAgent {
            name: name.into(),
            email: format!("{name}@example.com"),
            role,
            capacity,
        })
        .await
        .expect("agent")
        .id
}

async fn arrive(store: &Store, prefix: &str, n: usize) -> Vec<ConversationId> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let message = InboundMessage::text(
            "shop",
            format!("{prefix}-m{i}"),
            Sender::new("webhook:shop", format!("{prefix}-{i}")),
            "hello",
        );
        let (receipts, _) = store.record_inbound(&[message]).await.expect("inbound");
        ids.push(ConversationId::new(receipts[0].conversation_id));
    }
    ids
}

async fn route(store: &Store, policy: RoutingPolicy) -> Vec<(ConversationId, AgentId)> {
    store
        .assign_waiting(&RoutingRules::uniform(policy), 100)
        .await
        .expect("route")
        .0
}

#[tokio::test]
async fn only_agents_and_admins_who_opted_in_are_routed() {
    on_each_backend(|store| async move {
        // Everyone is online with room (the defaults), the marketer most of all.
        let marketer = person(&store, "marketer", Role::Marketer, 100).await;
        let admin = person(&store, "admin", Role::Admin, 100).await;
        let agent = person(&store, "agent", Role::Agent, 1).await;
        let ids = arrive(&store, "who", 3).await;

        let assigned = route(&store, RoutingPolicy::LeastLoaded).await;
        assert_eq!(assigned, [(ids[0], agent)], "only the agent is routable");
        assert!(route(&store, RoutingPolicy::RoundRobin).await.is_empty());

        // An admin who opts in takes conversations like an agent; the marketer still none.
        let opted = store
            .update_agent(
                admin,
                &AgentPatch {
                    takes_conversations: Some(true),
                    ..AgentPatch::default()
                },
            )
            .await
            .expect("opt in");
        assert!(opted.is_routable());
        let assigned = route(&store, RoutingPolicy::RoundRobin).await;
        assert_eq!(assigned, [(ids[1], admin), (ids[2], admin)]);
        assert!(
            !store
                .get_agent(marketer)
                .await
                .expect("marketer")
                .is_routable()
        );
    })
    .await;
}

#[tokio::test]
async fn sticky_routing_skips_a_previous_agent_who_became_a_marketer() {
    on_each_backend(|store| async move {
        let former = person(&store, "former", Role::Agent, 10).await;
        let first = arrive(&store, "sticky", 1).await[0];
        assert_eq!(
            route(&store, RoutingPolicy::Sticky).await,
            [(first, former)]
        );
        store
            .update_agent(
                former,
                &AgentPatch {
                    role: Some(Role::Marketer),
                    ..AgentPatch::default()
                },
            )
            .await
            .expect("now a marketer");
        let other = person(&store, "other", Role::Agent, 10).await;
        // The same contact opens a second conversation, in another thread.
        let message = InboundMessage::text(
            "shop",
            "sticky-again",
            Sender::new("webhook:shop", "sticky-0"),
            "me again",
        )
        .in_thread("second");
        let (receipts, _) = store.record_inbound(&[message]).await.expect("inbound");
        let second = ConversationId::new(receipts[0].conversation_id);
        assert_ne!(second, first);
        assert_eq!(
            route(&store, RoutingPolicy::Sticky).await,
            [(second, other)],
            "the sticky fallback, not the previous agent who is now a marketer"
        );
    })
    .await;
}

#[tokio::test]
async fn a_conversation_cannot_be_assigned_or_taken_by_a_marketer() {
    on_each_backend(|store| async move {
        let marketer = person(&store, "marketer", Role::Marketer, 10).await;
        let admin = person(&store, "admin", Role::Admin, 10).await;
        let id = arrive(&store, "manual", 1).await[0];
        let refused = store
            .assign_conversation(
                id,
                &Assignment {
                    agent: Some(marketer),
                    team: None,
                },
                None,
            )
            .await
            .expect_err("marketer");
        assert!(
            matches!(&refused, StoreError::Invalid(message) if message.contains("marketer")),
            "{refused:?}"
        );
        let refused = store
            .take_conversation(id, marketer)
            .await
            .expect_err("marketer");
        assert!(matches!(refused, StoreError::Invalid(_)), "{refused:?}");
        // An admin may still be given one by hand, opted in to routing or not.
        let (conversation, _) = store
            .assign_conversation(
                id,
                &Assignment {
                    agent: Some(admin),
                    team: None,
                },
                None,
            )
            .await
            .expect("admin");
        assert_eq!(conversation.assignee_id, Some(admin));
    })
    .await;
}

#[tokio::test]
async fn the_assign_api_refuses_a_marketer_with_422() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/agents",
            json!({"name": "Mark", "email": format!("mark-{}@example.com", rand_suffix()), "role": "marketer"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let marketer: Value = response.json().await.expect("json");
    assert_eq!(
        app.post_hook(&hook_body("m1", "c1", "hello"))
            .await
            .status(),
        200
    );
    let conversation = app.get_json("/api/v1/conversations").await["items"][0]["id"]
        .as_i64()
        .expect("conversation");
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{conversation}/assign"),
            json!({"agent_id": marketer["id"]}),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "invalid");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("marketer")),
        "{body}"
    );
    let view = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(view["assignee_id"], Value::Null, "nothing was written");

    // The bootstrap admin has not opted in: the router leaves the conversation waiting.
    assert_eq!(app.router.run_once().await.expect("route"), 0);
}
