from enum import StrEnum


class Comparison(StrEnum):
    AFTER = "after"
    BEFORE = "before"
    CONTAINS = "contains"
    EQ = "eq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    NE = "ne"

    def __str__(self) -> str:
        return str(self.value)
