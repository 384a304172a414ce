from enum import StrEnum


class ListAuditAction(StrEnum):
    AGENT_CREATED = "agent.created"
    AGENT_PASSWORD_RESET = "agent.password_reset"
    AGENT_REMOVED = "agent.removed"
    AGENT_ROLE_CHANGED = "agent.role_changed"
    AGENT_UPDATED = "agent.updated"
    ASSIST_USED = "assist.used"
    CHANNEL_CHANGED = "channel.changed"
    CONTACT_ERASED = "contact.erased"
    CONTACT_EXPORTED = "contact.exported"
    CONTACT_MERGED = "contact.merged"
    CONTACT_MERGE_UNDONE = "contact.merge_undone"
    CONTACT_VIEWED = "contact.viewed"
    CONVERSATION_VIEWED = "conversation.viewed"
    MESSAGE_REDACTED = "message.redacted"
    MESSAGE_VIEWED = "message.viewed"
    RETENTION_CHANGED = "retention.changed"
    RULE_CREATED = "rule.created"
    RULE_DELETED = "rule.deleted"
    RULE_UPDATED = "rule.updated"
    SIGN_IN_FAILED = "sign_in.failed"
    SIGN_IN_SUCCEEDED = "sign_in.succeeded"
    SIGN_OUT = "sign_out"
    TEAM_CREATED = "team.created"
    TEAM_MEMBERS_CHANGED = "team.members_changed"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_DELETED = "webhook.deleted"
    WEBHOOK_UPDATED = "webhook.updated"

    def __str__(self) -> str:
        return str(self.value)
