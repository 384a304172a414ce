-- An inbound message is a repeat only of one with the same id from the same contact: anyone can
-- put another sender's email Message-ID on their own mail, and must not hide it that way, while
-- a redelivery (IMAP re-fetch, MTA retry) still matches. Rows stored before keep their ids and
-- authors, so redeliveries of old mail are still recognised.
DROP INDEX messages_inbound_key;
CREATE UNIQUE INDEX messages_inbound_key ON messages (channel, external_id, author_id) WHERE direction = 'in';
