from enum import StrEnum


class ContactCreatedPayloadKind(StrEnum):
    CONTACT_CREATED = "contact.created"

    def __str__(self) -> str:
        return str(self.value)
