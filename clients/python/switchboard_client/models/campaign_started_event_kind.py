from enum import StrEnum


class CampaignStartedEventKind(StrEnum):
    CAMPAIGN_STARTED = "campaign.started"

    def __str__(self) -> str:
        return str(self.value)
