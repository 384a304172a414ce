from enum import StrEnum


class MessageRedactedPayloadKind(StrEnum):
    MESSAGE_REDACTED = "message.redacted"

    def __str__(self) -> str:
        return str(self.value)
