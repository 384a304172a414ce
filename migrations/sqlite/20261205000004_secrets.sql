-- Secrets the service keeps between runs (an email channel's OAuth2 refresh token), sealed
-- with an AEAD under a key that is not in the database: a copy of the database alone does
-- not reveal them. Keyed by an owner (a channel's name, later other owners) and a name.
-- Additive only: older nodes ignore it.
CREATE TABLE secrets (
    owner      TEXT NOT NULL,
    name       TEXT NOT NULL,
    -- The random nonce the value was sealed with.
    nonce      BLOB NOT NULL,
    -- The sealed value (ciphertext and tag); its owner and name are bound in as associated data.
    sealed     BLOB NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (owner, name)
);
