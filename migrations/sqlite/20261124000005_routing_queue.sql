-- The router's queue: waiting (unassigned, open) conversations. Partial, so it stays as small
-- as the queue itself while assigned and resolved conversations pile up.
CREATE INDEX conversations_waiting ON conversations (priority, created_at, id)
    WHERE assignee_id IS NULL AND status = 'open';
