-- Customer satisfaction surveys (CSAT). At most one per conversation: the primary key is the
-- conversation, so a resolve–reopen–resolve cycle never sends a second survey. The latest
-- answer is kept on the row (a later answer replaces the earlier one); an answer's comment is
-- a message of the conversation. The contact is the conversation's (it follows merges), and
-- the only foreign key is the conversation's: creating a table that references a busy table
-- locks it, and on PostgreSQL two such locks taken while an older node writes can deadlock.
-- Message ids are plain references (a message deleted by retention leaves a dangling id that
-- nothing joins on but the outbox's send of the survey).
CREATE TABLE csat_surveys (
    conversation_id  BIGINT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    -- The outbound message that carried the survey.
    message_id       BIGINT,
    channel          TEXT NOT NULL,
    sent_at          BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    rating           BIGINT CHECK (rating BETWEEN 1 AND 5),
    answered_at      BIGINT,
    -- The message holding the latest answer's comment, if it had one.
    comment_message_id BIGINT
);
CREATE INDEX csat_surveys_message ON csat_surveys (message_id);
