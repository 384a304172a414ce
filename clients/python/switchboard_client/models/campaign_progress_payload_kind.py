from enum import StrEnum


class CampaignProgressPayloadKind(StrEnum):
    CAMPAIGN_PROGRESS = "campaign.progress"

    def __str__(self) -> str:
        return str(self.value)
