from enum import StrEnum


class ConversationCreatedPayloadKind(StrEnum):
    CONVERSATION_CREATED = "conversation.created"

    def __str__(self) -> str:
        return str(self.value)
