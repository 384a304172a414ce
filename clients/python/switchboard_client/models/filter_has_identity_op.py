from enum import StrEnum


class FilterHasIdentityOp(StrEnum):
    HAS_IDENTITY = "has_identity"

    def __str__(self) -> str:
        return str(self.value)
