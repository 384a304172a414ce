-- Foundation schema: contacts, agents, conversations, messages, outbox, event log.
-- Timestamps are Unix epoch milliseconds (INTEGER) so that SQL stays portable with PostgreSQL.

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    name        TEXT,
    email       TEXT,
    phone       TEXT,
    attributes  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX contacts_email ON contacts (lower(email));
CREATE INDEX contacts_phone ON contacts (phone);

-- One row per way of reaching a contact: a channel scope ("telegram", "webhook:shop") with the
-- channel's id, or "email" / "phone" with the address.
CREATE TABLE contact_identities (
    id                  INTEGER PRIMARY KEY,
    contact_id          INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    scope               TEXT NOT NULL,
    external_id         TEXT NOT NULL,
    unreachable_reason  TEXT,
    created_at          INTEGER NOT NULL,
    UNIQUE (scope, external_id)
);
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);

CREATE TABLE contact_tags (
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_tag ON contact_tags (tag);

CREATE TABLE agents (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    email             TEXT NOT NULL UNIQUE,
    role              TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'marketer')),
    availability      TEXT NOT NULL DEFAULT 'online' CHECK (availability IN ('online', 'busy', 'offline')),
    capacity          INTEGER NOT NULL DEFAULT 20 CHECK (capacity >= 0),
    password_hash     TEXT,
    last_assigned_at  INTEGER,
    created_at        INTEGER NOT NULL
);

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE team_members (
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    agent_id  INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, agent_id)
);
CREATE INDEX team_members_agent ON team_members (agent_id);

-- Only a SHA-256 of each token is kept; the token itself is shown once at creation.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'marketer')),
    agent_id      INTEGER REFERENCES agents (id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);

CREATE TABLE conversations (
    id                INTEGER PRIMARY KEY,
    channel           TEXT NOT NULL,
    contact_id        INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    thread_key        TEXT NOT NULL,
    -- The identity the conversation runs through: replies go to it.
    identity_id       INTEGER REFERENCES contact_identities (id) ON DELETE SET NULL,
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
    priority          TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    assignee_id       INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    team_id           INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    subject           TEXT,
    last_message      TEXT,
    created_at        INTEGER NOT NULL,
    last_activity_at  INTEGER NOT NULL,
    waiting_since     INTEGER,
    first_reply_at    INTEGER,
    snoozed_until     INTEGER,
    resolved_at       INTEGER
);
CREATE INDEX conversations_thread ON conversations (channel, thread_key, id);
CREATE INDEX conversations_activity ON conversations (last_activity_at, id);
CREATE INDEX conversations_status ON conversations (status, last_activity_at, id);
CREATE INDEX conversations_assignee ON conversations (assignee_id, status);
CREATE INDEX conversations_contact ON conversations (contact_id);

CREATE TABLE conversation_labels (
    conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    label            TEXT NOT NULL,
    PRIMARY KEY (conversation_id, label)
);
CREATE INDEX conversation_labels_label ON conversation_labels (label);

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    direction        TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind             TEXT NOT NULL CHECK (kind IN ('message', 'note', 'activity')),
    author_type      TEXT NOT NULL CHECK (author_type IN ('contact', 'agent', 'bot', 'system')),
    author_id        INTEGER,
    text             TEXT NOT NULL,
    html             TEXT,
    attachments      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(attachments)),
    external_id      TEXT,
    delivery_status  TEXT CHECK (delivery_status IN ('queued', 'sent', 'delivered', 'read', 'failed', 'dead')),
    delivery_error   TEXT,
    sent_at          INTEGER,
    created_at       INTEGER NOT NULL
);
-- The inbound dedupe key: a provider's redelivery can never store a message twice.
CREATE UNIQUE INDEX messages_inbound_key ON messages (channel, external_id) WHERE direction = 'in';
CREATE INDEX messages_outbound_key ON messages (channel, external_id) WHERE direction = 'out';
CREATE INDEX messages_conversation ON messages (conversation_id, id);

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;

-- Outbound work, written in the same transaction as the message it sends.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    message_id       INTEGER NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    lane             TEXT NOT NULL CHECK (lane IN ('reply', 'campaign')),
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_until    INTEGER,
    claimed_by       TEXT,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, lane, next_attempt_at);

-- The append-only event log that feeds the event stream, outbound webhooks and reports.
CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    conversation_id  INTEGER,
    contact_id       INTEGER,
    message_id       INTEGER,
    agent_id         INTEGER,
    data             TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    created_at       INTEGER NOT NULL
);
CREATE INDEX events_kind_time ON events (kind, created_at);
CREATE INDEX events_conversation ON events (conversation_id, id);
CREATE TRIGGER events_append_only BEFORE UPDATE ON events BEGIN
    SELECT RAISE (ABORT, 'events are append-only');
END;
