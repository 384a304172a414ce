from enum import StrEnum


class MessageRedactedEventKind(StrEnum):
    MESSAGE_REDACTED = "message.redacted"

    def __str__(self) -> str:
        return str(self.value)
