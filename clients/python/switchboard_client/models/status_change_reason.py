from enum import StrEnum


class StatusChangeReason(StrEnum):
    INBOUND_MESSAGE = "inbound message"

    def __str__(self) -> str:
        return str(self.value)
