from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.filter_active_within_op import FilterActiveWithinOp

T = TypeVar("T", bound="FilterActiveWithin")


@_attrs_define
class FilterActiveWithin:
    """Any conversation of the contact was active within the last `days` days.

    Attributes:
        days (int):
        op (FilterActiveWithinOp):
    """

    days: int
    op: FilterActiveWithinOp

    def to_dict(self) -> dict[str, Any]:
        days = self.days

        op = self.op.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "days": days,
                "op": op,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        days = d.pop("days")

        op = FilterActiveWithinOp(d.pop("op"))

        filter_active_within = cls(
            days=days,
            op=op,
        )

        return filter_active_within
