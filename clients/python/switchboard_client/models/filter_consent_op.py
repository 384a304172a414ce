from enum import StrEnum


class FilterConsentOp(StrEnum):
    CONSENT = "consent"

    def __str__(self) -> str:
        return str(self.value)
