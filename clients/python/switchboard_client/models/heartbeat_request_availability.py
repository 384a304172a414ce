from enum import StrEnum


class HeartbeatRequestAvailability(StrEnum):
    BUSY = "busy"
    ONLINE = "online"

    def __str__(self) -> str:
        return str(self.value)
