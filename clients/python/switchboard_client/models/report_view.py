from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.group_view import GroupView


T = TypeVar("T", bound="ReportView")


@_attrs_define
class ReportView:
    """A metric over time.

    Attributes:
        business_hours (bool):
        group_by (str):
        groups (list[GroupView]):
        interval (str):
        metric (str):
        since (datetime.datetime):
        timezone (str):
        unit (str): `count`, `seconds` or `percent`: the unit of `value`.
        until (datetime.datetime):
    """

    business_hours: bool
    group_by: str
    groups: list[GroupView]
    interval: str
    metric: str
    since: datetime.datetime
    timezone: str
    unit: str
    until: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        business_hours = self.business_hours

        group_by = self.group_by

        groups = []
        for groups_item_data in self.groups:
            groups_item = groups_item_data.to_dict()
            groups.append(groups_item)

        interval = self.interval

        metric = self.metric

        since = self.since.isoformat()

        timezone = self.timezone

        unit = self.unit

        until = self.until.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "business_hours": business_hours,
                "group_by": group_by,
                "groups": groups,
                "interval": interval,
                "metric": metric,
                "since": since,
                "timezone": timezone,
                "unit": unit,
                "until": until,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.group_view import GroupView  # noqa: PLC0415

        d = dict(src_dict)
        business_hours = d.pop("business_hours")

        group_by = d.pop("group_by")

        groups = []
        _groups = d.pop("groups")
        for groups_item_data in _groups:
            groups_item = GroupView.from_dict(groups_item_data)

            groups.append(groups_item)

        interval = d.pop("interval")

        metric = d.pop("metric")

        since = datetime.datetime.fromisoformat(d.pop("since"))

        timezone = d.pop("timezone")

        unit = d.pop("unit")

        until = datetime.datetime.fromisoformat(d.pop("until"))

        report_view = cls(
            business_hours=business_hours,
            group_by=group_by,
            groups=groups,
            interval=interval,
            metric=metric,
            since=since,
            timezone=timezone,
            unit=unit,
            until=until,
        )

        report_view.additional_properties = d
        return report_view

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
