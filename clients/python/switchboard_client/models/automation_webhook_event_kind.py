from enum import StrEnum


class AutomationWebhookEventKind(StrEnum):
    AUTOMATION_WEBHOOK = "automation.webhook"

    def __str__(self) -> str:
        return str(self.value)
