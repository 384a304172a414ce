from enum import StrEnum


class ContactUpdatedEventKind(StrEnum):
    CONTACT_UPDATED = "contact.updated"

    def __str__(self) -> str:
        return str(self.value)
