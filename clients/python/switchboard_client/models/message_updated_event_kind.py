from enum import StrEnum


class MessageUpdatedEventKind(StrEnum):
    MESSAGE_UPDATED = "message.updated"

    def __str__(self) -> str:
        return str(self.value)
