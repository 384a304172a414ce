-- Agent assist keeps what a model translated beside the message.
--
-- `message_translations`: a message's text in another language. For a customer's message the
-- row is the model's translation into the agents' language; for an agent's reply sent
-- translated, the message holds what was sent and the row keeps what the agent wrote
-- (`origin` = 'author'). Rows go with their message (retention), are deleted when the message
-- is redacted or its contact erased, and are part of the contact's export.
CREATE TABLE message_translations (
    message_id  BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    language    TEXT NOT NULL,
    text        TEXT NOT NULL,
    -- 'model': the model's translation of the message; 'author': the text the agent wrote,
    -- of which the message is the model's translation.
    origin      TEXT NOT NULL CHECK (origin IN ('model', 'author')),
    model       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (message_id, language)
);
--
-- This migration references one busy table (messages), and `assist_jobs` (a migration of its
-- own) references another (conversations): on PostgreSQL a foreign key locks the table it references until the
-- migration commits, and two such locks taken in one transaction can deadlock with a running
-- node that writes both tables in the other order.
