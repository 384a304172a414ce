from enum import StrEnum


class FilterTagOp(StrEnum):
    TAG = "tag"

    def __str__(self) -> str:
        return str(self.value)
