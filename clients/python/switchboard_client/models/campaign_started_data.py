from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CampaignStartedData")


@_attrs_define
class CampaignStartedData:
    """`data` of `campaign.started`: the worker planned a campaign's audience and began sending.

    Attributes:
        campaign (int): A marketing campaign.
        name (str): Its name.
        targeted (int): How many contacts the audience holds.
    """

    campaign: int
    name: str
    targeted: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign = self.campaign

        name = self.name

        targeted = self.targeted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign": campaign,
                "name": name,
                "targeted": targeted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        campaign = d.pop("campaign")

        name = d.pop("name")

        targeted = d.pop("targeted")

        campaign_started_data = cls(
            campaign=campaign,
            name=name,
            targeted=targeted,
        )

        campaign_started_data.additional_properties = d
        return campaign_started_data

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
