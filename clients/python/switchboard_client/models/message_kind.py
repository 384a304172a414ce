from enum import StrEnum


class MessageKind(StrEnum):
    ACTIVITY = "activity"
    MESSAGE = "message"
    NOTE = "note"

    def __str__(self) -> str:
        return str(self.value)
