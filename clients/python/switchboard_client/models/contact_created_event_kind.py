from enum import StrEnum


class ContactCreatedEventKind(StrEnum):
    CONTACT_CREATED = "contact.created"

    def __str__(self) -> str:
        return str(self.value)
