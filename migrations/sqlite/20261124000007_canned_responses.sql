-- Canned responses: an agent's shortcut (`/refund`) to a named template or to a body that is
-- itself template text. Exactly one of the two is set.
CREATE TABLE canned_responses (
    id          INTEGER PRIMARY KEY,
    shortcut    TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    template    TEXT,
    body        TEXT,
    created_by  INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CHECK ((template IS NULL) <> (body IS NULL))
);

-- A templated reply in the channel's own markup (Telegram HTML, Discord markdown) with its
-- values escaped; the connector sends it instead of escaping the plain `text`.
ALTER TABLE messages ADD COLUMN markup TEXT;
