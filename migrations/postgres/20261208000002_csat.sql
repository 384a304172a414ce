-- Customer satisfaction surveys (CSAT). At most one per conversation: the primary key is the
-- conversation, so a resolve–reopen–resolve cycle never sends a second survey. The latest
-- answer is kept on the row (a later answer replaces the earlier one); an answer's comment is
-- a message of the conversation.
CREATE TABLE csat_surveys (
    conversation_id  BIGINT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    contact_id       BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- The outbound message that carried the survey.
    message_id       BIGINT REFERENCES messages (id) ON DELETE SET NULL,
    channel          TEXT NOT NULL,
    sent_at          BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    rating           BIGINT CHECK (rating BETWEEN 1 AND 5),
    answered_at      BIGINT,
    -- The message holding the latest answer's comment, if it had one.
    comment_message_id BIGINT REFERENCES messages (id) ON DELETE SET NULL
);
CREATE INDEX csat_surveys_message ON csat_surveys (message_id);
CREATE INDEX csat_surveys_contact ON csat_surveys (contact_id);
