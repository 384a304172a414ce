from enum import StrEnum


class FilterEveryoneOp(StrEnum):
    EVERYONE = "everyone"

    def __str__(self) -> str:
        return str(self.value)
