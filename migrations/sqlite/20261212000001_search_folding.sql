-- Nothing changes on SQLite: its search index (`messages_fts`, tokenizer `unicode61
-- remove_diacritics 2`) already folds case and diacritics. This version exists because the
-- PostgreSQL migration of the same number makes PostgreSQL's search fold them too.
SELECT 1;
