from enum import StrEnum


class UpdateWebhookRequestEventsType0Item(StrEnum):
    AUTOMATION_WEBHOOK = "automation.webhook"
    CAMPAIGN_FINISHED = "campaign.finished"
    CAMPAIGN_PROGRESS = "campaign.progress"
    CAMPAIGN_STARTED = "campaign.started"
    CONTACT_CREATED = "contact.created"
    CONTACT_ERASED = "contact.erased"
    CONTACT_MERGED = "contact.merged"
    CONTACT_MERGE_UNDONE = "contact.merge_undone"
    CONTACT_UNSUBSCRIBED = "contact.unsubscribed"
    CONTACT_UPDATED = "contact.updated"
    CONVERSATION_ASSIGNED = "conversation.assigned"
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_IDLE = "conversation.idle"
    CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
    CONVERSATION_UPDATED = "conversation.updated"
    MESSAGE_CREATED = "message.created"
    MESSAGE_REDACTED = "message.redacted"
    MESSAGE_TRANSLATED = "message.translated"
    MESSAGE_UPDATED = "message.updated"
    RULE_FAILED = "rule.failed"
    SLA_BREACHED = "sla.breached"
    VALUE_0 = "*"

    def __str__(self) -> str:
        return str(self.value)
