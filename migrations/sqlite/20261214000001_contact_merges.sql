-- Merging two contacts keeps the one merged away as a tombstone pointing at the survivor
-- (`merged_into`), so the merge can be undone: its own name, addresses, attributes, tags and
-- consents stay on it untouched, while its identities, conversations and campaign history move
-- to the survivor. `contact_merges` records each merge and what it added to the survivor.
-- Nodes of the previous release never read the new column; they must not ingest while a merge
-- runs (PostgreSQL ingest and merges meet on an advisory lock that only this release takes).

ALTER TABLE contacts ADD COLUMN merged_into INTEGER REFERENCES contacts (id);
CREATE INDEX contacts_merged_into ON contacts (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE contact_merges (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The survivor and the contact merged into it.
    target_id     INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    source_id     INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    merged_by     INTEGER,
    merged_at     INTEGER NOT NULL,
    -- What moved and what the survivor gained (see `store::merges::MergeRecord`), to undo it.
    record        TEXT NOT NULL CHECK (json_valid(record)),
    undone_by     INTEGER,
    undone_at     INTEGER
);
CREATE INDEX contact_merges_target ON contact_merges (target_id, id);
CREATE INDEX contact_merges_source ON contact_merges (source_id, id);
