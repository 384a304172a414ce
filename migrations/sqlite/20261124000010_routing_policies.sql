-- A conversation's own routing policy, set by automation rules; NULL inherits the policy of
-- its team's scope, then its channel's, then `[routing] policy`.
ALTER TABLE conversations ADD COLUMN routing_policy TEXT
    CHECK (routing_policy IN ('round_robin', 'least_loaded', 'sticky', 'manual'));
