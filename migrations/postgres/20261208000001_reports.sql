-- Reporting (docs/reports.md). Written in the transactions of the events they count, read by
-- reports without touching messages. Nothing here names a contact and nothing goes with a
-- conversation: the figures outlive an erased contact or a retention pass.

-- Each conversation's record: its clocks and counts as the events left them.
CREATE TABLE report_conversations (
    conversation_id       BIGINT PRIMARY KEY,
    channel               TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    -- The earliest customer message no agent has answered yet.
    waiting_since         BIGINT,
    first_response_at     BIGINT,
    first_response_ms     BIGINT,
    first_response_bh_ms  BIGINT,
    resolved_at           BIGINT,
    resolution_ms         BIGINT,
    resolution_bh_ms      BIGINT,
    replies               BIGINT NOT NULL DEFAULT 0,
    reopenings            BIGINT NOT NULL DEFAULT 0,
    messages_in           BIGINT NOT NULL DEFAULT 0,
    messages_out          BIGINT NOT NULL DEFAULT 0,
    sla_met               BIGINT NOT NULL DEFAULT 0,
    sla_missed            BIGINT NOT NULL DEFAULT 0,
    csat_rating           BIGINT,
    -- The labels the conversation's facts are counted under (JSON array, sorted).
    labels                TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX report_conversations_created ON report_conversations (created_at, conversation_id);

-- What each conversation added to the rollups, so that a label given or taken later moves it.
CREATE TABLE report_facts (
    conversation_id  BIGINT NOT NULL,
    fact             TEXT NOT NULL,
    hour             BIGINT NOT NULL,
    bin              BIGINT NOT NULL,
    value            BIGINT NOT NULL,
    -- Whom it was counted for: the agent (who answered, or who held the conversation) and team.
    agent_id         BIGINT,
    team_id          BIGINT
);
CREATE INDEX report_facts_conversation ON report_facts (conversation_id);

-- Per UTC hour (hours since the epoch), fact, grouping and key ('' for none, an agent or team
-- id, a channel name, a label) and bin (a duration's log bin, a CSAT rating, 0 otherwise):
-- how many and their sum.
CREATE TABLE report_rollups (
    fact       TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    hour       BIGINT NOT NULL,
    key        TEXT NOT NULL,
    bin        BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    PRIMARY KEY (fact, dimension, hour, key, bin)
);

-- The same per UTC day (days since the epoch): a long period reads its whole days here and
-- only the hours that a time zone moves to a neighbouring bucket from the hourly rows.
CREATE TABLE report_daily (
    fact       TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    day        BIGINT NOT NULL,
    key        TEXT NOT NULL,
    bin        BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    PRIMARY KEY (fact, dimension, day, key, bin)
);

-- The business-hours calendars as open spans, written by the service from its configuration,
-- so that a fact's business time is read in its own transaction: the open time between two
-- instants is the difference of the open time before each.
CREATE TABLE report_calendars (
    -- `channel:<name>`, `team:<name>` or `default`.
    scope     TEXT PRIMARY KEY,
    calendar  TEXT NOT NULL
);
CREATE TABLE report_calendar_spans (
    calendar     TEXT NOT NULL,
    start_at     BIGINT NOT NULL,
    end_at       BIGINT NOT NULL,
    -- Open milliseconds of the calendar from the first span's start up to `start_at`.
    open_before  BIGINT NOT NULL,
    PRIMARY KEY (calendar, start_at)
);
CREATE TABLE report_calendar_versions (
    calendar     TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL
);
