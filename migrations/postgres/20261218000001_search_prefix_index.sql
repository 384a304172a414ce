-- Nothing changes on PostgreSQL: its GIN index answers a prefix from the index's sorted
-- entries. This version exists because the SQLite migration of the same number gives SQLite's
-- search index a prefix index for three-letter prefixes.
SELECT 1;
