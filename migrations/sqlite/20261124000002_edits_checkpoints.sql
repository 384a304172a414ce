-- Message edits keep their history; channels keep their stream position next to the data.

ALTER TABLE messages ADD COLUMN edited_at INTEGER;

CREATE TABLE message_revisions (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    text         TEXT NOT NULL,
    html         TEXT,
    replaced_at  INTEGER NOT NULL
);
CREATE INDEX message_revisions_message ON message_revisions (message_id, id);

-- A channel's position in its own stream (Telegram update offset, IMAP UID), committed in the
-- same transaction as the messages read up to it.
CREATE TABLE channel_checkpoints (
    channel     TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (channel, key)
);
