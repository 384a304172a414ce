from enum import StrEnum


class ConversationUpdatedEventKind(StrEnum):
    CONVERSATION_UPDATED = "conversation.updated"

    def __str__(self) -> str:
        return str(self.value)
