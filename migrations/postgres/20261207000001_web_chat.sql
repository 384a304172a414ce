-- Website chat. A visitor is known to the widget before they write: what they told the
-- pre-chat form or `identify` is kept here until their first message makes a contact of them
-- (and is copied to that contact afterwards).
CREATE TABLE web_chat_visitors (
    channel     TEXT NOT NULL,
    -- `anon:<hex>` or `user:<host id>`: the external id of the contact identity to be.
    visitor     TEXT NOT NULL,
    name        TEXT,
    email       TEXT,
    attributes  JSONB NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (channel, visitor)
);

-- How far the email continuation of a web chat conversation got: answers up to
-- `emailed_up_to` (a message id) went to the visitor by email; a node holds the claim on the
-- next one until `claimed_until`, so two nodes never send the same answer twice.
CREATE TABLE web_chat_continuations (
    conversation_id  BIGINT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    email_channel    TEXT NOT NULL,
    address          TEXT NOT NULL,
    emailed_up_to    BIGINT NOT NULL DEFAULT 0,
    claimed_until    BIGINT,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX web_chat_continuations_channel ON web_chat_continuations (email_channel);
