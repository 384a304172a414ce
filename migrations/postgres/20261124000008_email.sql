-- Email: the unabridged text of mail whose displayed text was trimmed, the suppression list
-- (hard bounces; campaigns skip these addresses), and an index for the same-subject fallback of
-- email threading.

-- Set only when `text` was shortened for display (quoted history and signature removed).
ALTER TABLE messages ADD COLUMN full_text TEXT;

-- Addresses that can never receive again, by identity scope ("email", …).
CREATE TABLE suppressions (
    scope       TEXT NOT NULL,
    address     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    -- The channel that reported it.
    channel     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, address)
);

-- Email threading looks for a contact's open conversation with the same subject.
CREATE INDEX conversations_contact_subject ON conversations (contact_id, channel, lower(subject))
    WHERE subject IS NOT NULL;
