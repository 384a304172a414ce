//! Store methods that check visibility (`domain::access::Visibility`) of one conversation,
//! message or contact, with the same predicate the lists apply.

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::access::Visibility;
use crate::domain::{ContactId, ConversationId, MessageId};

impl Store {
    /// Whether conversation `id` exists and `visibility` shows it.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn is_conversation_visible(
        &self,
        id: ConversationId,
        visibility: &Visibility,
    ) -> StoreResult<bool> {
        on_backend!(self, access::conversation_visible(id, visibility))
    }

    /// Whether message `id` exists and `visibility` shows its conversation.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn is_message_visible(
        &self,
        id: MessageId,
        visibility: &Visibility,
    ) -> StoreResult<bool> {
        on_backend!(self, access::message_visible(id, visibility))
    }

    /// Whether `visibility` shows at least one conversation of `contact` (always, for `All`).
    ///
    /// # Errors
    /// When the database fails.
    pub async fn is_contact_visible(
        &self,
        contact: ContactId,
        visibility: &Visibility,
    ) -> StoreResult<bool> {
        on_backend!(self, access::contact_visible(contact, visibility))
    }
}
