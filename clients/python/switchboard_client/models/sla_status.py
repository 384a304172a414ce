from enum import StrEnum


class SlaStatus(StrEnum):
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    ON_TRACK = "on_track"

    def __str__(self) -> str:
        return str(self.value)
