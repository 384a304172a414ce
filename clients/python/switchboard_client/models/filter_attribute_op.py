from enum import StrEnum


class FilterAttributeOp(StrEnum):
    ATTRIBUTE = "attribute"

    def __str__(self) -> str:
        return str(self.value)
