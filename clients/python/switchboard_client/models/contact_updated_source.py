from enum import StrEnum


class ContactUpdatedSource(StrEnum):
    IMPORT = "import"

    def __str__(self) -> str:
        return str(self.value)
