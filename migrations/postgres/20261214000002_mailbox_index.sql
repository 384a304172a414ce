-- Email identities by mailbox: the address with the dots of its local part removed and a
-- `+tag` cut off, for duplicate suggestions at providers that ignore both (Gmail). The query
-- in `store::sql::duplicates` repeats this expression and condition word for word, so the
-- planner uses the index; `domain::mailbox` folds the address looked for the same way.
CREATE INDEX contact_identities_mailbox ON contact_identities ((
    replace(substr(external_id, 1, CASE WHEN strpos(external_id, '+') BETWEEN 1 AND strpos(external_id, '@')
        THEN strpos(external_id, '+') ELSE strpos(external_id, '@') END - 1), '.', '')
    || substr(external_id, strpos(external_id, '@'))
)) WHERE scope = 'email' AND strpos(external_id, '@') > 1;
