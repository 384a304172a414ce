from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.filter_tag_op import FilterTagOp

T = TypeVar("T", bound="FilterTag")


@_attrs_define
class FilterTag:
    """The contact has this tag.

    Attributes:
        op (FilterTagOp):
        tag (str):
    """

    op: FilterTagOp
    tag: str

    def to_dict(self) -> dict[str, Any]:
        op = self.op.value

        tag = self.tag

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "op": op,
                "tag": tag,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        op = FilterTagOp(d.pop("op"))

        tag = d.pop("tag")

        filter_tag = cls(
            op=op,
            tag=tag,
        )

        return filter_tag
