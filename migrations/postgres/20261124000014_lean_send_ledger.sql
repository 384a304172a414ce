-- The send ledger, leaner to write: a campaign of a million recipients writes every row when it
-- is planned, again when it is leased and again when it is sent, and each write updates every
-- index of the table.
-- - One index for both "due rows of a channel" and "open rows of a campaign": state before
--   channel serves both, so the separate (campaign, state) index goes.
-- - Only sent rows have an external id, so only they are indexed by it.
DROP INDEX campaign_sends_open;
DROP INDEX campaign_sends_due;
CREATE INDEX campaign_sends_due ON campaign_sends (campaign_id, state, channel, next_attempt_at);
DROP INDEX campaign_sends_external;
CREATE INDEX campaign_sends_external ON campaign_sends (channel, external_id) WHERE external_id IS NOT NULL;
