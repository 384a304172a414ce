-- The language an agent reads and writes (ISO 639-1): agent assist translates customer
-- messages into it when the agent asks. NULL: the installation's `[assist] language`.
ALTER TABLE agents ADD COLUMN language TEXT;
