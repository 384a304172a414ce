from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.unsubscribe_source import UnsubscribeSource

T = TypeVar("T", bound="ContactUnsubscribedData")


@_attrs_define
class ContactUnsubscribedData:
    """`data` of `contact.unsubscribed`: a contact withdrew marketing consent for the first time
    on a channel kind (a repeated opt-out logs nothing).

        Attributes:
            campaign (int | None): The campaign the opt-out answers (the link's, or the last one sent to the contact);
                `null` when none.
            channel (str): The channel kind consent was withdrawn for (`email`, `telegram`, `webhook`, …).
            source (UnsubscribeSource): How a contact opted out.
    """

    campaign: int | None
    channel: str
    source: UnsubscribeSource
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign: int | None
        campaign = self.campaign

        channel = self.channel

        source = self.source.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign": campaign,
                "channel": channel,
                "source": source,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_campaign(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        campaign = _parse_campaign(d.pop("campaign"))

        channel = d.pop("channel")

        source = UnsubscribeSource(d.pop("source"))

        contact_unsubscribed_data = cls(
            campaign=campaign,
            channel=channel,
            source=source,
        )

        contact_unsubscribed_data.additional_properties = d
        return contact_unsubscribed_data

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
