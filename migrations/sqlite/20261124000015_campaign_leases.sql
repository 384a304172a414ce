-- A worker's batch of the send ledger is leased as one record naming its rows and deadline,
-- instead of a write to every row it takes: each ledger row is now written twice (planned,
-- then its outcome) where it was written three times, and the lease write was the largest
-- part of reading a campaign out (40 ms of every 10,000 rows on SQLite).
--
-- `contacts` lists the batch's rows (a JSON array of contact ids): when a lease runs out, its
-- worker died, and those rows are held in doubt or taken over. `last_due`/`last_contact` is
-- the batch's last row in due order (next attempt, contact); the next batch starts after the
-- furthest live lease, so live leases are never walked again.
CREATE TABLE campaign_leases (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    contacts      TEXT NOT NULL CHECK (json_valid(contacts)),
    last_due      INTEGER NOT NULL,
    last_contact  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX campaign_leases_channel ON campaign_leases (campaign_id, channel, expires_at);

-- Rows an earlier version had marked leased: nobody knows whether their messages went out.
UPDATE campaign_sends SET state = 'in_doubt',
    error = 'in doubt: leased when the service was upgraded; held so the contact is not messaged twice'
WHERE state = 'leased';
ALTER TABLE campaign_sends DROP COLUMN leased_until;

-- Only pending rows are ever looked up by due order, so only they are in the due index: a
-- recorded outcome then removes the row's entry instead of moving it (one B-tree write less
-- per message), and the index holds what is left to send, not the campaign's whole history.
DROP INDEX campaign_sends_due;
-- (`state` stays in the key, constant as it is, so the index covers "any pending row?".)
CREATE INDEX campaign_sends_due ON campaign_sends (campaign_id, state, channel, next_attempt_at)
    WHERE state = 'pending';
