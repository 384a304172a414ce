from enum import StrEnum


class CampaignStartedPayloadKind(StrEnum):
    CAMPAIGN_STARTED = "campaign.started"

    def __str__(self) -> str:
        return str(self.value)
