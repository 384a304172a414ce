from enum import StrEnum


class ConversationStatusChangedPayloadKind(StrEnum):
    CONVERSATION_STATUS_CHANGED = "conversation.status_changed"

    def __str__(self) -> str:
        return str(self.value)
