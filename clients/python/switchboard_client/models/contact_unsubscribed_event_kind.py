from enum import StrEnum


class ContactUnsubscribedEventKind(StrEnum):
    CONTACT_UNSUBSCRIBED = "contact.unsubscribed"

    def __str__(self) -> str:
        return str(self.value)
