-- A campaign send can be "in doubt": its worker stopped (kill -9, power loss) after handing the
-- message to a channel that cannot drop a repeat, so nobody knows whether it arrived. Such rows
-- are held instead of resent until a marketer decides.
ALTER TABLE campaign_sends DROP CONSTRAINT campaign_sends_state_check;
ALTER TABLE campaign_sends ADD CONSTRAINT campaign_sends_state_check
    CHECK (state IN ('pending', 'leased', 'in_doubt', 'sent', 'delivered', 'read', 'failed', 'suppressed'));
