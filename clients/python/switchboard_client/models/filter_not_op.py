from enum import StrEnum


class FilterNotOp(StrEnum):
    NOT = "not"

    def __str__(self) -> str:
        return str(self.value)
