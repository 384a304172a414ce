from enum import StrEnum


class FilterInactiveForOp(StrEnum):
    INACTIVE_FOR = "inactive_for"

    def __str__(self) -> str:
        return str(self.value)
