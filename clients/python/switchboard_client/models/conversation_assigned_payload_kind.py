from enum import StrEnum


class ConversationAssignedPayloadKind(StrEnum):
    CONVERSATION_ASSIGNED = "conversation.assigned"

    def __str__(self) -> str:
        return str(self.value)
