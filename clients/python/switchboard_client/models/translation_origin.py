from enum import StrEnum


class TranslationOrigin(StrEnum):
    AUTHOR = "author"
    MODEL = "model"

    def __str__(self) -> str:
        return str(self.value)
