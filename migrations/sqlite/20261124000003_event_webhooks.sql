-- Outbound event webhooks: integrators' subscriptions, one delivery per (subscription, event)
-- and every attempt made for it. The fan-out position lives in channel_checkpoints
-- (channel 'event-webhooks', key 'event_cursor'), committed with the deliveries it created.

CREATE TABLE webhook_subscriptions (
    id          INTEGER PRIMARY KEY,
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
    id               INTEGER PRIMARY KEY,
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
    id            INTEGER PRIMARY KEY,
    delivery_id   INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    -- The HTTP status, or NULL when no response came (timeout, refused connection).
    status        INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL,
    attempted_at  INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
