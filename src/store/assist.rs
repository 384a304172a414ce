//! Store methods of agent assist: message translations, and the queue of work assist does
//! without an agent asking (what the model is asked and when is `crate::assist`'s).

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::{
    AgentId, ConversationId, Event, MessageId, MessageTranslation, Millis, TranslationOrigin,
};

/// A translation to store.
#[derive(Debug, Clone)]
pub struct NewTranslation {
    pub message: MessageId,
    pub language: String,
    pub text: String,
    pub origin: TranslationOrigin,
    pub model: String,
    /// The message's text the translation was made from (or made into, for `author`): the
    /// translation is stored only while the message still reads so, so that a redaction or
    /// an edit in the meantime cannot be undone by a translation of the old text.
    pub source_text: String,
    /// Who asked; none for assist's own work.
    pub by: Option<AgentId>,
}

/// What assist does without an agent asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssistJobKind {
    /// Translate the customer's message into `language` (unless it is written in it).
    Translate {
        message: MessageId,
        language: String,
    },
    /// Summarise the conversation for the agent who took it over.
    Summary,
    /// Suggest labels, priority and team, and apply them (a rule's `assist_classify`).
    Classify { rule: String },
}

impl AssistJobKind {
    /// The kind's name in `assist_jobs.kind`.
    pub fn name(&self) -> &'static str {
        match self {
            AssistJobKind::Translate { .. } => "translate",
            AssistJobKind::Summary => "summary",
            AssistJobKind::Classify { .. } => "classify",
        }
    }
}

/// A job to queue. `key` names the work: queuing the same key again is a no-op, so every node
/// may queue what an event asks for.
#[derive(Debug, Clone)]
pub struct NewAssistJob {
    pub key: String,
    pub conversation: ConversationId,
    pub kind: AssistJobKind,
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistJob {
    pub id: i64,
    pub conversation: ConversationId,
    pub kind: AssistJobKind,
    /// Claims so far, this one included.
    pub attempts: i64,
}

/// What a rule's `assist_classify` applies: the model's checked suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedClassification {
    /// The rule that asked (named on the activity line).
    pub rule: String,
    /// The model that suggested.
    pub model: String,
    pub labels: Vec<String>,
    pub priority: Option<crate::domain::Priority>,
    /// The team by id and name; given only while no agent has the conversation.
    pub team: Option<(crate::domain::TeamId, String)>,
}

impl Store {
    /// Stores a translation (replacing one of the same message and language) and its
    /// `message.translated` event; `None` when the message is gone, no longer reads
    /// `source_text`, or its contact is being erased.
    pub async fn save_translation(
        &self,
        translation: &NewTranslation,
    ) -> StoreResult<Option<(MessageTranslation, Vec<Event>)>> {
        on_backend!(self, assist::save_translation(translation, self.now()))
    }

    /// The translations of the messages of conversation `id`, by message and language.
    pub async fn conversation_translations(
        &self,
        id: ConversationId,
    ) -> StoreResult<Vec<MessageTranslation>> {
        on_backend!(self, assist::conversation_translations(id))
    }

    /// The translations of message `id`.
    pub async fn message_translations(
        &self,
        id: MessageId,
    ) -> StoreResult<Vec<MessageTranslation>> {
        on_backend!(self, assist::message_translations(id))
    }

    /// Queues `job` unless a job of the same key exists (queued, running or done lately);
    /// true when it was queued.
    pub async fn queue_assist_job(&self, job: &NewAssistJob) -> StoreResult<bool> {
        on_backend!(self, assist::queue(job, self.now()))
    }

    /// Claims the oldest due job for `lease` (another node may take it when the lease runs
    /// out unfinished).
    pub async fn claim_assist_job(
        &self,
        lease: std::time::Duration,
    ) -> StoreResult<Option<AssistJob>> {
        let now = self.now();
        on_backend!(self, assist::claim(now, now.plus(lease)))
    }

    /// Marks job `id` done; `error` says why it ended without a result.
    pub async fn finish_assist_job(&self, id: i64, error: Option<&str>) -> StoreResult<()> {
        on_backend!(self, assist::finish(id, error, self.now()))
    }

    /// Puts job `id` back to be tried again at `at`, noting `error`.
    pub async fn retry_assist_job(&self, id: i64, error: &str, at: Millis) -> StoreResult<()> {
        on_backend!(self, assist::retry(id, error, at))
    }

    /// Applies a classification to conversation `id` (see `sql/assist.rs`).
    pub async fn apply_classification(
        &self,
        id: ConversationId,
        applied: &AppliedClassification,
    ) -> StoreResult<Vec<Event>> {
        on_backend!(self, assist::apply_classification(id, applied, self.now()))
    }

    /// Adds an activity line to conversation `id`.
    pub async fn add_activity(&self, id: ConversationId, line: &str) -> StoreResult<Vec<Event>> {
        on_backend!(self, assist::add_activity(id, line, self.now()))
    }

    /// Deletes jobs done before `before`; returns how many.
    pub async fn purge_assist_jobs(&self, before: Millis) -> StoreResult<u64> {
        on_backend!(self, assist::purge(before))
    }
}
