from enum import StrEnum


class SlaBreachedPayloadKind(StrEnum):
    SLA_BREACHED = "sla.breached"

    def __str__(self) -> str:
        return str(self.value)
