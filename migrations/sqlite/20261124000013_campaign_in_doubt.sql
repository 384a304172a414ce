-- A campaign send can be "in doubt": its worker stopped (kill -9, power loss) after handing the
-- message to a channel that cannot drop a repeat, so nobody knows whether it arrived. Such rows
-- are held instead of resent until a marketer decides.
-- SQLite cannot change a CHECK constraint in place: the ledger is rebuilt (nothing refers to it).
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
);
INSERT INTO campaign_sends_new SELECT * FROM campaign_sends;
DROP TABLE campaign_sends;
ALTER TABLE campaign_sends_new RENAME TO campaign_sends;
CREATE INDEX campaign_sends_due ON campaign_sends (campaign_id, channel, state, next_attempt_at);
-- "Anything left to send?" without counting the ledger.
CREATE INDEX campaign_sends_open ON campaign_sends (campaign_id, state);
CREATE INDEX campaign_sends_external ON campaign_sends (channel, external_id);
CREATE INDEX campaign_sends_contact ON campaign_sends (contact_id, sent_at);
