from enum import StrEnum


class Redacted(StrEnum):
    AGENT = "agent"
    AUTO = "auto"

    def __str__(self) -> str:
        return str(self.value)
