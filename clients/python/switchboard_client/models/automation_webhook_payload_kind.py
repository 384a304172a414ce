from enum import StrEnum


class AutomationWebhookPayloadKind(StrEnum):
    AUTOMATION_WEBHOOK = "automation.webhook"

    def __str__(self) -> str:
        return str(self.value)
