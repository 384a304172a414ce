from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ConditionWithinBusinessHours")


@_attrs_define
class ConditionWithinBusinessHours:
    """
    Attributes:
        within_business_hours (bool):
    """

    within_business_hours: bool

    def to_dict(self) -> dict[str, Any]:
        within_business_hours = self.within_business_hours

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "within_business_hours": within_business_hours,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        within_business_hours = d.pop("within_business_hours")

        condition_within_business_hours = cls(
            within_business_hours=within_business_hours,
        )

        return condition_within_business_hours
