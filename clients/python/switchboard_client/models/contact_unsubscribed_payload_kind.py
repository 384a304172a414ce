from enum import StrEnum


class ContactUnsubscribedPayloadKind(StrEnum):
    CONTACT_UNSUBSCRIBED = "contact.unsubscribed"

    def __str__(self) -> str:
        return str(self.value)
