from enum import StrEnum


class RuleFailedPayloadKind(StrEnum):
    RULE_FAILED = "rule.failed"

    def __str__(self) -> str:
        return str(self.value)
