from enum import StrEnum


class CampaignFinishedPayloadKind(StrEnum):
    CAMPAIGN_FINISHED = "campaign.finished"

    def __str__(self) -> str:
        return str(self.value)
