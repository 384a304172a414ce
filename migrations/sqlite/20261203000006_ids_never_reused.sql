-- Ids the API hands out and lets callers delete are never given again. SQLite's plain
-- INTEGER PRIMARY KEY takes the highest id + 1, so deleting the newest canned response, rule,
-- segment or event webhook (and, with it, its deliveries) made the next one take its id, and a
-- stale reference pointed at another object. AUTOINCREMENT keeps a high-water mark in
-- sqlite_sequence instead. (PostgreSQL's identity sequences never went back.)
--
-- A column cannot gain AUTOINCREMENT in place, so each table is rebuilt: its rows are set
-- aside, the table dropped (children before parents, so no cascade fires) and made again,
-- the rows put back with their ids. Migrations run in one transaction: all or nothing. Ids
-- deleted before this migration ran are not known and may be given once more.

CREATE TEMP TABLE saved_canned_responses AS SELECT * FROM canned_responses;
CREATE TEMP TABLE saved_rules AS SELECT * FROM rules;
CREATE TEMP TABLE saved_segments AS SELECT * FROM segments;
CREATE TEMP TABLE saved_webhook_attempts AS SELECT * FROM webhook_attempts;
CREATE TEMP TABLE saved_webhook_deliveries AS SELECT * FROM webhook_deliveries;
CREATE TEMP TABLE saved_webhook_subscriptions AS SELECT * FROM webhook_subscriptions;

DROP TABLE canned_responses;
DROP TABLE rules;
DROP TABLE segments;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;

CREATE TABLE canned_responses (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    shortcut    TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    template    TEXT,
    body        TEXT,
    created_by  INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CHECK ((template IS NULL) <> (body IS NULL))
);

CREATE TABLE rules (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    -- Evaluation order among API rules (config rules always come first).
    position    INTEGER NOT NULL,
    definition  TEXT NOT NULL CHECK (json_valid(definition)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE segments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    filter      TEXT NOT NULL CHECK (json_valid(filter)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE webhook_subscriptions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    url         TEXT NOT NULL,
    -- The HMAC key of X-Switchboard-Signature. Kept in clear: every delivery needs it.
    secret      TEXT NOT NULL,
    -- A JSON array of event names, or ["*"] for every event.
    events      TEXT NOT NULL CHECK (json_valid(events) AND json_type(events) = 'array'),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id  INTEGER NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    -- No foreign key: the event log may be pruned; the worker fails such deliveries.
    event_id         INTEGER NOT NULL,
    event_kind       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    -- Attempts in the current round (reset by a replay; every attempt stays in webhook_attempts).
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_until    INTEGER,
    claimed_by       TEXT,
    last_status      INTEGER,
    last_error       TEXT,
    -- Start of the current retry window: creation, or the last replay.
    queued_at        INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    delivered_at     INTEGER,
    UNIQUE (subscription_id, event_id)
);
-- Due claims scan only pending rows; delivered ones are the bulk and stay out of this index.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (subscription_id, id);

CREATE TABLE webhook_attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id   INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    -- The HTTP status, or NULL when no response came (timeout, refused connection).
    status        INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL,
    attempted_at  INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

INSERT INTO canned_responses SELECT * FROM saved_canned_responses;
DROP TABLE saved_canned_responses;
INSERT INTO rules SELECT * FROM saved_rules;
DROP TABLE saved_rules;
INSERT INTO segments SELECT * FROM saved_segments;
DROP TABLE saved_segments;
INSERT INTO webhook_subscriptions SELECT * FROM saved_webhook_subscriptions;
DROP TABLE saved_webhook_subscriptions;
INSERT INTO webhook_deliveries SELECT * FROM saved_webhook_deliveries;
DROP TABLE saved_webhook_deliveries;
INSERT INTO webhook_attempts SELECT * FROM saved_webhook_attempts;
DROP TABLE saved_webhook_attempts;
