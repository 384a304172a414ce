from enum import StrEnum


class FilterAnyOp(StrEnum):
    ANY = "any"

    def __str__(self) -> str:
        return str(self.value)
