-- The web sign-in's guessing counters, shared by every node on one database, so that a client
-- gets the same number of guesses however a load balancer spreads its attempts. A row whose
-- window and wait are over says nothing and is pruned; a row back to zero failures is deleted
-- at once. Additive only: older nodes ignore it (and count in their own memory).

-- Failures of one address from one client. The address is kept as its SHA-256 (hex), so a
-- row has a fixed size whatever was typed, and the counters keep no address in clear.
CREATE TABLE sign_in_pairs (
    email_hash    TEXT NOT NULL,
    client        TEXT NOT NULL,
    failures      BIGINT NOT NULL,
    -- No attempt of this pair is checked before this instant (milliseconds; NULL: none due).
    blocked_until BIGINT,
    last_at       BIGINT NOT NULL,
    PRIMARY KEY (email_hash, client)
);
CREATE INDEX sign_in_pairs_last_at ON sign_in_pairs (last_at);

-- Failures of one client, whatever the address, in the window that began at window_start.
CREATE TABLE sign_in_clients (
    client       TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
CREATE INDEX sign_in_clients_window_start ON sign_in_clients (window_start);
