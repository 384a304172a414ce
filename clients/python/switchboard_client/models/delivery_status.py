from enum import StrEnum


class DeliveryStatus(StrEnum):
    DEAD = "dead"
    DELIVERED = "delivered"
    FAILED = "failed"
    QUEUED = "queued"
    READ = "read"
    SENT = "sent"

    def __str__(self) -> str:
        return str(self.value)
