//! Store calls of satisfaction surveys (the `csat` module): finding a conversation's survey
//! and filing answers. Sending is part of applying automation (`sql/automation.rs`).

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::csat::{CsatOutcome, CsatRespondent, CsatSurvey};
use crate::domain::{ConversationId, Event, MessageId};

impl Store {
    /// The survey of `conversation`, if one was sent.
    pub async fn find_csat_survey(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Option<CsatSurvey>> {
        on_backend!(self, csat::find(conversation))
    }

    /// The survey message `message` carried, if it carried one.
    pub async fn find_csat_survey_of_message(
        &self,
        message: MessageId,
    ) -> StoreResult<Option<CsatSurvey>> {
        on_backend!(self, csat::find_by_message(message.get()))
    }

    /// Files `respondent`'s answer to the survey of `conversation` (replacing an earlier
    /// one), with an optional comment kept as their message; the `csat_answer` reporting fact
    /// is filed in the same transaction. Nothing is written unless the outcome is
    /// [`CsatOutcome::Recorded`].
    pub async fn answer_csat(
        &self,
        conversation: ConversationId,
        rating: u8,
        comment: Option<&str>,
        respondent: &CsatRespondent,
    ) -> StoreResult<(CsatOutcome, Vec<Event>)> {
        on_backend!(
            self,
            csat::answer(conversation, rating, comment, respondent, self.now())
        )
    }
}
