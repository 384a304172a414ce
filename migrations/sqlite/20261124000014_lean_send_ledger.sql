-- The send ledger, leaner to write: a campaign of a million recipients writes every row when it
-- is planned, again when it is leased and again when it is sent, and each write updates every
-- index of the table.
-- - WITHOUT ROWID: rows live in the primary key's B-tree (campaign, contact) instead of in a
--   rowid table plus a separate key index, one B-tree less per write and per lookup.
-- - One index for both "due rows of a channel" and "open rows of a campaign": state before
--   channel serves both, so the separate (campaign, state) index goes.
-- - Only sent rows have an external id, so only they are indexed by it.
-- SQLite cannot change these in place: the ledger is rebuilt (nothing refers to it).
CREATE TABLE campaign_sends_new (
    campaign_id      INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id       INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel          TEXT,
    address          TEXT,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'in_doubt', 'sent', 'delivered', 'read', 'failed', 'suppressed')),
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
) WITHOUT ROWID;
INSERT INTO campaign_sends_new SELECT * FROM campaign_sends;
DROP TABLE campaign_sends;
ALTER TABLE campaign_sends_new RENAME TO campaign_sends;
CREATE INDEX campaign_sends_due ON campaign_sends (campaign_id, state, channel, next_attempt_at);
CREATE INDEX campaign_sends_external ON campaign_sends (channel, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX campaign_sends_contact ON campaign_sends (contact_id, sent_at);
