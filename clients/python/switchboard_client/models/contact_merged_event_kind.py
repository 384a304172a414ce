from enum import StrEnum


class ContactMergedEventKind(StrEnum):
    CONTACT_MERGED = "contact.merged"

    def __str__(self) -> str:
        return str(self.value)
