from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.summary_group_view import SummaryGroupView


T = TypeVar("T", bound="SummaryView")


@_attrs_define
class SummaryView:
    """Every metric over a period and the period before it.

    Attributes:
        business_hours (bool):
        group_by (str):
        groups (list[SummaryGroupView]):
        previous_since (datetime.datetime):
        since (datetime.datetime):
        until (datetime.datetime):
    """

    business_hours: bool
    group_by: str
    groups: list[SummaryGroupView]
    previous_since: datetime.datetime
    since: datetime.datetime
    until: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        business_hours = self.business_hours

        group_by = self.group_by

        groups = []
        for groups_item_data in self.groups:
            groups_item = groups_item_data.to_dict()
            groups.append(groups_item)

        previous_since = self.previous_since.isoformat()

        since = self.since.isoformat()

        until = self.until.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "business_hours": business_hours,
                "group_by": group_by,
                "groups": groups,
                "previous_since": previous_since,
                "since": since,
                "until": until,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.summary_group_view import SummaryGroupView  # noqa: PLC0415

        d = dict(src_dict)
        business_hours = d.pop("business_hours")

        group_by = d.pop("group_by")

        groups = []
        _groups = d.pop("groups")
        for groups_item_data in _groups:
            groups_item = SummaryGroupView.from_dict(groups_item_data)

            groups.append(groups_item)

        previous_since = datetime.datetime.fromisoformat(d.pop("previous_since"))

        since = datetime.datetime.fromisoformat(d.pop("since"))

        until = datetime.datetime.fromisoformat(d.pop("until"))

        summary_view = cls(
            business_hours=business_hours,
            group_by=group_by,
            groups=groups,
            previous_since=previous_since,
            since=since,
            until=until,
        )

        summary_view.additional_properties = d
        return summary_view

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
