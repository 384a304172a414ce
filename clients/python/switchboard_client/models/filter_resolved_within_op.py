from enum import StrEnum


class FilterResolvedWithinOp(StrEnum):
    RESOLVED_WITHIN = "resolved_within"

    def __str__(self) -> str:
        return str(self.value)
