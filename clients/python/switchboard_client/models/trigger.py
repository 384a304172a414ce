from enum import StrEnum


class Trigger(StrEnum):
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_IDLE = "conversation.idle"
    CONVERSATION_RESOLVED = "conversation.resolved"
    MESSAGE_RECEIVED = "message.received"
    SLA_BREACHED = "sla.breached"

    def __str__(self) -> str:
        return str(self.value)
