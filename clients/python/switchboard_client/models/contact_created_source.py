from enum import StrEnum


class ContactCreatedSource(StrEnum):
    API = "api"
    IMPORT = "import"

    def __str__(self) -> str:
        return str(self.value)
