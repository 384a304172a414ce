from enum import StrEnum


class RuleSource(StrEnum):
    API = "api"
    BOT = "bot"
    CONFIG = "config"

    def __str__(self) -> str:
        return str(self.value)
