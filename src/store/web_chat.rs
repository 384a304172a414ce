//! Store methods of the website chat (`http::widget` and the email continuation).

use serde_json::{Map, Value};

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::{ConversationId, ConversationStatus, Message, MessageId, Millis};

/// A visitor of a web chat channel: the channel, the identity scope (`web_chat:<channel>`)
/// and the visitor id (`anon:…` / `user:…`).
#[derive(Debug, Clone, Copy)]
pub struct WebChatVisitorKey<'a> {
    pub channel: &'a str,
    pub scope: &'a str,
    pub visitor: &'a str,
}

/// What a visitor told the widget.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebChatVisitor {
    pub name: Option<String>,
    pub email: Option<String>,
    pub attributes: Map<String, Value>,
}

/// A change to a visitor's details: given fields replace, attributes merge.
#[derive(Debug, Clone, Default)]
pub struct VisitorPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub attributes: Map<String, Value>,
}

/// A page of a visitor's messages and their latest conversation.
#[derive(Debug, Clone, Default)]
pub struct WebChatHistory {
    pub messages: Vec<Message>,
    pub latest: Option<(ConversationId, ConversationStatus)>,
}

/// Answers to email to a visitor who did not read them in the widget.
#[derive(Debug, Clone)]
pub struct ContinuationDue {
    pub conversation: ConversationId,
    pub address: String,
    /// The last of `messages`: recorded as emailed once the mail went out.
    pub up_to: MessageId,
    pub messages: Vec<Message>,
}

/// The instants a continuation claim is made at: answers sent by `due` and after `since`,
/// claims lapsed by `now`, the new claim held until `claim_until`.
#[derive(Debug, Clone, Copy)]
pub struct ContinuationClock {
    pub due: Millis,
    pub since: Millis,
    pub now: Millis,
    pub claim_until: Millis,
}

/// How far back the continuation looks for unread answers.
const CONTINUATION_HORIZON_MS: i64 = 7 * 24 * 3_600 * 1_000;

impl Store {
    /// What the visitor told the widget, if anything.
    pub async fn web_chat_visitor(
        &self,
        key: &WebChatVisitorKey<'_>,
    ) -> StoreResult<Option<WebChatVisitor>> {
        on_backend!(self, web_chat::visitor(key))
    }

    /// Records a visitor's details and copies them to their contact when they have one.
    pub async fn save_web_chat_visitor(
        &self,
        key: &WebChatVisitorKey<'_>,
        patch: &VisitorPatch,
    ) -> StoreResult<WebChatVisitor> {
        on_backend!(self, web_chat::save_visitor(key, patch, self.now()))
    }

    /// The visitor's messages after `after` (at most `limit`) and their latest conversation.
    pub async fn web_chat_history(
        &self,
        key: &WebChatVisitorKey<'_>,
        after: MessageId,
        limit: i64,
    ) -> StoreResult<WebChatHistory> {
        on_backend!(self, web_chat::history(key, after, limit))
    }

    /// `(channel, scope, visitor)` of a web chat conversation; `None` for other channels.
    pub async fn web_chat_conversation_visitor(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Option<(String, String, String)>> {
        on_backend!(self, web_chat::conversation_visitor(conversation))
    }

    /// Hands an anonymous visitor's conversations to the verified user `to` they turned out
    /// to be, when that user has none yet and their `email` is no other contact's.
    pub async fn adopt_web_chat_visitor(
        &self,
        key: &WebChatVisitorKey<'_>,
        to: &str,
        email: Option<&str>,
    ) -> StoreResult<bool> {
        on_backend!(self, web_chat::adopt_visitor(key, to, email))
    }

    /// The newest message the customer sent in `conversation`.
    pub async fn last_inbound_message(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Option<MessageId>> {
        Ok(on_backend!(self, web_chat::last_inbound(conversation))?.map(MessageId::new))
    }

    /// Claims conversations of web chat `channel` whose answers stayed unread for `delay`,
    /// for the email continuation through `email_channel`; each claim lasts `lease`.
    pub async fn claim_web_chat_continuations(
        &self,
        channel: &str,
        email_channel: &str,
        delay: std::time::Duration,
        lease: std::time::Duration,
        limit: i64,
    ) -> StoreResult<Vec<ContinuationDue>> {
        let now = self.now();
        let delay_ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let due = Millis(now.0 - delay_ms);
        let clock = ContinuationClock {
            due,
            since: Millis(due.0 - CONTINUATION_HORIZON_MS),
            now,
            claim_until: Millis(now.0 + lease_ms),
        };
        on_backend!(
            self,
            web_chat::claim_due_continuations(channel, email_channel, clock, limit)
        )
    }

    /// Ends a continuation claim; `emailed_up_to` when the mail went out.
    pub async fn release_web_chat_continuation(
        &self,
        conversation: ConversationId,
        emailed_up_to: Option<MessageId>,
    ) -> StoreResult<()> {
        on_backend!(
            self,
            web_chat::release_continuation(conversation, emailed_up_to, self.now())
        )
    }

    /// Makes `address` an email identity of the conversation's contact unless another
    /// contact owns it.
    pub async fn claim_web_chat_email_identity(
        &self,
        conversation: ConversationId,
        address: &str,
    ) -> StoreResult<()> {
        on_backend!(
            self,
            web_chat::claim_email_identity(conversation, address, self.now())
        )
    }
}
