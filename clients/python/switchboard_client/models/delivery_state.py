from enum import StrEnum


class DeliveryState(StrEnum):
    DEAD = "dead"
    FAILED = "failed"
    PENDING = "pending"
    SENT = "sent"

    def __str__(self) -> str:
        return str(self.value)
