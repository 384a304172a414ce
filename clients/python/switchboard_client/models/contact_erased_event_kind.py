from enum import StrEnum


class ContactErasedEventKind(StrEnum):
    CONTACT_ERASED = "contact.erased"

    def __str__(self) -> str:
        return str(self.value)
