from enum import StrEnum


class ConversationIdlePayloadKind(StrEnum):
    CONVERSATION_IDLE = "conversation.idle"

    def __str__(self) -> str:
        return str(self.value)
