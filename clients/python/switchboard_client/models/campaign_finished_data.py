from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.funnel_counts import FunnelCounts


T = TypeVar("T", bound="CampaignFinishedData")


@_attrs_define
class CampaignFinishedData:
    """`data` of `campaign.finished`: nothing is left to send.

    Attributes:
        campaign (int): A marketing campaign.
        funnel (FunnelCounts): Counts of one channel of a campaign's funnel.
    """

    campaign: int
    funnel: FunnelCounts
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign = self.campaign

        funnel = self.funnel.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign": campaign,
                "funnel": funnel,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.funnel_counts import FunnelCounts  # noqa: PLC0415

        d = dict(src_dict)
        campaign = d.pop("campaign")

        funnel = FunnelCounts.from_dict(d.pop("funnel"))

        campaign_finished_data = cls(
            campaign=campaign,
            funnel=funnel,
        )

        campaign_finished_data.additional_properties = d
        return campaign_finished_data

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
