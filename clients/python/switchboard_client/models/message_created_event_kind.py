from enum import StrEnum


class MessageCreatedEventKind(StrEnum):
    MESSAGE_CREATED = "message.created"

    def __str__(self) -> str:
        return str(self.value)
