from enum import StrEnum


class RoutingPolicy(StrEnum):
    LEAST_LOADED = "least_loaded"
    MANUAL = "manual"
    ROUND_ROBIN = "round_robin"
    STICKY = "sticky"

    def __str__(self) -> str:
        return str(self.value)
