from enum import StrEnum


class ContactMergeUndoneEventKind(StrEnum):
    CONTACT_MERGE_UNDONE = "contact.merge_undone"

    def __str__(self) -> str:
        return str(self.value)
