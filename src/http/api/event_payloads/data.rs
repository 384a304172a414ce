//! What each event kind writes into `data`: one `<Kind>Data` documentation type per
//! [`EventKind`], whose fields are the keys that the producers in `store::sql` write with
//! `json!`. Nothing builds these types; they exist for their schemas, and the integration test
//! `event_payloads` holds every producer to them.
#![expect(
    dead_code,
    reason = "documentation types: never built or read, only described by their ToSchema derive"
)]

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};

use crate::domain::sla::Target;
use crate::domain::{
    AgentId, CampaignId, CampaignState, ContactId, ConversationId, ConversationStatus,
    DeliveryStatus, Direction, EventKind, FunnelCounts, MessageKind, Priority, RoutingPolicy,
    TeamId,
};

/// Named schemas with their definitions, as utoipa collects them.
pub(super) type Schemas = Vec<(String, RefOr<Schema>)>;

/// The name of the schema of `data` of events of `kind`, after pushing it and every schema it
/// refers to onto `schemas`.
pub(super) fn data_schema(kind: EventKind, schemas: &mut Schemas) -> String {
    // Exhaustive: a new kind does not compile until its data is documented.
    match kind {
        EventKind::MessageCreated => collect::<MessageCreatedData>(schemas),
        EventKind::MessageUpdated => collect::<MessageUpdatedData>(schemas),
        EventKind::MessageRedacted => collect::<MessageRedactedData>(schemas),
        EventKind::MessageTranslated => collect::<MessageTranslatedData>(schemas),
        EventKind::ConversationCreated => collect::<ConversationCreatedData>(schemas),
        EventKind::ConversationAssigned => collect::<ConversationAssignedData>(schemas),
        EventKind::ConversationStatusChanged => collect::<ConversationStatusChangedData>(schemas),
        EventKind::ConversationUpdated => collect::<ConversationUpdatedData>(schemas),
        EventKind::ContactCreated => collect::<ContactCreatedData>(schemas),
        EventKind::ContactUpdated => collect::<ContactUpdatedData>(schemas),
        EventKind::ConversationIdle => collect::<ConversationIdleData>(schemas),
        EventKind::SlaBreached => collect::<SlaBreachedData>(schemas),
        EventKind::AutomationWebhook => collect::<AutomationWebhookData>(schemas),
        EventKind::RuleFailed => collect::<RuleFailedData>(schemas),
        EventKind::CampaignStarted => collect::<CampaignStartedData>(schemas),
        EventKind::CampaignProgress => collect::<CampaignProgressData>(schemas),
        EventKind::CampaignFinished => collect::<CampaignFinishedData>(schemas),
        EventKind::ContactUnsubscribed => collect::<ContactUnsubscribedData>(schemas),
        EventKind::ContactErased => collect::<ContactErasedData>(schemas),
        EventKind::ContactMerged => collect::<ContactMergedData>(schemas),
        EventKind::ContactMergeUndone => collect::<ContactMergeUndoneData>(schemas),
    }
}

/// Pushes `T`'s schema and the schemas it refers to; returns its name.
pub(super) fn collect<T: ToSchema>(schemas: &mut Schemas) -> String {
    let name = T::name().into_owned();
    schemas.push((name.clone(), T::schema()));
    T::schemas(schemas);
    name
}

/// `edited` of `message.updated`: `true` when present, never `false`. (A `schema_with`
/// replaces the doc comment, so the description is here.)
fn edited_flag() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([true]))
        .description(Some(
            "Present (always `true`) when the customer changed the text; the old text is kept as a revision.",
        ))
}

/// `redacted` of `message.updated`: `true` when present, never `false`.
fn redacted_flag() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([true]))
        .description(Some(
            "Present (always `true`) when an agent redacted the message: its text now holds `[redacted]` and its revisions are gone. Fetch the message again; integrations that keep a copy should replace theirs.",
        ))
}

/// `data` of `message.redacted`: an agent or admin (`agent_id`) replaced the whole text or
/// parts of it by `[redacted]`; the redacted text is never in the event. It is also the
/// activity line of the conversation that says who redacted when.
#[derive(ToSchema)]
pub struct MessageRedactedData {
    /// True when the whole text (and HTML) was replaced, false when only given parts were.
    whole: bool,
    /// How many occurrences of the given parts were replaced (0 with `whole`).
    parts: u64,
    /// True when the message's attachments were removed too.
    attachments: bool,
}

/// `data` of `message.translated`: agent assist stored a translation of the message (read it
/// from `GET /api/v1/conversations/{id}/translations`; the text is not in the event).
#[derive(ToSchema)]
pub struct MessageTranslatedData {
    /// ISO 639-1 code of the translation's language.
    language: String,
    /// `model`: the model's translation of the message; `author`: what the agent wrote, of
    /// which the message sent is the translation.
    origin: crate::domain::TranslationOrigin,
    /// The model that translated.
    model: String,
}

/// `data` of `message.created`: a message, private note or activity line was added.
#[derive(ToSchema)]
pub struct MessageCreatedData {
    /// `in` from the customer; `out` for replies, notes and activity lines.
    direction: Direction,
    /// `message` (to or from the customer), `note` (private) or `activity` (a recorded change).
    kind: MessageKind,
    /// The name of the conversation's channel (`[[channels]] name`).
    channel: String,
    /// Present (always `true`) on the comment a customer left with a satisfaction survey
    /// answer: stored as their message, but it neither reopens the conversation nor makes it
    /// wait, and rules do not answer it.
    #[schema(schema_with = csat_comment_flag)]
    csat_comment: Option<bool>,
}

/// `csat_comment` of `message.created`: `true` when present, never `false`.
fn csat_comment_flag() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([true]))
        .description(Some(
            "Present (always `true`) on the comment a customer left with a survey answer.",
        ))
}

/// `data` of `message.updated`: either the customer edited an inbound message (`edited`), or
/// the delivery status of an outbound message changed (`delivery_status` and `error`).
#[derive(ToSchema)]
pub struct MessageUpdatedData {
    #[schema(schema_with = edited_flag)]
    edited: Option<bool>,
    #[schema(schema_with = redacted_flag)]
    redacted: Option<bool>,
    /// The new delivery status: `sent`, `delivered`, `read`, `failed` or `dead`; `queued` again after a retry.
    #[schema(nullable = false)]
    delivery_status: Option<DeliveryStatus>,
    /// With `delivery_status`: why the delivery failed, or `null`.
    error: Option<String>,
}

/// `data` of `conversation.created`: a customer's first message opened a conversation.
#[derive(ToSchema)]
pub struct ConversationCreatedData {
    /// The name of the channel the message came in on.
    channel: String,
}

/// `data` of `conversation.assigned`: the assignee or the team changed. An agent or a rule
/// assigned it (no `reason` or `policy`), an agent took it from the queue (`reason: taken`),
/// the router gave it out (`policy`), or its agent went offline (`reason: agent went offline`).
#[derive(ToSchema)]
pub struct ConversationAssignedData {
    /// The assignment before.
    from: ConversationAssignedSide,
    /// The assignment now.
    to: ConversationAssignedSide,
    /// Why, when an agent took it or was taken out of rotation.
    #[schema(nullable = false)]
    reason: Option<AssignmentReason>,
    /// The routing policy under which the router picked the agent (never `manual`).
    #[schema(nullable = false)]
    policy: Option<RoutingPolicy>,
}

/// One side of an assignment change.
#[derive(ToSchema)]
pub struct ConversationAssignedSide {
    /// The assigned agent; `null` for nobody.
    #[schema(required = true)]
    agent_id: Option<AgentId>,
    /// The team; `null` for none.
    #[schema(required = true)]
    team_id: Option<TeamId>,
}

/// Why a conversation changed hands without an assignment.
#[derive(Serialize, ToSchema)]
pub enum AssignmentReason {
    /// An agent took it from the queue.
    #[serde(rename = "taken")]
    Taken,
    /// Its agent went offline and `reassign_when_offline` handed it back to the queue.
    #[serde(rename = "agent went offline")]
    AgentWentOffline,
}

/// `data` of `conversation.status_changed`.
#[derive(ToSchema)]
pub struct ConversationStatusChangedData {
    /// The status before.
    from: ConversationStatus,
    /// The status now.
    to: ConversationStatus,
    /// Present when no one set it: a customer's message reopened a snoozed or resolved conversation.
    #[schema(nullable = false)]
    reason: Option<StatusChangeReason>,
}

/// Why a conversation's status changed by itself.
#[derive(Serialize, ToSchema)]
pub enum StatusChangeReason {
    /// A message from the customer reopened it.
    #[serde(rename = "inbound message")]
    InboundMessage,
}

/// `data` of `conversation.updated`: either labels or priority were changed (`labels` and
/// `priority`, both as they are now), or a customer's reply was linked to the campaign it
/// answers (`campaign_reply`), or the channel closed or opened the way for replies
/// (`answerable`), or the customer answered the satisfaction survey (`csat`).
#[derive(ToSchema)]
pub struct ConversationUpdatedData {
    /// With `priority`: every label of the conversation now, sorted.
    #[schema(nullable = false)]
    labels: Option<Vec<String>>,
    /// With `labels`: the priority now.
    #[schema(nullable = false)]
    priority: Option<Priority>,
    /// The campaigns this reply answers, each with the label it added.
    #[schema(nullable = false)]
    campaign_reply: Option<Vec<CampaignReplyLink>>,
    /// Whether replies can reach the channel now: false when the bot was removed from the
    /// group the conversation is, true again when it was added back.
    #[schema(nullable = false)]
    answerable: Option<bool>,
    /// With `answerable: false`: why.
    #[schema(nullable = false)]
    unanswerable_reason: Option<String>,
    /// The customer answered the conversation's satisfaction survey (or changed the answer).
    #[schema(nullable = false)]
    csat: Option<CsatAnswerData>,
}

/// A satisfaction survey answer, in `conversation.updated`.
#[derive(ToSchema)]
pub struct CsatAnswerData {
    /// 1 (poor) to 5 (excellent).
    #[schema(minimum = 1, maximum = 5)]
    rating: u8,
    /// The rating this answer replaced, `null` for the first answer.
    #[schema(minimum = 1, maximum = 5)]
    previous: Option<u8>,
}

/// A campaign a customer's reply was linked to.
#[derive(ToSchema)]
pub struct CampaignReplyLink {
    /// The campaign answered.
    campaign: CampaignId,
    /// The label added to the conversation: `campaign:<campaign name>`.
    label: String,
}

/// `data` of `contact.created`: `channel` when a first message created the contact, `source`
/// when the API or an import did.
#[derive(ToSchema)]
pub struct ContactCreatedData {
    /// The name of the channel whose message created the contact.
    #[schema(nullable = false)]
    channel: Option<String>,
    /// `api` (`POST /api/v1/contacts`) or `import` (a CSV import, API or CLI).
    #[schema(nullable = false)]
    source: Option<ContactCreatedSource>,
}

/// What created a contact, besides a message.
#[derive(Serialize, ToSchema)]
pub enum ContactCreatedSource {
    /// `POST /api/v1/contacts`.
    #[serde(rename = "api")]
    Api,
    /// A CSV import.
    #[serde(rename = "import")]
    Import,
}

/// `data` of `contact.updated`: empty after `PATCH /api/v1/contacts/{id}`; `source` after a
/// CSV import matched the contact.
#[derive(ToSchema)]
pub struct ContactUpdatedData {
    /// `import` when a CSV import row matched the contact.
    #[schema(nullable = false)]
    source: Option<ContactUpdatedSource>,
}

/// What updated a contact, besides the API.
#[derive(Serialize, ToSchema)]
pub enum ContactUpdatedSource {
    /// A CSV import.
    #[serde(rename = "import")]
    Import,
}

/// `data` of `conversation.idle`: nothing happened in the conversation for a rule's
/// `idle_for`.
#[derive(ToSchema)]
pub struct ConversationIdleData {
    /// The name of the rule whose idle timer fired.
    rule: String,
    /// The rule's `idle_for`, in milliseconds.
    idle_ms: i64,
    /// The conversation's last activity.
    last_activity_at: DateTime<Utc>,
}

/// `data` of `sla.breached`: a target of the conversation's SLA policy was missed.
#[derive(ToSchema)]
pub struct SlaBreachedData {
    /// The name of the SLA policy (`[[sla]] name`).
    policy: String,
    /// The target missed.
    #[schema(inline)]
    target: Target,
    /// When the target was due.
    due_at: DateTime<Utc>,
}

/// `data` of `automation.webhook`: a rule's `webhook` action, for event-webhook subscribers.
#[derive(ToSchema)]
pub struct AutomationWebhookData {
    /// The name the action gave (`{ webhook = "<name>" }`).
    name: String,
    /// The name of the rule.
    rule: String,
    /// The conversation as it was when the rule started.
    conversation: AutomationWebhookConversation,
}

/// The conversation an `automation.webhook` event is about.
#[derive(ToSchema)]
pub struct AutomationWebhookConversation {
    /// The conversation.
    id: ConversationId,
    /// The name of its channel.
    channel: String,
    /// Its status.
    status: ConversationStatus,
    /// Its priority.
    priority: Priority,
    /// Its labels, sorted.
    labels: Vec<String>,
    /// Its contact.
    contact_id: ContactId,
}

/// `data` of `rule.failed`: a rule's actions failed and nothing of them was applied.
#[derive(ToSchema)]
pub struct RuleFailedData {
    /// The name of the rule.
    rule: String,
    /// Why it failed.
    error: String,
}

/// `data` of `campaign.started`: the worker planned a campaign's audience and began sending.
#[derive(ToSchema)]
pub struct CampaignStartedData {
    /// The campaign.
    campaign: CampaignId,
    /// Its name.
    name: String,
    /// How many contacts the audience holds.
    targeted: i64,
}

/// `data` of `campaign.progress`: a campaign changed state (`state`), reported its funnel while
/// running (`state: running` and `funnel`), or had its in-doubt sends released
/// (`resent_in_doubt`).
#[derive(ToSchema)]
pub struct CampaignProgressData {
    /// The campaign.
    campaign: CampaignId,
    /// The state it is in now.
    #[schema(nullable = false)]
    state: Option<CampaignState>,
    /// With `state: running`: the funnel totals over all channels.
    #[schema(nullable = false)]
    funnel: Option<FunnelCounts>,
    /// How many in-doubt sends were queued again.
    #[schema(nullable = false)]
    resent_in_doubt: Option<u64>,
}

/// `data` of `campaign.finished`: nothing is left to send.
#[derive(ToSchema)]
pub struct CampaignFinishedData {
    /// The campaign.
    campaign: CampaignId,
    /// The final funnel totals over all channels.
    funnel: FunnelCounts,
}

/// `data` of `contact.unsubscribed`: a contact withdrew marketing consent for the first time
/// on a channel kind (a repeated opt-out logs nothing).
#[derive(ToSchema)]
pub struct ContactUnsubscribedData {
    /// The channel kind consent was withdrawn for (`email`, `telegram`, `webhook`, …).
    channel: String,
    /// The campaign the opt-out answers (the link's, or the last one sent to the contact); `null` when none.
    #[schema(required = true)]
    campaign: Option<CampaignId>,
    /// `unsubscribe` (the link in a campaign message) or `keyword` (a reply such as STOP).
    source: UnsubscribeSource,
}

/// `data` of `contact.erased`: the contact's personal data was erased (`POST
/// /api/v1/contacts/{id}/erase`); integrations that copied it should erase theirs. Carries no
/// personal data: the contact is only its id now. Earlier events about the contact were
/// scrubbed to their kind, ids and times (`data.erased` is `true` on them).
#[derive(ToSchema)]
pub struct ContactErasedData {
    /// The erasure job (`GET /api/v1/erasures/{id}`).
    erasure_id: i64,
    /// Why, as the admin wrote it.
    reason: String,
}

/// `data` of `contact.merged`: contact `from` was merged into `into` (the event's contact),
/// which now holds its identities and conversations (`POST /api/v1/contacts/{id}/merge`).
/// Integrations keyed by contact id should follow `from` to `into`.
#[derive(ToSchema)]
pub struct ContactMergedData {
    /// The merge (`POST /api/v1/contacts/merges/{merge_id}/undo` takes it back).
    merge_id: i64,
    /// The contact merged away; it stays as a pointer to `into`.
    from: i64,
    /// The survivor.
    into: i64,
    /// Identities moved to `into`.
    identities: u64,
    /// Conversations moved to `into`.
    conversations: u64,
}

/// `data` of `contact.merge_undone`: merge `merge_id` was undone, and contact `from` (the
/// event's contact) has its identities and conversations back from `into`.
#[derive(ToSchema)]
pub struct ContactMergeUndoneData {
    /// The merge undone.
    merge_id: i64,
    /// The contact restored.
    from: i64,
    /// The contact it had been merged into.
    into: i64,
    /// Conversations that went back to `from`, those that arrived since through its
    /// identities included.
    conversations: u64,
}

/// How a contact opted out.
#[derive(Serialize, ToSchema)]
pub enum UnsubscribeSource {
    /// The one-click unsubscribe link of a campaign message.
    #[serde(rename = "unsubscribe")]
    Unsubscribe,
    /// A reply with a stop keyword.
    #[serde(rename = "keyword")]
    Keyword,
}
