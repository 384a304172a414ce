-- Messages sent by machines (auto-replies, mailing lists, bounces) are kept but flagged, so
-- that no rule or bot ever answers them.
ALTER TABLE messages ADD COLUMN automated BOOLEAN NOT NULL DEFAULT FALSE;
