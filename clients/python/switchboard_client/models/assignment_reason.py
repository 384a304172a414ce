from enum import StrEnum


class AssignmentReason(StrEnum):
    AGENT_WENT_OFFLINE = "agent went offline"
    TAKEN = "taken"

    def __str__(self) -> str:
        return str(self.value)
