from enum import StrEnum


class FilterAllOp(StrEnum):
    ALL = "all"

    def __str__(self) -> str:
        return str(self.value)
