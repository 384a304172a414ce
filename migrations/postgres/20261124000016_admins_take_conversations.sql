-- Who the router may give conversations to: agents always, admins only when they opt in
-- (an admin who runs the system is not a queue), marketers never. The flag only matters for
-- admins; existing admins start opted out.
ALTER TABLE agents ADD COLUMN takes_conversations BOOLEAN NOT NULL DEFAULT FALSE;
