from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.filter_resolved_within_op import FilterResolvedWithinOp

T = TypeVar("T", bound="FilterResolvedWithin")


@_attrs_define
class FilterResolvedWithin:
    """The contact had a conversation resolved within the last `days` days.

    Attributes:
        days (int):
        op (FilterResolvedWithinOp):
    """

    days: int
    op: FilterResolvedWithinOp

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

        op = FilterResolvedWithinOp(d.pop("op"))

        filter_resolved_within = cls(
            days=days,
            op=op,
        )

        return filter_resolved_within
