-- Parts of messages that arrive in pieces (a concatenated SMS from Vonage), kept until the
-- last part is in and the joined message is stored, so a restart between parts loses none.
-- One row per part, unique by the part's own id: a redelivered part is a no-op, also after
-- its message was joined (`joined_at` set; such rows are deleted two days later, when the
-- provider has stopped retrying). Parts hold what the sender wrote: the privacy export and
-- erasure find them by the sender's address (`sender_scope`, `sender_id`).
CREATE TABLE message_parts (
    channel      TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    group_key    TEXT NOT NULL,
    part_index   INTEGER NOT NULL,
    part_total   INTEGER NOT NULL,
    sender_scope TEXT NOT NULL,
    sender_id    TEXT NOT NULL,
    -- The part as the connector normalised it (JSON of an inbound message).
    payload      TEXT NOT NULL,
    received_at  BIGINT NOT NULL,
    joined_at    BIGINT,
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX message_parts_group ON message_parts (channel, group_key) WHERE joined_at IS NULL;
CREATE INDEX message_parts_sender ON message_parts (sender_scope, sender_id);
