-- Chat channels: a customer's answer points at the message it answers, and emoji reactions
-- live on the message they react to instead of arriving as messages of their own.
-- Additive only: older nodes ignore both columns.

-- The stored message (same conversation) that this one answers, when the channel said so.
ALTER TABLE messages ADD COLUMN reply_to_id INTEGER;

-- One entry per reacting sender: {"scope", "sender", "emoji" (null once taken back), "id"
-- (the reaction's own id, when the channel has one), "at" (ms)}. A taken-back reaction stays
-- as an entry without emoji, so a late redelivery of the old one cannot bring it back.
ALTER TABLE messages ADD COLUMN reactions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reactions));
