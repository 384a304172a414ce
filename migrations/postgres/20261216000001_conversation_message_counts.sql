-- How many messages a conversation's customer wrote, counted on the conversation row that the
-- same inbound write already updates (docs/reports.md). Counting them on the reporting record
-- wrote a second row for every message received, the larger part of what reporting cost ingest.
ALTER TABLE conversations ADD COLUMN messages_in BIGINT NOT NULL DEFAULT 0;

-- The counts so far were kept on the records.
-- contract: sets only the column added above, which nodes of the previous release neither read
-- nor write (their customer messages during a rolling upgrade go uncounted here; see
-- docs/reports.md)
UPDATE conversations c SET messages_in = r.messages_in
FROM report_conversations r
WHERE r.conversation_id = c.id AND r.messages_in > 0;

-- A record outlives its conversation (erased, or past retention): it keeps the last count.
CREATE FUNCTION conversations_keep_message_count() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE report_conversations SET messages_in = OLD.messages_in
    WHERE conversation_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE TRIGGER conversations_keep_message_count BEFORE DELETE ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_keep_message_count();
