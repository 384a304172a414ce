-- Why a conversation can no longer be answered on its channel (the bot was removed from the
-- Telegram group the conversation is), null while it can. Replies are refused while it is set;
-- the channel clears it when the way is open again (the bot added back).
-- Additive only: older nodes ignore it.
ALTER TABLE conversations ADD COLUMN unanswerable_reason TEXT;
