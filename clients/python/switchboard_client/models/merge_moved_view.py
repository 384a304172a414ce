from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MergeMovedView")


@_attrs_define
class MergeMovedView:
    """What a merge moved.

    Attributes:
        campaign_sends (int): Campaign send records (a campaign both contacts were sent keeps the survivor's).
        conversations (int):
        identities (int):
    """

    campaign_sends: int
    conversations: int
    identities: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign_sends = self.campaign_sends

        conversations = self.conversations

        identities = self.identities

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign_sends": campaign_sends,
                "conversations": conversations,
                "identities": identities,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        campaign_sends = d.pop("campaign_sends")

        conversations = d.pop("conversations")

        identities = d.pop("identities")

        merge_moved_view = cls(
            campaign_sends=campaign_sends,
            conversations=conversations,
            identities=identities,
        )

        merge_moved_view.additional_properties = d
        return merge_moved_view

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
