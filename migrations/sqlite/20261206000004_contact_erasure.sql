-- Erasure of a contact (right to be forgotten): the contact row stays as a tombstone saying
-- when, by whom and why; a durable job per contact scrubs its data step by step, so a crash
-- resumes where it stopped. Events may have their `data` scrubbed; every other column stays
-- append-only.

ALTER TABLE contacts ADD COLUMN erased_at INTEGER;
ALTER TABLE contacts ADD COLUMN erased_by INTEGER;
ALTER TABLE contacts ADD COLUMN erasure_reason TEXT;

CREATE TABLE erasure_jobs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- One job per contact: asking again returns it.
    contact_id     INTEGER NOT NULL UNIQUE REFERENCES contacts (id) ON DELETE CASCADE,
    reason         TEXT NOT NULL,
    requested_by   INTEGER,
    state          TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    step           TEXT NOT NULL CHECK (step IN ('detach', 'files', 'messages', 'events', 'contact', 'done')),
    -- The last row id the current step finished (messages, events).
    cursor         INTEGER NOT NULL DEFAULT 0,
    files_deleted  INTEGER NOT NULL DEFAULT 0,
    files_kept     INTEGER NOT NULL DEFAULT 0,
    messages       INTEGER NOT NULL DEFAULT 0,
    events         INTEGER NOT NULL DEFAULT 0,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    claimed_by     TEXT,
    claimed_until  INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    finished_at    INTEGER
);
CREATE INDEX erasure_jobs_due ON erasure_jobs (state, claimed_until);

-- Nodes of the previous release never change events, so none of them notices the swap.
-- contract: replaced at once by a trigger that refuses the same changes as before except to `data`
DROP TRIGGER events_append_only;
CREATE TRIGGER events_append_only
    BEFORE UPDATE OF id, kind, conversation_id, contact_id, message_id, agent_id, created_at ON events
BEGIN
    SELECT RAISE (ABORT, 'events are append-only');
END;
