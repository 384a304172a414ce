-- Outbound template messages (WhatsApp) keep their template and parameters for the dispatcher.
ALTER TABLE messages ADD COLUMN template JSONB;
