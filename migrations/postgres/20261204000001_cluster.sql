-- Several nodes on one database: the nodes that run, the leases of work only one node may do
-- at a time (a channel's listener, the rule engine), send rates shared by every node, and the
-- web inbox heartbeats that keep agents available. Additive only: older nodes ignore it.

CREATE TABLE cluster_nodes (
    id           TEXT PRIMARY KEY,
    address      TEXT NOT NULL,
    version      TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);

-- `generation` grows on every change of holder: a holder that lost its lease while paused
-- finds a newer generation and writes nothing (fencing).
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    generation  BIGINT NOT NULL,
    acquired_at BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- Token buckets: `tokens` as of `refilled_at` (milliseconds).
CREATE TABLE rate_buckets (
    name        TEXT PRIMARY KEY,
    tokens      DOUBLE PRECISION NOT NULL,
    refilled_at BIGINT NOT NULL
);

CREATE TABLE agent_heartbeats (
    agent_id BIGINT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    seen_at  BIGINT NOT NULL
);
