from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.filter_everyone_op import FilterEveryoneOp

T = TypeVar("T", bound="FilterEveryone")


@_attrs_define
class FilterEveryone:
    """Every contact.

    Attributes:
        op (FilterEveryoneOp):
    """

    op: FilterEveryoneOp

    def to_dict(self) -> dict[str, Any]:
        op = self.op.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "op": op,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        op = FilterEveryoneOp(d.pop("op"))

        filter_everyone = cls(
            op=op,
        )

        return filter_everyone
