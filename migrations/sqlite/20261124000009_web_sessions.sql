-- Web inbox sign-in: browser sessions and the login attempts that rate-limit password guessing.
-- Agent password hashes (argon2id, PHC strings) live in agents.password_hash (foundation).

-- A signed-in browser. Only the SHA-256 of the cookie secret is stored, like API tokens; the
-- CSRF token is random per session and is compared with the X-CSRF-Token header.
CREATE TABLE web_sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    csrf_token    TEXT NOT NULL,
    agent_id      INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    user_agent    TEXT,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    -- Absolute end of the session, whatever its activity.
    expires_at    INTEGER NOT NULL
);
CREATE INDEX web_sessions_agent ON web_sessions (agent_id);

-- Every password sign-in attempt; failures within a window block further tries for that
-- address and for that client address.
CREATE TABLE login_attempts (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL,
    client     TEXT NOT NULL,
    succeeded  INTEGER NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email, at);
CREATE INDEX login_attempts_client ON login_attempts (client, at);
