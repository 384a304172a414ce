from enum import StrEnum


class FilterActiveWithinOp(StrEnum):
    ACTIVE_WITHIN = "active_within"

    def __str__(self) -> str:
        return str(self.value)
