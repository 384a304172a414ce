-- Redaction: a message whose text was redacted says so, and how: 'auto' when the
-- [redaction] rules replaced parts of it before it was stored, 'agent' when an agent or
-- admin redacted it later (the activity log says who and when). Null when never redacted.
-- Additive only: older nodes ignore it.
ALTER TABLE messages ADD COLUMN redacted TEXT CHECK (redacted IN ('auto', 'agent'));
