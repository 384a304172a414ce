//! Store methods of privacy requests: reading everything held about a contact (its export)
//! and erasing it in resumable steps (see `domain::erasure`).

use serde::Serialize;

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::erasure::{ErasureJob, ErasureStep};
use crate::domain::{
    AgentId, ContactId, ConversationId, ErasureId, Event, Message, MessageId, Millis, Revision,
};
use connector_sdk::Attachment;

/// Writes stored epoch milliseconds as RFC 3339 times in an export.
mod time_serde {
    use crate::domain::Millis;

    pub fn at<S: serde::Serializer>(ms: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&Millis(*ms).to_datetime().to_rfc3339())
    }

    #[allow(clippy::ref_option)] // serde's `serialize_with` hands a reference to the field
    pub fn optional<S: serde::Serializer>(
        ms: &Option<i64>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match ms {
            Some(ms) => at(ms, serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// A marketing consent with its proof.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ConsentRecord {
    pub channel: String,
    pub status: String,
    pub source: String,
    pub proof: Option<String>,
    #[serde(serialize_with = "time_serde::at")]
    pub changed_at: i64,
}

/// An address that can never receive again.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SuppressionRecord {
    pub scope: String,
    pub address: String,
    pub reason: String,
    pub channel: String,
    #[serde(serialize_with = "time_serde::at")]
    pub created_at: i64,
}

/// A campaign ledger row: one send to the contact and how far it went.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CampaignSendRecord {
    pub campaign_id: i64,
    pub channel: Option<String>,
    pub address: Option<String>,
    pub state: String,
    pub attempts: i64,
    pub external_id: Option<String>,
    pub error: Option<String>,
    #[serde(serialize_with = "time_serde::optional")]
    pub sent_at: Option<i64>,
    #[serde(serialize_with = "time_serde::optional")]
    pub delivered_at: Option<i64>,
    #[serde(serialize_with = "time_serde::optional")]
    pub read_at: Option<i64>,
    #[serde(serialize_with = "time_serde::optional")]
    pub opened_at: Option<i64>,
    #[serde(serialize_with = "time_serde::optional")]
    pub clicked_at: Option<i64>,
    #[serde(serialize_with = "time_serde::optional")]
    pub replied_at: Option<i64>,
    #[serde(serialize_with = "time_serde::optional")]
    pub unsubscribed_at: Option<i64>,
}

/// An automatic reply sent to the contact.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AutoReplyRecord {
    pub channel: String,
    pub template: String,
    #[serde(serialize_with = "time_serde::at")]
    pub sent_at: i64,
}

/// What a web chat visitor told the widget (pre-chat form, away form, `identify`).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WebChatVisitorRecord {
    pub channel: String,
    pub visitor: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub attributes: sqlx::types::Json<serde_json::Value>,
    #[serde(serialize_with = "time_serde::at")]
    pub created_at: i64,
    #[serde(serialize_with = "time_serde::at")]
    pub updated_at: i64,
}

/// A part of a long SMS the contact sent, kept until its message was complete (and two days
/// after, to recognise redeliveries).
#[derive(Debug, Clone, Serialize)]
pub struct MessagePartRecord {
    pub channel: String,
    pub external_id: String,
    pub part_index: i64,
    pub part_total: i64,
    /// The part as received (its text included).
    pub payload: sqlx::types::Json<serde_json::Value>,
    #[serde(serialize_with = "time_serde::at")]
    pub received_at: i64,
    #[serde(serialize_with = "time_serde::optional")]
    pub joined_at: Option<i64>,
}

/// Where a web chat conversation's unseen answers went by email.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WebChatContinuationRecord {
    pub conversation_id: i64,
    pub email_channel: String,
    pub address: String,
    /// The last answer emailed (a message id).
    pub emailed_up_to: i64,
    #[serde(serialize_with = "time_serde::at")]
    pub updated_at: i64,
}

/// A conversation's reporting record: its clocks and counts (times in milliseconds).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReportRecord {
    pub conversation_id: i64,
    pub channel: String,
    #[serde(serialize_with = "time_serde::at")]
    pub created_at: i64,
    pub first_response_ms: Option<i64>,
    pub first_response_bh_ms: Option<i64>,
    pub resolution_ms: Option<i64>,
    pub resolution_bh_ms: Option<i64>,
    pub replies: i64,
    pub reopenings: i64,
    pub messages_in: i64,
    pub messages_out: i64,
    pub sla_met: i64,
    pub sla_missed: i64,
    pub csat_rating: Option<i64>,
    /// A JSON array of the labels its figures are counted under.
    pub labels: String,
}

/// One figure a conversation added to the reports: the fact, its UTC hour (hours since the
/// epoch) and value (milliseconds for times).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReportFactRecord {
    pub conversation_id: i64,
    pub fact: String,
    pub hour: i64,
    pub value: i64,
}

/// A satisfaction survey sent in one of the contact's conversations, with its latest answer
/// (the answer's comment is a message of the conversation).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CsatSurveyRecord {
    pub conversation_id: i64,
    pub channel: String,
    #[serde(serialize_with = "time_serde::at")]
    pub sent_at: i64,
    #[serde(serialize_with = "time_serde::at")]
    pub expires_at: i64,
    pub rating: Option<i64>,
    #[serde(serialize_with = "time_serde::optional")]
    pub answered_at: Option<i64>,
}

/// A pending timer of the rule engine on a conversation.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TimerRecord {
    pub kind: String,
    #[serde(serialize_with = "time_serde::at")]
    pub due_at: i64,
}

/// Agent assist's work on a conversation, queued or done in the last two days.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AssistJobRecord {
    /// `translate`, `summary` or `classify`.
    pub kind: String,
    pub message_id: Option<i64>,
    /// What the job needed besides its ids (the language, the rule's name), as JSON text.
    pub detail: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    #[serde(serialize_with = "time_serde::at")]
    pub created_at: i64,
    #[serde(serialize_with = "time_serde::optional")]
    pub done_at: Option<i64>,
}

/// The sending state of an outbound message.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxRecord {
    pub message_id: i64,
    pub lane: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    #[serde(serialize_with = "time_serde::at")]
    pub created_at: i64,
    #[serde(serialize_with = "time_serde::at")]
    pub updated_at: i64,
}

/// A delivery of an event about the contact to an event webhook (the body is built from the
/// event at each attempt, so it is the event itself).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WebhookDeliveryRecord {
    pub id: i64,
    pub subscription_id: i64,
    pub event_id: i64,
    pub event_kind: String,
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    #[serde(serialize_with = "time_serde::at")]
    pub created_at: i64,
    #[serde(serialize_with = "time_serde::optional")]
    pub delivered_at: Option<i64>,
}

/// A table of the schema and its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableColumns {
    pub table: String,
    pub columns: Vec<String>,
}

/// A message's attachment list, as the erasure's file step reads it.
#[derive(Debug, Clone)]
pub struct StoredAttachments {
    pub message_id: MessageId,
    pub channel: String,
    pub attachments: Vec<Attachment>,
}

/// What a step of an erasure job did: where the job is now and what to add to its counts.
#[derive(Debug, Clone)]
pub struct ErasureProgress {
    pub step: ErasureStep,
    pub cursor: i64,
    pub files_deleted: i64,
    pub files_kept: i64,
    pub messages: i64,
    pub events: i64,
}

impl ErasureProgress {
    /// At the start of `step`.
    pub fn to(step: ErasureStep) -> Self {
        Self::at(step, 0)
    }

    /// After a batch of `done` rows of `step` (at most `limit` asked for), the last being
    /// `last`: a short batch finishes the step, so the job moves to `next`; a full one stays
    /// in `step` after `last`. Returns whether the step is finished.
    pub fn after_batch(
        step: ErasureStep,
        next: ErasureStep,
        done: usize,
        limit: i64,
        last: i64,
    ) -> (bool, Self) {
        let finished = i64::try_from(done).unwrap_or(i64::MAX) < limit;
        let progress = if finished {
            Self::to(next)
        } else {
            Self::at(step, last)
        };
        (finished, progress)
    }

    /// Within `step`, after row `cursor`.
    pub fn at(step: ErasureStep, cursor: i64) -> Self {
        Self {
            step,
            cursor,
            files_deleted: 0,
            files_kept: 0,
            messages: 0,
            events: 0,
        }
    }
}

impl Store {
    /// The conversations of `contact`, oldest first.
    pub async fn contact_conversation_ids(
        &self,
        contact: ContactId,
    ) -> StoreResult<Vec<ConversationId>> {
        on_backend!(self, privacy::conversation_ids(contact))
    }

    /// Up to `limit` messages of `conversation` after message id `after`, oldest first.
    pub async fn messages_after(
        &self,
        conversation: ConversationId,
        after: MessageId,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        on_backend!(
            self,
            privacy::messages_after(conversation, after.get(), limit)
        )
    }

    /// Earlier texts of message `id`, oldest first.
    pub async fn message_revisions(&self, id: MessageId) -> StoreResult<Vec<Revision>> {
        on_backend!(self, privacy::revisions(id))
    }

    /// The outbox rows of a conversation's messages.
    pub async fn conversation_outbox(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Vec<OutboxRecord>> {
        on_backend!(self, privacy::outbox(conversation))
    }

    /// The rule engine's pending timers of a conversation.
    pub async fn conversation_timers(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Vec<TimerRecord>> {
        on_backend!(self, privacy::timers(conversation))
    }

    /// Agent assist's jobs on `conversation`.
    pub async fn conversation_assist_jobs(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Vec<AssistJobRecord>> {
        on_backend!(self, privacy::assist_jobs(conversation))
    }

    /// The marketing consents of `contact`.
    pub async fn contact_consents(&self, contact: ContactId) -> StoreResult<Vec<ConsentRecord>> {
        on_backend!(self, privacy::consents(contact))
    }

    /// Suppressions of `contact`'s addresses.
    pub async fn contact_suppressions(
        &self,
        contact: ContactId,
    ) -> StoreResult<Vec<SuppressionRecord>> {
        on_backend!(self, privacy::suppressions(contact))
    }

    /// The campaign ledger rows of `contact`.
    pub async fn contact_campaign_sends(
        &self,
        contact: ContactId,
    ) -> StoreResult<Vec<CampaignSendRecord>> {
        on_backend!(self, privacy::campaign_sends(contact))
    }

    /// Automatic replies sent to `contact`.
    pub async fn contact_auto_replies(
        &self,
        contact: ContactId,
    ) -> StoreResult<Vec<AutoReplyRecord>> {
        on_backend!(self, privacy::auto_replies(contact))
    }

    /// Parts of long SMS messages `contact` sent that are still kept.
    pub async fn contact_message_parts(
        &self,
        contact: ContactId,
    ) -> StoreResult<Vec<MessagePartRecord>> {
        on_backend!(self, privacy::message_parts(contact))
    }

    /// What `contact` told website chat widgets before and since they wrote.
    pub async fn contact_web_chat_visitors(
        &self,
        contact: ContactId,
    ) -> StoreResult<Vec<WebChatVisitorRecord>> {
        on_backend!(self, privacy::web_chat_visitors(contact))
    }

    /// The satisfaction surveys of `contact`'s conversations.
    pub async fn contact_csat_surveys(
        &self,
        contact: ContactId,
    ) -> StoreResult<Vec<CsatSurveyRecord>> {
        on_backend!(self, privacy::csat_surveys(contact))
    }

    /// Where `contact`'s web chat answers went by email.
    pub async fn contact_web_chat_continuations(
        &self,
        contact: ContactId,
    ) -> StoreResult<Vec<WebChatContinuationRecord>> {
        on_backend!(self, privacy::web_chat_continuations(contact))
    }

    /// The reporting records of `contact`'s conversations.
    pub async fn contact_report_records(
        &self,
        contact: ContactId,
    ) -> StoreResult<Vec<ReportRecord>> {
        on_backend!(self, privacy::report_records(contact))
    }

    /// The reporting facts of `contact`'s conversations.
    pub async fn contact_report_facts(
        &self,
        contact: ContactId,
    ) -> StoreResult<Vec<ReportFactRecord>> {
        on_backend!(self, privacy::report_facts(contact))
    }

    /// Up to `limit` events about `contact` (it or its conversations) after event id `after`.
    pub async fn contact_events_after(
        &self,
        contact: ContactId,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Event>> {
        on_backend!(self, privacy::events_after(contact, after, limit))
    }

    /// Up to `limit` event webhook deliveries of events about `contact` after delivery `after`.
    pub async fn contact_webhook_deliveries_after(
        &self,
        contact: ContactId,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<WebhookDeliveryRecord>> {
        on_backend!(
            self,
            privacy::webhook_deliveries_after(contact, after, limit)
        )
    }

    /// Every table of the schema with its columns.
    pub async fn schema_tables(&self) -> StoreResult<Vec<TableColumns>> {
        on_backend!(self, privacy::tables())
    }

    // ----- erasure -----

    /// Starts erasing `contacts` (all or none), returning each one's job; a contact being or
    /// already erased keeps its job. `NotFound` when a contact does not exist.
    pub async fn request_erasure(
        &self,
        contacts: &[ContactId],
        reason: &str,
        by: Option<AgentId>,
    ) -> StoreResult<Vec<ErasureJob>> {
        on_backend!(self, erasure::request(contacts, reason, by, self.now()))
    }

    /// The erasure job `id`.
    pub async fn get_erasure(&self, id: ErasureId) -> StoreResult<ErasureJob> {
        on_backend!(self, erasure::get(id))
    }

    /// The erasure job of `contact`, if any.
    pub async fn find_erasure_of(&self, contact: ContactId) -> StoreResult<Option<ErasureJob>> {
        on_backend!(self, erasure::find_by_contact(contact))
    }

    /// Claims a running erasure job for `node` for `claim_ms`.
    pub async fn claim_erasure(
        &self,
        node: &str,
        claim_ms: i64,
    ) -> StoreResult<Option<ErasureJob>> {
        let now = self.now();
        on_backend!(self, erasure::claim(node, now, Millis(now.0 + claim_ms)))
    }

    /// Records a step's progress that wrote nothing else (the files step).
    pub async fn record_erasure_progress(
        &self,
        id: ErasureId,
        node: &str,
        progress: &ErasureProgress,
    ) -> StoreResult<()> {
        on_backend!(
            self,
            erasure::record_progress(id, node, progress, self.now())
        )
    }

    /// Records a failed step; the job fails for good after `max_attempts` in a row.
    pub async fn record_erasure_failure(
        &self,
        id: ErasureId,
        error: &str,
        max_attempts: i64,
    ) -> StoreResult<()> {
        on_backend!(
            self,
            erasure::record_failure(id, error, max_attempts, self.now())
        )
    }

    /// Erasure step `detach` (see `sql/erasure.rs`).
    pub async fn erase_detach(&self, job: &ErasureJob, node: &str) -> StoreResult<()> {
        on_backend!(self, erasure::detach(job, node, self.now()))
    }

    /// Up to `limit` of the contact's messages after `after` with their attachment lists.
    pub async fn contact_attachments_after(
        &self,
        contact: ContactId,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<StoredAttachments>> {
        on_backend!(self, erasure::attachments_after(contact, after, limit))
    }

    /// True when a message of a contact other than `contact` refers to file `file_id`.
    pub async fn is_file_shared(&self, contact: ContactId, file_id: &str) -> StoreResult<bool> {
        on_backend!(self, erasure::is_file_shared(contact, file_id))
    }

    /// One batch of erasure step `messages`; true when the step is finished.
    pub async fn erase_messages(
        &self,
        job: &ErasureJob,
        node: &str,
        limit: i64,
    ) -> StoreResult<bool> {
        on_backend!(self, erasure::scrub_messages(job, node, limit, self.now()))
    }

    /// One batch of erasure step `events`; true when the step is finished.
    pub async fn erase_events(
        &self,
        job: &ErasureJob,
        node: &str,
        limit: i64,
    ) -> StoreResult<bool> {
        on_backend!(self, erasure::scrub_events(job, node, limit, self.now()))
    }

    /// Erasure step `contact`, the last; returns the `contact.erased` event.
    pub async fn erase_contact_row(&self, job: &ErasureJob, node: &str) -> StoreResult<Vec<Event>> {
        on_backend!(self, erasure::tombstone(job, node, self.now()))
    }
}
