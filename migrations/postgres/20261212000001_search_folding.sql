-- Search ignores case and diacritics on PostgreSQL as it does on SQLite (whose index folds
-- them with `remove_diacritics 2`): "objednavka" finds "objednávka" on both.
--
-- `unaccent` ships with PostgreSQL (contrib) and is a trusted extension from PostgreSQL 13 on:
-- the database's owner may create it. Its function is only STABLE (its rules file could
-- change); the wrapper names the dictionary explicitly and is declared IMMUTABLE so that a
-- stored column can use it, which holds as long as nobody edits `unaccent.rules` in place.
--
-- The wrapper also turns the characters with which PostgreSQL's parser glues words into one
-- token (e-mail addresses, host names, paths, versions: `@ . / : _ ~`) into spaces, so that
-- a message is split into words where SQLite's tokenizer splits it and "novak" finds
-- "jan.novak@example.com" on both.
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;

CREATE FUNCTION switchboard_fold(input TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT translate(public.unaccent('public.unaccent'::regdictionary, input), '@./:_~', '      ') $$;

-- The folded words of each message, stored so that checking one conversation's messages
-- (how a search for a common word walks the inbox) costs no re-parsing. Older nodes neither
-- write nor read it: it is generated.
ALTER TABLE messages ADD COLUMN search_words TSVECTOR
    GENERATED ALWAYS AS (to_tsvector('simple', switchboard_fold(text))) STORED;
CREATE INDEX messages_search_words ON messages USING GIN (search_words);

-- contract: only searches of the previous release use this index; until those nodes are
-- replaced their searches scan instead (slower, same answers), and nothing writes through it.
-- The column `text_search` stays for them and goes in a later release.
DROP INDEX messages_text_search;
