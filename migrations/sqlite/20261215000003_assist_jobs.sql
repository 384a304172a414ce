-- Agent assist's queue of the work it does on its own.
--
-- Work assist does without an agent asking: translating new customer messages on the channels
-- configured for it, a summary when a long conversation changes hands, the classification a
-- rule asked for. A job is claimed with a lease, so one node runs it and a crash hands it on;
-- `job_key` makes the same work queued twice (every node sees every event) one job. Done jobs
-- stay two days, so an event seen late cannot queue its work again.
CREATE TABLE assist_jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_key         TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('translate', 'summary', 'classify')),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- No foreign key (see the translations' migration): a job whose message is gone (retention)
    -- finds nothing to do and ends.
    message_id      INTEGER,
    -- What the job needs besides its ids (the language, the rule's name), as JSON.
    detail          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    -- Not claimed before this; a claim moves it on by the lease.
    run_after       BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    done_at         BIGINT
);
CREATE INDEX assist_jobs_due ON assist_jobs (run_after, id) WHERE done_at IS NULL;
CREATE INDEX assist_jobs_done ON assist_jobs (done_at) WHERE done_at IS NOT NULL;
-- Deleting a conversation (retention) finds its jobs by this; erasure finds a message's.
CREATE INDEX assist_jobs_message ON assist_jobs (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX assist_jobs_conversation ON assist_jobs (conversation_id);
