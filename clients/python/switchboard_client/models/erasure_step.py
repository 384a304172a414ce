from enum import StrEnum


class ErasureStep(StrEnum):
    CONTACT = "contact"
    DETACH = "detach"
    DONE = "done"
    EVENTS = "events"
    FILES = "files"
    MESSAGES = "messages"

    def __str__(self) -> str:
        return str(self.value)
