from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.summary_group_view_current import SummaryGroupViewCurrent
    from ..models.summary_group_view_previous import SummaryGroupViewPrevious


T = TypeVar("T", bound="SummaryGroupView")


@_attrs_define
class SummaryGroupView:
    """One group's figures of every metric, now and in the period before.

    Attributes:
        current (SummaryGroupViewCurrent): By metric name.
        key (str):
        name (str):
        previous (SummaryGroupViewPrevious): By metric name, over the period of equal length that ends at `since`.
    """

    current: SummaryGroupViewCurrent
    key: str
    name: str
    previous: SummaryGroupViewPrevious
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        current = self.current.to_dict()

        key = self.key

        name = self.name

        previous = self.previous.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "current": current,
                "key": key,
                "name": name,
                "previous": previous,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.summary_group_view_current import SummaryGroupViewCurrent  # noqa: PLC0415
        from ..models.summary_group_view_previous import SummaryGroupViewPrevious  # noqa: PLC0415

        d = dict(src_dict)
        current = SummaryGroupViewCurrent.from_dict(d.pop("current"))

        key = d.pop("key")

        name = d.pop("name")

        previous = SummaryGroupViewPrevious.from_dict(d.pop("previous"))

        summary_group_view = cls(
            current=current,
            key=key,
            name=name,
            previous=previous,
        )

        summary_group_view.additional_properties = d
        return summary_group_view

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
