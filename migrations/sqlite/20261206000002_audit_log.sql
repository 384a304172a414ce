-- The audit log: who (an agent signed in, an API token, the system, or nobody yet) did what
-- to which subject, from which address. Append-only like `events`: rows are never changed,
-- only pruned after `[audit] retention_days`. `subject_id` is text because a channel is known
-- by its name; `contact_id` is the contact the subject belongs to (a conversation's, a
-- message's), found when the row is written, so a person's entries are one lookup.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('agent', 'token', 'system', 'anonymous')),
    actor_id     INTEGER,
    agent_id     INTEGER,
    actor_label  TEXT,
    action       TEXT NOT NULL,
    subject_kind TEXT,
    subject_id   TEXT,
    contact_id   INTEGER,
    ip           TEXT,
    detail       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_agent ON audit_log (agent_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_subject ON audit_log (subject_kind, subject_id, at);
CREATE INDEX audit_log_contact ON audit_log (contact_id, id);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE (ABORT, 'the audit log is append-only');
END;
