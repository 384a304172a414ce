from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.filter_inactive_for_op import FilterInactiveForOp

T = TypeVar("T", bound="FilterInactiveFor")


@_attrs_define
class FilterInactiveFor:
    """No conversation of the contact was active within the last `days` days (or none at all).

    Attributes:
        days (int):
        op (FilterInactiveForOp):
    """

    days: int
    op: FilterInactiveForOp

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

        op = FilterInactiveForOp(d.pop("op"))

        filter_inactive_for = cls(
            days=days,
            op=op,
        )

        return filter_inactive_for
