from enum import StrEnum


class SlaBreachedEventKind(StrEnum):
    SLA_BREACHED = "sla.breached"

    def __str__(self) -> str:
        return str(self.value)
