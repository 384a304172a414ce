from enum import StrEnum


class ConversationUpdatedPayloadKind(StrEnum):
    CONVERSATION_UPDATED = "conversation.updated"

    def __str__(self) -> str:
        return str(self.value)
