from enum import StrEnum


class CsatState(StrEnum):
    ANSWERED = "answered"
    EXPIRED = "expired"
    SENT = "sent"

    def __str__(self) -> str:
        return str(self.value)
