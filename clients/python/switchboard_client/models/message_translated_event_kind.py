from enum import StrEnum


class MessageTranslatedEventKind(StrEnum):
    MESSAGE_TRANSLATED = "message.translated"

    def __str__(self) -> str:
        return str(self.value)
