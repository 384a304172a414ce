-- Rollup deltas not yet added to the hourly and daily rollups (docs/reports.md). A transaction
-- that counts facts appends its deltas here instead of updating the rollups in place: upserting
-- every delta into four tables of a year's rows was most of what the facts cost ingest, and on
-- PostgreSQL every writer queued on the same hour's rows. The first transaction to count facts
-- once a fold is due (every quarter of a second) adds them all up into the rollups and deletes
-- them; a report reads the rollups and these rows together, so nothing is missed or doubled.
CREATE TABLE report_pending (
    fact       TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    hour       INTEGER NOT NULL,
    key        TEXT NOT NULL,
    bin        INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    total      INTEGER NOT NULL
);
