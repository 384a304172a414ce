from enum import StrEnum


class UnsubscribeSource(StrEnum):
    KEYWORD = "keyword"
    UNSUBSCRIBE = "unsubscribe"

    def __str__(self) -> str:
        return str(self.value)
