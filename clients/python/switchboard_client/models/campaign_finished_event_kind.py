from enum import StrEnum


class CampaignFinishedEventKind(StrEnum):
    CAMPAIGN_FINISHED = "campaign.finished"

    def __str__(self) -> str:
        return str(self.value)
