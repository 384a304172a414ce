from enum import StrEnum


class MessageTranslatedPayloadKind(StrEnum):
    MESSAGE_TRANSLATED = "message.translated"

    def __str__(self) -> str:
        return str(self.value)
