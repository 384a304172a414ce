from enum import StrEnum


class ConversationIdleEventKind(StrEnum):
    CONVERSATION_IDLE = "conversation.idle"

    def __str__(self) -> str:
        return str(self.value)
