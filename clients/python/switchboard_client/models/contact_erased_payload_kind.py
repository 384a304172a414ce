from enum import StrEnum


class ContactErasedPayloadKind(StrEnum):
    CONTACT_ERASED = "contact.erased"

    def __str__(self) -> str:
        return str(self.value)
