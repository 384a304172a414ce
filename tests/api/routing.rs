//! Automatic assignment: policies, capacity, availability, queue order, freed capacity, and
//! the concurrency proof that capacity holds under parallel routers. Store tests run on every
//! backend; app tests drive the router with `run_once`.

use std::collections::HashMap;

use connector_sdk::{InboundMessage, Sender};
use serde_json::Value;
use switchboard::domain::{
    AgentId, Availability, ConversationId, ConversationStatus, Priority, Role, RoutingPolicy,
    RoutingRules, RoutingScope, TeamId,
};
use switchboard::store::{
    AgentPatch, AssigneeFilter, Assignment, ConversationFilter, ConversationPatch, NewAgent,
    PageRequest, StatusChange, Store, StoreError,
};

use crate::helpers::{TestApp, hook_body, on_each_backend, rand_suffix};

fn message(id: &str, from: &str) -> InboundMessage {
    InboundMessage::text(
        "shop",
        id,
        Sender::new("webhook:shop", from).with_name("Ann"),
        "hello",
    )
}

/// Opens one conversation per sender `prefix-0 … prefix-(n-1)`, in that order.
async fn arrive(store: &Store, prefix: &str, n: usize) -> Vec<ConversationId> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let (receipts, _) = store
            .record_inbound(&[message(&format!("{prefix}-m{i}"), &format!("{prefix}-{i}"))])
            .await
            .expect("inbound");
        ids.push(ConversationId::new(receipts[0].conversation_id));
    }
    ids
}

/// `[routing]` as it comes out of the box: least loaded everywhere.
fn default_rules() -> RoutingRules {
    RoutingRules::uniform(RoutingPolicy::LeastLoaded)
}

async fn agent(store: &Store, name: &str, capacity: i64) -> AgentId {
    store
        .create_agent(&NewAgent {
            name: name.into(),
            email: format!("{name}@example.com"),
            role: Role::Agent,
            capacity,
        })
        .await
        .expect("agent")
        .id
}

/// Open or pending conversations held by `agent`, read back from the database.
async fn load(store: &Store, agent: AgentId) -> usize {
    let mut count = 0;
    let mut cursor = None;
    loop {
        let page = store
            .list_conversations(
                &ConversationFilter {
                    assignee: Some(AssigneeFilter::Agent(agent)),
                    ..ConversationFilter::default()
                },
                PageRequest {
                    cursor,
                    limit: Some(200),
                },
            )
            .await
            .expect("list");
        count += page
            .items
            .iter()
            .filter(|c| {
                matches!(
                    c.status,
                    ConversationStatus::Open | ConversationStatus::Pending
                )
            })
            .count();
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return count,
        }
    }
}

async fn assign_all(store: &Store, policy: RoutingPolicy) -> Vec<(ConversationId, AgentId)> {
    let (assigned, events) = store
        .assign_waiting(&RoutingRules::uniform(policy), 1000)
        .await
        .expect("assign");
    assert_eq!(events.len(), assigned.len(), "one event per assignment");
    assert!(
        events
            .iter()
            .all(|e| e.kind.as_str() == "conversation.assigned")
    );
    assigned
}

#[tokio::test]
async fn least_loaded_spreads_work_and_respects_capacity() {
    on_each_backend(|store| async move {
        let small = agent(&store, "small", 1).await;
        let large = agent(&store, "large", 3).await;
        let ids = arrive(&store, "u", 6).await;

        let assigned = assign_all(&store, RoutingPolicy::LeastLoaded).await;
        assert_eq!(assigned.len(), 4, "only 1 + 3 places");
        assert_eq!(load(&store, small).await, 1);
        assert_eq!(load(&store, large).await, 3);
        // First come, first served: the two latest wait, in arrival order.
        let queue: Vec<ConversationId> = store
            .list_queue(&default_rules(), 10, &Default::default())
            .await
            .expect("queue")
            .iter()
            .map(|c| c.conversation.id)
            .collect();
        assert_eq!(queue, ids[4..]);
        assert!(
            assign_all(&store, RoutingPolicy::LeastLoaded)
                .await
                .is_empty()
        );

        // With room everywhere, the emptiest agent gets the next one.
        store
            .update_agent(
                small,
                &AgentPatch {
                    capacity: Some(10),
                    ..AgentPatch::default()
                },
            )
            .await
            .expect("capacity");
        let assigned = assign_all(&store, RoutingPolicy::LeastLoaded).await;
        assert_eq!(assigned, [(ids[4], small), (ids[5], small)]);
    })
    .await;
}

#[tokio::test]
async fn round_robin_rotates_across_runs() {
    on_each_backend(|store| async move {
        let a = agent(&store, "a", 10).await;
        let b = agent(&store, "b", 10).await;
        let c = agent(&store, "c", 10).await;
        arrive(&store, "first", 4).await;
        let first: Vec<AgentId> = assign_all(&store, RoutingPolicy::RoundRobin)
            .await
            .into_iter()
            .map(|(_, agent)| agent)
            .collect();
        assert_eq!(first, [a, b, c, a]);
        arrive(&store, "second", 2).await;
        let second: Vec<AgentId> = assign_all(&store, RoutingPolicy::RoundRobin)
            .await
            .into_iter()
            .map(|(_, agent)| agent)
            .collect();
        assert_eq!(second, [b, c], "the rotation continues where it stopped");
    })
    .await;
}

#[tokio::test]
async fn only_online_agents_get_work_and_manual_assigns_nothing() {
    on_each_backend(|store| async move {
        let away = agent(&store, "away", 10).await;
        let busy = agent(&store, "busy", 10).await;
        for (id, availability) in [(away, Availability::Offline), (busy, Availability::Busy)] {
            store
                .update_agent(
                    id,
                    &AgentPatch {
                        availability: Some(availability),
                        ..AgentPatch::default()
                    },
                )
                .await
                .expect("availability");
        }
        arrive(&store, "u", 3).await;
        assert!(
            assign_all(&store, RoutingPolicy::LeastLoaded)
                .await
                .is_empty()
        );
        assert!(
            assign_all(&store, RoutingPolicy::RoundRobin)
                .await
                .is_empty()
        );
        assert_eq!(
            store
                .list_queue(&default_rules(), 10, &Default::default())
                .await
                .expect("queue")
                .len(),
            3
        );

        store
            .update_agent(
                away,
                &AgentPatch {
                    availability: Some(Availability::Online),
                    ..AgentPatch::default()
                },
            )
            .await
            .expect("online");
        assert!(assign_all(&store, RoutingPolicy::Manual).await.is_empty());
        let assigned = assign_all(&store, RoutingPolicy::LeastLoaded).await;
        assert_eq!(assigned.len(), 3);
        assert!(assigned.iter().all(|(_, agent)| *agent == away));
        assert_eq!(load(&store, busy).await, 0);
    })
    .await;
}

#[tokio::test]
async fn priority_orders_the_queue() {
    on_each_backend(|store| async move {
        let ids = arrive(&store, "u", 4).await;
        for (id, priority) in [
            (ids[0], Priority::Low),
            (ids[1], Priority::Urgent),
            (ids[3], Priority::High),
        ] {
            store
                .update_conversation(
                    id,
                    &ConversationPatch {
                        priority: Some(priority),
                        ..ConversationPatch::default()
                    },
                    None,
                )
                .await
                .expect("priority");
        }
        let queue: Vec<ConversationId> = store
            .list_queue(&default_rules(), 10, &Default::default())
            .await
            .expect("queue")
            .iter()
            .map(|c| c.conversation.id)
            .collect();
        assert_eq!(queue, [ids[1], ids[3], ids[2], ids[0]]);

        let only = agent(&store, "only", 2).await;
        let assigned = assign_all(&store, RoutingPolicy::LeastLoaded).await;
        assert_eq!(assigned, [(ids[1], only), (ids[3], only)]);
    })
    .await;
}

#[tokio::test]
async fn resolving_frees_capacity_for_the_next_waiting_conversation() {
    on_each_backend(|store| async move {
        let solo = agent(&store, "solo", 1).await;
        let ids = arrive(&store, "u", 2).await;
        assert_eq!(
            assign_all(&store, RoutingPolicy::LeastLoaded).await,
            [(ids[0], solo)]
        );
        assert!(
            assign_all(&store, RoutingPolicy::LeastLoaded)
                .await
                .is_empty()
        );

        // Pending still counts against capacity; resolved does not.
        for status in [ConversationStatus::Pending, ConversationStatus::Resolved] {
            store
                .set_conversation_status(
                    ids[0],
                    &StatusChange {
                        status,
                        snoozed_until: None,
                    },
                    Some(solo),
                )
                .await
                .expect("status");
            if status == ConversationStatus::Pending {
                assert!(
                    assign_all(&store, RoutingPolicy::LeastLoaded)
                        .await
                        .is_empty()
                );
            }
        }
        assert_eq!(
            assign_all(&store, RoutingPolicy::LeastLoaded).await,
            [(ids[1], solo)]
        );
    })
    .await;
}

/// Five agents of capacity 10.
async fn five_agents(store: &Store) -> Vec<AgentId> {
    let mut agents = Vec::new();
    for i in 0..5 {
        agents.push(agent(store, &format!("agent{i}"), 10).await);
    }
    agents
}

/// 1,000 conversations from distinct senders: ten streams of 100 arriving in parallel.
fn spawn_arrivals(store: &Store) -> Vec<tokio::task::JoinHandle<Vec<(ConversationId, AgentId)>>> {
    (0..10)
        .map(|stream| {
            let store = store.clone();
            tokio::spawn(async move {
                for chunk in 0..10 {
                    let batch: Vec<InboundMessage> = (0..10)
                        .map(|i| {
                            let n = chunk * 10 + i;
                            message(&format!("s{stream}-m{n}"), &format!("s{stream}-u{n}"))
                        })
                        .collect();
                    store.record_inbound(&batch).await.expect("inbound");
                }
                Vec::new()
            })
        })
        .collect()
}

/// Exactly 10 on each agent (in what the calls returned and in the database), no
/// conversation twice, and 950 still waiting.
async fn assert_capacity_held(
    store: &Store,
    agents: &[AgentId],
    assigned: &[(ConversationId, AgentId)],
) {
    assert_eq!(assigned.len(), 50, "exactly the 5 × 10 places");
    let mut per_agent: HashMap<AgentId, usize> = HashMap::new();
    for (_, agent) in assigned {
        *per_agent.entry(*agent).or_default() += 1;
    }
    for agent in agents {
        assert_eq!(per_agent.get(agent), Some(&10), "{agent} in the results");
        assert_eq!(load(store, *agent).await, 10, "{agent} in the database");
    }
    let mut conversations: Vec<ConversationId> = assigned.iter().map(|(c, _)| *c).collect();
    conversations.sort_by_key(|c| c.get());
    conversations.dedup();
    assert_eq!(conversations.len(), 50, "no conversation assigned twice");
    assert_eq!(
        store
            .list_queue(&default_rules(), 1000, &Default::default())
            .await
            .expect("queue")
            .len(),
        950
    );
}

/// The concurrency proof: 1,000 conversations arrive while six routers assign at once, in
/// small batches and with both policies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn routers_racing_arrivals_never_exceed_capacity() {
    on_each_backend(|store| async move {
        let agents = five_agents(&store).await;
        let mut tasks = spawn_arrivals(&store);
        for _ in 0..6 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                for round in 0..30 {
                    let policy = if round % 2 == 0 {
                        RoutingPolicy::LeastLoaded
                    } else {
                        RoutingPolicy::RoundRobin
                    };
                    let (assigned, _) = store
                        .assign_waiting(&RoutingRules::uniform(policy), 3)
                        .await
                        .expect("assign");
                    mine.extend(assigned);
                    tokio::task::yield_now().await;
                }
                mine
            }));
        }
        let mut assigned = Vec::new();
        for task in tasks {
            assigned.extend(task.await.expect("task"));
        }
        // Whatever the race left over, a last pass fills the remaining places.
        assigned.extend(assign_all(&store, RoutingPolicy::LeastLoaded).await);
        assert_capacity_held(&store, &agents, &assigned).await;
    })
    .await;
}

/// The sharpest race: with 1,000 waiting, eight routers released together each try to fill
/// every place at once; only one may win each place.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_routers_on_a_full_queue_never_exceed_capacity() {
    on_each_backend(|store| async move {
        let agents = five_agents(&store).await;
        for task in spawn_arrivals(&store) {
            task.await.expect("arrivals");
        }
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(8));
        let routers: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                let start = start.clone();
                tokio::spawn(async move {
                    start.wait().await;
                    store
                        .assign_waiting(&default_rules(), 1000)
                        .await
                        .expect("assign")
                        .0
                })
            })
            .collect();
        let mut assigned = Vec::new();
        for router in routers {
            assigned.extend(router.await.expect("router"));
        }
        assert_capacity_held(&store, &agents, &assigned).await;
    })
    .await;
}

#[tokio::test]
async fn webhook_message_is_assigned_by_the_router_and_the_queue_lists_the_rest() {
    let app = TestApp::spawn().await;
    // The bootstrap admin is an online agent too: only_agent takes it out of rotation.
    let solo = only_agent(&app, 1, "online").await;

    for (id, from) in [("m1", "u1"), ("m2", "u2")] {
        assert!(
            app.post_hook(&hook_body(id, from, "help"))
                .await
                .status()
                .is_success()
        );
    }
    assert_eq!(app.router.run_once().await.expect("route"), 1);
    let assigned = app.wait_for_event("conversation.assigned").await;
    assert_eq!(
        assigned.agent_id, None,
        "the router, not a person, assigned it"
    );
    assert_eq!(assigned.data["to"]["agent_id"], solo["id"]);

    let queue = app.get_json("/api/v1/queue").await;
    let queue = queue.as_array().expect("queue");
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["position"], 1);
    assert_eq!(queue[0]["conversation"]["assignee_id"], Value::Null);
    let waiting = queue[0]["conversation"]["id"].clone();

    // Resolving the first frees the place; the next pass takes the waiting one.
    let first = assigned.conversation_id.expect("conversation");
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{}/status", first.get()),
            serde_json::json!({"status": "resolved"}),
        )
        .await;
    assert!(response.status().is_success());
    assert_eq!(app.router.run_once().await.expect("route"), 1);
    let conversation = app
        .get_json(&format!("/api/v1/conversations/{waiting}"))
        .await;
    assert_eq!(conversation["assignee_id"], solo["id"]);
    assert!(
        app.get_json("/api/v1/queue")
            .await
            .as_array()
            .expect("queue")
            .is_empty()
    );
    app.stop().await;
}

/// Takes every existing agent (the bootstrap admin) out of rotation and adds one online agent
/// of `capacity`; returns its JSON.
async fn only_agent(app: &TestApp, capacity: i64, availability: &str) -> Value {
    let agents = app.get_json("/api/v1/agents").await;
    for existing in agents.as_array().expect("agents") {
        let response = app
            .send(
                reqwest::Method::PATCH,
                &format!("/api/v1/agents/{}", existing["id"]),
                &app.admin_token,
                serde_json::json!({"availability": "offline"}),
            )
            .await;
        assert!(response.status().is_success());
    }
    let response = app
        .post_json(
            "/api/v1/agents",
            serde_json::json!({"name": "Solo", "email": format!("solo-{}@example.com", rand_suffix()), "role": "agent", "capacity": capacity}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let agent: Value = response.json().await.expect("agent");
    let response = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/agents/{}", agent["id"]),
            &app.admin_token,
            serde_json::json!({"availability": availability}),
        )
        .await;
    assert!(response.status().is_success());
    agent
}

/// The running router needs no sweep: an agent coming online and a resolved conversation wake
/// it (the 30 s safety poll is longer than `wait_for_event` waits).
#[tokio::test]
async fn the_running_router_wakes_on_availability_and_freed_capacity() {
    let app = TestApp::spawn().await;
    let solo = only_agent(&app, 1, "offline").await;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(app.router.clone().run(shutdown.clone()));

    for (id, from) in [("m1", "u1"), ("m2", "u2")] {
        assert!(
            app.post_hook(&hook_body(id, from, "help"))
                .await
                .status()
                .is_success()
        );
    }
    let response = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/agents/{}", solo["id"]),
            &app.admin_token,
            serde_json::json!({"availability": "online"}),
        )
        .await;
    assert!(response.status().is_success());
    let first = app.wait_for_event("conversation.assigned").await;
    assert_eq!(first.data["to"]["agent_id"], solo["id"]);

    let response = app
        .post_json(
            &format!(
                "/api/v1/conversations/{}/status",
                first.conversation_id.expect("conversation").get()
            ),
            serde_json::json!({"status": "resolved"}),
        )
        .await;
    assert!(response.status().is_success());
    let second = app.wait_for_event("conversation.assigned").await;
    assert_ne!(second.conversation_id, first.conversation_id);
    assert_eq!(second.data["to"]["agent_id"], solo["id"]);

    shutdown.cancel();
    worker.await.expect("router task").expect("router");
    app.stop().await;
}

/// The same proof through the whole service: 1,000 webhook messages posted concurrently while
/// the router worker runs (and a test pass runs alongside it), 5 agents of capacity 10.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_webhooks_with_the_router_running_never_exceed_capacity() {
    use futures_util::StreamExt;

    let app = TestApp::spawn().await;
    let first = only_agent(&app, 10, "online").await;
    let mut agents = vec![AgentId::new(first["id"].as_i64().expect("id"))];
    for i in 1..5 {
        let response = app
            .post_json(
                "/api/v1/agents",
                serde_json::json!({"name": format!("agent{i}"), "email": format!("agent{i}-{}@example.com", rand_suffix()), "role": "agent", "capacity": 10}),
            )
            .await;
        assert_eq!(response.status(), 201);
        let agent: Value = response.json().await.expect("agent");
        agents.push(AgentId::new(agent["id"].as_i64().expect("id")));
    }
    let shutdown = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(app.router.clone().run(shutdown.clone()));

    let app = std::sync::Arc::new(app);
    let posts = futures_util::stream::iter(0..1000)
        .map(|i| {
            let app = app.clone();
            async move {
                let body = hook_body(&format!("m{i}"), &format!("u{i}"), "help");
                app.post_hook(&body).await.status()
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>();
    let (statuses, extra) = tokio::join!(posts, app.router.run_once());
    assert!(statuses.iter().all(|status| status.is_success()));
    extra.expect("route");
    app.router.run_once().await.expect("route");

    for agent in &agents {
        assert_eq!(load(&app.store, *agent).await, 10, "{agent}");
    }
    let queue = app.get_json("/api/v1/queue?limit=1000").await;
    assert_eq!(queue.as_array().expect("queue").len(), 950);
    shutdown.cancel();
    worker.await.expect("router task").expect("router");
    std::sync::Arc::into_inner(app)
        .expect("last handle")
        .stop()
        .await;
}

#[tokio::test]
async fn sticky_gives_a_returning_contact_their_previous_agent() {
    on_each_backend(|store| async move {
        let a = agent(&store, "sticky-a", 10).await;
        let b = agent(&store, "sticky-b", 10).await;
        // b served this contact before and is now busier than a.
        let earlier = arrive(&store, "loyal", 1).await[0];
        let other = arrive(&store, "someone", 1).await[0];
        for conversation in [earlier, other] {
            store
                .assign_conversation(
                    conversation,
                    &Assignment {
                        agent: Some(b),
                        team: None,
                    },
                    None,
                )
                .await
                .expect("assign");
        }
        let resolve = StatusChange {
            status: ConversationStatus::Resolved,
            snoozed_until: None,
        };
        store
            .set_conversation_status(earlier, &resolve, None)
            .await
            .expect("resolve");

        let comeback = |id: &str, thread: &str| message(id, "loyal-0").in_thread(thread);
        let (receipts, _) = store
            .record_inbound(&[comeback("loyal-again", "new topic")])
            .await
            .expect("inbound");
        let returning = ConversationId::new(receipts[0].conversation_id);
        assert_ne!(returning, earlier, "a new thread is a new conversation");
        assert_eq!(
            assign_all(&store, RoutingPolicy::Sticky).await,
            [(returning, b)],
            "back to b, though a is less loaded"
        );

        // When the previous agent cannot take it, the policy falls back to least loaded.
        let offline = AgentPatch {
            availability: Some(Availability::Offline),
            ..AgentPatch::default()
        };
        store.update_agent(b, &offline).await.expect("offline");
        let (receipts, _) = store
            .record_inbound(&[comeback("loyal-third", "third topic")])
            .await
            .expect("inbound");
        let third = ConversationId::new(receipts[0].conversation_id);
        assert_eq!(
            assign_all(&store, RoutingPolicy::Sticky).await,
            [(third, a)]
        );
    })
    .await;
}

#[tokio::test]
async fn a_conversation_routed_to_a_team_goes_to_a_member_and_never_blocks_the_queue() {
    on_each_backend(|store| async move {
        let a = agent(&store, "team-a", 10).await;
        let b = agent(&store, "team-b", 1).await;
        let billing = store.create_team("Billing", &[b]).await.expect("team").id;
        let ids = arrive(&store, "team", 3).await;
        // The first two waiting conversations belong to Billing; the third to nobody.
        for id in &ids[..2] {
            store
                .assign_conversation(
                    *id,
                    &Assignment {
                        agent: None,
                        team: Some(billing),
                    },
                    None,
                )
                .await
                .expect("route to team");
        }
        let assigned: HashMap<ConversationId, AgentId> =
            assign_all(&store, RoutingPolicy::LeastLoaded)
                .await
                .into_iter()
                .collect();
        assert_eq!(
            assigned.get(&ids[0]),
            Some(&b),
            "a team conversation goes to a member, not the less loaded a"
        );
        assert_eq!(
            assigned.get(&ids[1]),
            None,
            "b is full and a is not in the team: it waits"
        );
        assert_eq!(
            assigned.get(&ids[2]),
            Some(&a),
            "the queue behind it still moves"
        );
        let queue = store
            .list_queue(&default_rules(), 10, &Default::default())
            .await
            .expect("queue");
        assert_eq!(
            queue.iter().map(|c| c.conversation.id).collect::<Vec<_>>(),
            [ids[1]]
        );
    })
    .await;
}

#[tokio::test]
async fn an_agent_going_offline_hands_conversations_back_when_configured() {
    let app = TestApp::spawn_with("[routing]\nreassign_when_offline = true\n").await;
    let leaving = only_agent(&app, 5, "online").await;
    let receipt: Value = app
        .post_hook(&hook_body("m1", "u1", "help"))
        .await
        .json()
        .await
        .expect("json");
    let conversation = receipt["messages"][0]["conversation_id"].clone();
    assert_eq!(app.router.run_once().await.expect("route"), 1);
    let staying = app
        .post_json(
            "/api/v1/agents",
            serde_json::json!({"name": "Stay", "email": format!("stay-{}@example.com", rand_suffix()), "role": "agent"}),
        )
        .await
        .json::<Value>()
        .await
        .expect("agent");

    let offline = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/agents/{}", leaving["id"]),
            &app.admin_token,
            serde_json::json!({"availability": "offline"}),
        )
        .await;
    assert!(offline.status().is_success());
    let released = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert!(
        released["assignee_id"].is_null(),
        "handed back to the queue: {released}"
    );
    assert_eq!(app.router.run_once().await.expect("route"), 1);
    let reassigned = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(reassigned["assignee_id"], staying["id"]);
    app.stop().await;
}

/// Opens a conversation on `channel` from `from`.
async fn arrive_on(store: &Store, channel: &str, from: &str) -> ConversationId {
    let inbound = InboundMessage::text(
        channel,
        format!("{channel}-{from}-{}", rand_suffix()),
        Sender::new(format!("webhook:{channel}"), from).with_name("Ann"),
        "hello",
    );
    let (receipts, _) = store.record_inbound(&[inbound]).await.expect("inbound");
    ConversationId::new(receipts[0].conversation_id)
}

async fn route_to_team(store: &Store, conversation: ConversationId, team: TeamId) {
    store
        .assign_conversation(
            conversation,
            &Assignment {
                agent: None,
                team: Some(team),
            },
            None,
        )
        .await
        .expect("route to team");
}

fn scope(policy: Option<RoutingPolicy>) -> RoutingScope {
    RoutingScope {
        policy,
        ..RoutingScope::default()
    }
}

/// `shop` is manual, the Billing team round robin, everything else least loaded.
fn scoped_rules() -> RoutingRules {
    let mut rules = default_rules();
    rules
        .channels
        .insert("shop".into(), scope(Some(RoutingPolicy::Manual)));
    rules
        .teams
        .insert("Billing".into(), scope(Some(RoutingPolicy::RoundRobin)));
    rules
}

#[tokio::test]
async fn the_conversation_overrides_the_team_which_overrides_the_channel() {
    on_each_backend(|store| async move {
        let member = agent(&store, "billing-member", 10).await;
        let billing = store
            .create_team("Billing", &[member])
            .await
            .expect("team")
            .id;
        let rules = scoped_rules();

        let shop = arrive_on(&store, "shop", "plain").await;
        let shop_billing = arrive_on(&store, "shop", "billed").await;
        route_to_team(&store, shop_billing, billing).await;
        let shop_own = arrive_on(&store, "shop", "own").await;
        store
            .set_routing_policy(shop_own, Some(RoutingPolicy::LeastLoaded))
            .await
            .expect("override");
        let billing_own = arrive_on(&store, "shop", "billed-own").await;
        route_to_team(&store, billing_own, billing).await;
        store
            .set_routing_policy(billing_own, Some(RoutingPolicy::Manual))
            .await
            .expect("override");
        let mail = arrive_on(&store, "mail", "elsewhere").await;

        // The queue shows each conversation's policy, the same one the reference resolves.
        let queue = store
            .list_queue(&rules, 10, &Default::default())
            .await
            .expect("queue");
        let policies: HashMap<ConversationId, RoutingPolicy> = queue
            .iter()
            .map(|queued| (queued.conversation.id, queued.policy))
            .collect();
        assert_eq!(policies[&shop], RoutingPolicy::Manual, "the channel's");
        assert_eq!(
            policies[&shop_billing],
            RoutingPolicy::RoundRobin,
            "the team's"
        );
        assert_eq!(policies[&shop_own], RoutingPolicy::LeastLoaded, "its own");
        assert_eq!(policies[&billing_own], RoutingPolicy::Manual, "its own");
        assert_eq!(policies[&mail], RoutingPolicy::LeastLoaded, "the default");
        let overrides = HashMap::from([
            (shop_own, RoutingPolicy::LeastLoaded),
            (billing_own, RoutingPolicy::Manual),
        ]);
        for queued in &queue {
            let team = queued.conversation.team_id.map(|_| "Billing");
            let expected = rules
                .resolve(
                    &queued.conversation.channel,
                    team,
                    overrides.get(&queued.conversation.id).copied(),
                )
                .policy;
            assert_eq!(queued.policy, expected, "SQL and the reference agree");
        }

        let (assigned, _) = store.assign_waiting(&rules, 100).await.expect("assign");
        let assigned: HashMap<ConversationId, AgentId> = assigned.into_iter().collect();
        assert_eq!(assigned.len(), 3, "{assigned:?}");
        assert_eq!(assigned.get(&shop_billing), Some(&member));
        assert!(assigned.contains_key(&shop_own));
        assert!(assigned.contains_key(&mail));
        let left: Vec<ConversationId> = store
            .list_queue(&rules, 10, &Default::default())
            .await
            .expect("queue")
            .iter()
            .map(|queued| queued.conversation.id)
            .collect();
        assert_eq!(left, [shop, billing_own], "manual ones wait to be taken");

        // Clearing the override hands the conversation back to its team's policy.
        store
            .set_routing_policy(billing_own, None)
            .await
            .expect("clear");
        let (assigned, _) = store.assign_waiting(&rules, 100).await.expect("assign");
        assert_eq!(assigned, [(billing_own, member)]);
        assert!(matches!(
            store
                .set_routing_policy(ConversationId::new(999_999), None)
                .await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn a_long_manual_queue_does_not_hold_back_the_conversations_behind_it() {
    on_each_backend(|store| async move {
        let solo = agent(&store, "behind", 10).await;
        let rules = scoped_rules();
        for i in 0..12 {
            arrive_on(&store, "shop", &format!("manual-{i}")).await;
        }
        let first = arrive_on(&store, "mail", "routable-1").await;
        let second = arrive_on(&store, "mail", "routable-2").await;
        // A batch far smaller than the manual queue in front still reaches both.
        let (assigned, _) = store.assign_waiting(&rules, 2).await.expect("assign");
        assert_eq!(assigned, [(first, solo), (second, solo)]);
        assert_eq!(
            store
                .list_queue(&rules, 100, &Default::default())
                .await
                .expect("queue")
                .len(),
            12
        );
    })
    .await;
}

#[tokio::test]
async fn sticky_falls_back_by_scope() {
    on_each_backend(|store| async move {
        let previous = agent(&store, "previous", 10).await;
        let a = agent(&store, "a", 10).await;
        let b = agent(&store, "b", 10).await;
        let tier2 = store.create_team("Tier2", &[a, b]).await.expect("team").id;
        let resolve = StatusChange {
            status: ConversationStatus::Resolved,
            snoozed_until: None,
        };
        let give = |conversation, agent| {
            let store = store.clone();
            async move {
                store
                    .assign_conversation(
                        conversation,
                        &Assignment {
                            agent: Some(agent),
                            team: None,
                        },
                        None,
                    )
                    .await
                    .expect("assign");
            }
        };
        // b holds one conversation and was assigned longest ago; a holds none but was
        // assigned last: least loaded picks a, round robin picks b.
        give(arrive_on(&store, "mail", "busy").await, b).await;
        let done = arrive_on(&store, "mail", "done").await;
        give(done, a).await;
        store
            .set_conversation_status(done, &resolve, None)
            .await
            .expect("resolve");
        // Three contacts were served by `previous`, who has gone offline since.
        for contact in ["on-shop", "on-mail", "on-tier2"] {
            let earlier = arrive_on(&store, "shop", contact).await;
            give(earlier, previous).await;
            store
                .set_conversation_status(earlier, &resolve, None)
                .await
                .expect("resolve");
        }
        store
            .update_agent(
                previous,
                &AgentPatch {
                    availability: Some(Availability::Offline),
                    ..AgentPatch::default()
                },
            )
            .await
            .expect("offline");

        let mut rules = RoutingRules::uniform(RoutingPolicy::Sticky);
        rules.channels.insert(
            "mail".into(),
            RoutingScope {
                sticky_fallback: Some(RoutingPolicy::RoundRobin),
                ..RoutingScope::default()
            },
        );
        rules.teams.insert(
            "Tier2".into(),
            RoutingScope {
                sticky_fallback: Some(RoutingPolicy::Manual),
                ..RoutingScope::default()
            },
        );
        // The same contacts come back: one on shop, one on mail, one routed to Tier2.
        let comeback = |channel: &'static str, contact: &'static str| {
            let store = store.clone();
            async move {
                let inbound = InboundMessage::text(
                    channel,
                    format!("back-{contact}"),
                    Sender::new("webhook:shop", contact).with_name("Ann"),
                    "again",
                )
                .in_thread(format!("another topic of {contact}"));
                let (receipts, _) = store.record_inbound(&[inbound]).await.expect("inbound");
                ConversationId::new(receipts[0].conversation_id)
            }
        };
        let on_shop = comeback("shop", "on-shop").await;
        let on_mail = comeback("mail", "on-mail").await;
        let on_tier2 = comeback("shop", "on-tier2").await;
        route_to_team(&store, on_tier2, tier2).await;

        let (assigned, _) = store.assign_waiting(&rules, 100).await.expect("assign");
        let assigned: HashMap<ConversationId, AgentId> = assigned.into_iter().collect();
        assert_eq!(
            assigned.get(&on_shop),
            Some(&a),
            "default fallback: least loaded"
        );
        assert_eq!(
            assigned.get(&on_mail),
            Some(&b),
            "mail's fallback: round robin"
        );
        assert_eq!(assigned.get(&on_tier2), None, "Tier2's fallback: manual");
        let queue = store
            .list_queue(&rules, 10, &Default::default())
            .await
            .expect("queue");
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].conversation.id, on_tier2);
        assert_eq!(queue[0].policy, RoutingPolicy::Sticky);

        // With the previous agent back online, sticky needs no fallback.
        store
            .update_agent(
                previous,
                &AgentPatch {
                    availability: Some(Availability::Online),
                    ..AgentPatch::default()
                },
            )
            .await
            .expect("online");
        store
            .assign_conversation(
                on_tier2,
                &Assignment {
                    agent: None,
                    team: None,
                },
                None,
            )
            .await
            .expect("leave the team");
        let (assigned, _) = store.assign_waiting(&rules, 100).await.expect("assign");
        assert_eq!(assigned, [(on_tier2, previous)]);
    })
    .await;
}

#[tokio::test]
async fn going_offline_hands_back_only_the_scopes_that_ask_for_it() {
    on_each_backend(|store| async move {
        let leaving = agent(&store, "leaving", 10).await;
        let keepers = store
            .create_team("Keepers", &[leaving])
            .await
            .expect("team")
            .id;
        let mut rules = default_rules();
        rules.channels.insert(
            "shop".into(),
            RoutingScope {
                reassign_when_offline: Some(true),
                ..RoutingScope::default()
            },
        );
        rules.teams.insert(
            "Keepers".into(),
            RoutingScope {
                reassign_when_offline: Some(false),
                ..RoutingScope::default()
            },
        );
        let on_shop = arrive_on(&store, "shop", "released").await;
        let on_mail = arrive_on(&store, "mail", "kept").await;
        let kept_by_team = arrive_on(&store, "shop", "kept-by-team").await;
        for conversation in [on_shop, on_mail, kept_by_team] {
            store
                .assign_conversation(
                    conversation,
                    &Assignment {
                        agent: Some(leaving),
                        team: (conversation == kept_by_team).then_some(keepers),
                    },
                    None,
                )
                .await
                .expect("assign");
        }
        let events = store
            .release_conversations(&rules, leaving, None)
            .await
            .expect("release");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].conversation_id, Some(on_shop));
        assert_eq!(events[0].data["reason"], "agent went offline");
        for (conversation, held) in [(on_shop, false), (on_mail, true), (kept_by_team, true)] {
            let assignee = store
                .get_conversation(conversation)
                .await
                .expect("conversation")
                .assignee_id;
            assert_eq!(assignee.is_some(), held, "{conversation}");
        }

        // Nothing asks for a hand-back: nothing moves.
        assert!(
            store
                .release_conversations(&default_rules(), leaving, None)
                .await
                .expect("release")
                .is_empty()
        );
    })
    .await;
}

/// Two agents take the same conversations at the same moment, many times over: each
/// conversation has exactly one winner, and the loser learns who holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_agents_taking_at_once_have_exactly_one_winner() {
    on_each_backend(|store| async move {
        let first = agent(&store, "first", 100).await;
        let second = agent(&store, "second", 100).await;
        let conversations = arrive(&store, "race", 20).await;
        for conversation in conversations {
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(2));
            let racers: Vec<_> = [first, second]
                .into_iter()
                .map(|taker| {
                    let store = store.clone();
                    let start = start.clone();
                    tokio::spawn(async move {
                        start.wait().await;
                        (taker, store.take_conversation(conversation, taker).await)
                    })
                })
                .collect();
            let mut winners = Vec::new();
            let mut losers = 0;
            for racer in racers {
                match racer.await.expect("racer") {
                    (taker, Ok((taken, events))) => {
                        assert_eq!(taken.assignee_id, Some(taker));
                        assert_eq!(events.len(), 1);
                        assert_eq!(events[0].data["reason"], "taken");
                        winners.push(taker);
                    }
                    (_, Err(StoreError::Conflict { constraint })) => {
                        assert_eq!(constraint, switchboard::store::Conflict::ConversationTaken);
                        losers += 1;
                    }
                    (_, Err(other)) => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!((winners.len(), losers), (1, 1), "{conversation}");
            let stored = store.get_conversation(conversation).await.expect("get");
            assert_eq!(stored.assignee_id, Some(winners[0]));
        }
    })
    .await;
}

#[tokio::test]
async fn taking_is_idempotent_for_the_holder_and_refused_when_resolved() {
    on_each_backend(|store| async move {
        let taker = agent(&store, "taker", 1).await;
        let ids = arrive(&store, "take", 3).await;
        let (_, events) = store.take_conversation(ids[0], taker).await.expect("take");
        assert_eq!(events.len(), 1);
        let (again, events) = store
            .take_conversation(ids[0], taker)
            .await
            .expect("take again");
        assert_eq!(again.assignee_id, Some(taker));
        assert!(events.is_empty(), "nothing changed");
        // Capacity limits the router, not a person taking work on purpose.
        store
            .take_conversation(ids[1], taker)
            .await
            .expect("over capacity");

        store
            .set_conversation_status(
                ids[2],
                &StatusChange {
                    status: ConversationStatus::Resolved,
                    snoozed_until: None,
                },
                None,
            )
            .await
            .expect("resolve");
        assert!(matches!(
            store.take_conversation(ids[2], taker).await,
            Err(StoreError::Conflict {
                constraint: switchboard::store::Conflict::ConversationResolved
            })
        ));
        assert!(matches!(
            store
                .take_conversation(ConversationId::new(999_999), taker)
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.take_conversation(ids[2], AgentId::new(999_999)).await,
            Err(StoreError::Invalid(_))
        ));
    })
    .await;
}

/// The manual queue through the API: the channel's policy shows in the queue, the router
/// leaves it alone, and of two agents taking it at once one gets 200 and the other 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_manual_queue_over_http_first_taker_wins() {
    let app = TestApp::spawn_with("[routing.channels.shop]\npolicy = \"manual\"\n").await;
    let first = app.token("agent").await;
    let second = app.token("agent").await;
    assert!(
        app.post_hook(&hook_body("m1", "u1", "help"))
            .await
            .status()
            .is_success()
    );
    assert_eq!(app.router.run_once().await.expect("route"), 0);
    let queue = app.get_json("/api/v1/queue").await;
    let queue = queue.as_array().expect("queue");
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["policy"], "manual");
    let id = queue[0]["conversation"]["id"].clone();

    let path = format!("/api/v1/conversations/{id}/take");
    let (one, two) = tokio::join!(
        app.send(reqwest::Method::POST, &path, &first, Value::Null),
        app.send(reqwest::Method::POST, &path, &second, Value::Null),
    );
    let mut statuses = [one.status().as_u16(), two.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let (winner, loser) = if one.status() == 200 {
        (one, two)
    } else {
        (two, one)
    };
    let taken: Value = winner.json().await.expect("json");
    let refused: Value = loser.json().await.expect("json");
    assert_eq!(refused["error"]["code"], "conflict");
    assert!(
        refused["error"]["message"]
            .as_str()
            .expect("message")
            .contains("took this conversation first"),
        "{refused}"
    );
    let stored = app.get_json(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(stored["assignee_id"], taken["assignee_id"]);
    assert!(!stored["assignee_id"].is_null());
    let assigned = app.wait_for_event("conversation.assigned").await;
    assert_eq!(assigned.data["reason"], "taken");
    assert_eq!(
        assigned.agent_id.map(|agent| agent.get()),
        taken["assignee_id"].as_i64()
    );
    assert!(
        app.get_json("/api/v1/queue")
            .await
            .as_array()
            .expect("queue")
            .is_empty()
    );

    // A token that acts as no agent cannot take.
    let response = app
        .post_json(
            "/api/v1/tokens",
            serde_json::json!({"name": "robot", "role": "admin"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let robot: Value = response.json().await.expect("json");
    let response = app
        .send(
            reqwest::Method::POST,
            &path,
            robot["token"].as_str().expect("token"),
            Value::Null,
        )
        .await;
    assert_eq!(response.status(), 422);
    app.stop().await;
}

/// Team and channel scopes from the config file reach the router and the offline hand-back;
/// a team named in the config before it exists is not an error.
#[tokio::test]
async fn configured_scopes_apply_through_the_service() {
    let app = TestApp::spawn_with(
        "[routing]\npolicy = \"manual\"\n\
         [routing.teams.Billing]\npolicy = \"least_loaded\"\nreassign_when_offline = true\n\
         [routing.teams.Ghosts]\npolicy = \"round_robin\"\n",
    )
    .await;
    let solo = only_agent(&app, 5, "online").await;
    let team = app
        .post_json(
            "/api/v1/teams",
            serde_json::json!({"name": "Billing", "members": [solo["id"]]}),
        )
        .await;
    assert_eq!(team.status(), 201);
    let team: Value = team.json().await.expect("team");
    for (id, from) in [("m1", "u1"), ("m2", "u2")] {
        assert!(
            app.post_hook(&hook_body(id, from, "help"))
                .await
                .status()
                .is_success()
        );
    }
    assert_eq!(app.router.run_once().await.expect("route"), 0, "all manual");
    let queue = app.get_json("/api/v1/queue").await;
    let routed = queue[0]["conversation"]["id"].clone();
    let response = app
        .post_json(
            &format!("/api/v1/conversations/{routed}/assign"),
            serde_json::json!({"team_id": team["id"]}),
        )
        .await;
    assert!(response.status().is_success());
    assert_eq!(app.router.run_once().await.expect("route"), 1);
    let conversation = app
        .get_json(&format!("/api/v1/conversations/{routed}"))
        .await;
    assert_eq!(conversation["assignee_id"], solo["id"]);
    let queue = app.get_json("/api/v1/queue").await;
    assert_eq!(queue.as_array().expect("queue").len(), 1);
    assert_eq!(queue[0]["policy"], "manual");

    // Billing hands its conversations back when the agent goes offline.
    let offline = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/agents/{}", solo["id"]),
            &app.admin_token,
            serde_json::json!({"availability": "offline"}),
        )
        .await;
    assert!(offline.status().is_success());
    let released = app
        .get_json(&format!("/api/v1/conversations/{routed}"))
        .await;
    assert!(released["assignee_id"].is_null(), "{released}");
    app.stop().await;
}

/// Signing out of the web inbox takes the agent offline through the same router flow as the
/// agents API: their conversations go back to the queue and the next pass gives them away.
#[tokio::test]
async fn signing_out_of_the_inbox_hands_conversations_back_like_the_api() {
    let app = TestApp::spawn_with("[routing]\nreassign_when_offline = true\n").await;
    let leaving = only_agent(&app, 5, "online").await;
    let password = app
        .post_json(
            &format!("/api/v1/agents/{}/password", leaving["id"]),
            serde_json::json!({}),
        )
        .await
        .json::<Value>()
        .await
        .expect("password")["password"]
        .as_str()
        .expect("password")
        .to_owned();
    let email = leaving["email"].as_str().expect("email");
    let (cookie, csrf) = crate::web::session(&app, email, &password).await;
    let receipt: Value = app
        .post_hook(&hook_body("m1", "u1", "help"))
        .await
        .json()
        .await
        .expect("json");
    let conversation = receipt["messages"][0]["conversation_id"].clone();
    assert_eq!(app.router.run_once().await.expect("route"), 1);
    let staying = app
        .post_json(
            "/api/v1/agents",
            serde_json::json!({"name": "Stay", "email": format!("stay-{}@example.com", rand_suffix()), "role": "agent"}),
        )
        .await
        .json::<Value>()
        .await
        .expect("agent");

    let out = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), reqwest::StatusCode::SEE_OTHER);
    let released = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert!(
        released["assignee_id"].is_null(),
        "handed back to the queue: {released}"
    );
    assert_eq!(app.router.run_once().await.expect("route"), 1);
    let reassigned = app
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(reassigned["assignee_id"], staying["id"]);
    app.stop().await;
}
