-- Automation: rules written through the API, the rule engine's place in the event log, exact
-- timers (idle conversations, SLA targets), the auto-reply cooldown ledger and SLA state.

CREATE TABLE rules (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    -- Evaluation order among API rules (config rules always come first).
    position    BIGINT NOT NULL,
    definition  JSONB NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- How far a log-tailing worker got; advanced in the same transaction as what it did.
CREATE TABLE worker_cursors (
    name      TEXT PRIMARY KEY,
    event_id  BIGINT NOT NULL
);

CREATE TABLE automation_timers (
    conversation_id  BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- `idle:<rule name>` or `sla:<target>`.
    kind             TEXT NOT NULL,
    due_at           BIGINT NOT NULL,
    -- For idle timers: the idle span, to re-arm after later activity.
    span_ms          BIGINT,
    PRIMARY KEY (conversation_id, kind)
);
CREATE INDEX automation_timers_due ON automation_timers (due_at);

-- The last automatic reply per contact, channel and template: the cooldown that keeps a
-- bot from greeting the same person twice (or two bots from greeting each other forever).
CREATE TABLE auto_replies (
    contact_id  BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    template    TEXT NOT NULL,
    sent_at     BIGINT NOT NULL,
    PRIMARY KEY (contact_id, channel, template)
);

-- SLA state: policy, targets with due / met / breached times (JSON, see `automation::sla`).
ALTER TABLE conversations ADD COLUMN sla JSONB;
-- Set on new conversations while rules that act on `conversation.created` have not run yet,
-- so the router does not hand out a conversation a rule is about to route elsewhere.
ALTER TABLE conversations ADD COLUMN triage_pending BOOLEAN NOT NULL DEFAULT FALSE;
