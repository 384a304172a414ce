-- Campaigns: marketing consent per contact and channel kind, saved segments, campaigns and
-- their send ledger (one row per campaign and contact, so a restart never sends twice nor
-- skips anyone). The suppression list of migration 000008 is shared by every channel.

CREATE TABLE contact_consents (
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- A channel kind ("email", "whatsapp", "telegram", …).
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('granted', 'withdrawn')),
    -- Where the decision came from: import, api, keyword, unsubscribe.
    source      TEXT NOT NULL,
    -- Evidence such as the IP address of a form or the import file.
    proof       TEXT,
    changed_at  INTEGER NOT NULL,
    PRIMARY KEY (contact_id, channel)
);
CREATE INDEX contact_consents_channel ON contact_consents (channel, status);

CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    filter      TEXT NOT NULL CHECK (json_valid(filter)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    -- The audience filter, copied from a saved segment or written inline.
    filter        TEXT NOT NULL CHECK (json_valid(filter)),
    -- Everything else the marketer set: channels in preference order with their templates,
    -- throttles, quiet hours, tracking (see `campaigns::CampaignSpec`).
    spec          TEXT NOT NULL CHECK (json_valid(spec)),
    state         TEXT NOT NULL CHECK (state IN ('draft', 'scheduled', 'running', 'paused', 'finished', 'cancelled')),
    scheduled_at  INTEGER,
    -- Set once the audience is in the ledger.
    planned_at    INTEGER,
    targeted      INTEGER NOT NULL DEFAULT 0,
    started_at    INTEGER,
    finished_at   INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX campaigns_state ON campaigns (state, scheduled_at);

CREATE TABLE campaign_sends (
    campaign_id      INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id       INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- The channel (configured name) chosen for this contact; NULL when none was reachable.
    channel          TEXT,
    address          TEXT,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'sent', 'delivered', 'read', 'failed', 'suppressed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    leased_until     INTEGER,
    external_id      TEXT,
    error            TEXT,
    sent_at          INTEGER,
    delivered_at     INTEGER,
    read_at          INTEGER,
    opened_at        INTEGER,
    clicked_at       INTEGER,
    replied_at       INTEGER,
    unsubscribed_at  INTEGER,
    PRIMARY KEY (campaign_id, contact_id)
);
CREATE INDEX campaign_sends_due ON campaign_sends (campaign_id, channel, state, next_attempt_at);
-- "Anything left to send?" without counting the ledger.
CREATE INDEX campaign_sends_open ON campaign_sends (campaign_id, state);
CREATE INDEX campaign_sends_external ON campaign_sends (channel, external_id);
CREATE INDEX campaign_sends_contact ON campaign_sends (contact_id, sent_at);

-- Campaign settings generated on first use (the key that signs unsubscribe and tracking
-- links, so links keep working across restarts without configuration).
CREATE TABLE campaign_settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
