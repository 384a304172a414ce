from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.figure_view import FigureView
    from ..models.point_view import PointView


T = TypeVar("T", bound="GroupView")


@_attrs_define
class GroupView:
    """One group's series and its figures over the whole period.

    Attributes:
        key (str): An agent or team id, a channel name, a label; empty without grouping.
        name (str):
        points (list[PointView]):
        total (FigureView): The figures of one group and bucket. Which fields appear depends on the metric: counts
            have `value`; times add `median`, `p90` and `mean` (seconds); `sla_met` adds `met` and
            `missed`; `csat` adds `sent`, `satisfied` and `response_rate`.
    """

    key: str
    name: str
    points: list[PointView]
    total: FigureView
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        name = self.name

        points = []
        for points_item_data in self.points:
            points_item = points_item_data.to_dict()
            points.append(points_item)

        total = self.total.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "key": key,
                "name": name,
                "points": points,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.figure_view import FigureView  # noqa: PLC0415
        from ..models.point_view import PointView  # noqa: PLC0415

        d = dict(src_dict)
        key = d.pop("key")

        name = d.pop("name")

        points = []
        _points = d.pop("points")
        for points_item_data in _points:
            points_item = PointView.from_dict(points_item_data)

            points.append(points_item)

        total = FigureView.from_dict(d.pop("total"))

        group_view = cls(
            key=key,
            name=name,
            points=points,
            total=total,
        )

        group_view.additional_properties = d
        return group_view

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
