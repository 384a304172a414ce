-- Phone numbers are kept in E.164 (`+420777123456`) from this version on. SQL cannot read
-- them (that needs the numbering plans of libphonenumber), so this leaves a mark the service
-- acts on at its next start: it rewrites the `phone` identities and contacts' phones still in
-- another form, then removes the mark (see `contacts::phone_upkeep`). Nodes of the previous
-- release never read this table.
CREATE TABLE pending_upkeep (
    name        TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
);
INSERT INTO pending_upkeep (name, created_at) VALUES ('phone_e164', 0);
