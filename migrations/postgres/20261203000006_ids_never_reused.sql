-- Ids are never given twice: every PostgreSQL table already draws its ids from an identity
-- sequence, which does not go back when rows are deleted. (The SQLite migration of this
-- version gives SQLite's tables the same guarantee.)
SELECT 1;
