from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.comparison import Comparison
from ..models.filter_attribute_op import FilterAttributeOp

T = TypeVar("T", bound="FilterAttribute")


@_attrs_define
class FilterAttribute:
    """Compares an attribute (`contact.attributes.<key>`) with a value.

    Attributes:
        cmp (Comparison): How an attribute is compared.
        key (str): Letters, digits, `_` and `-`.
        op (FilterAttributeOp):
        value (bool | float | str):
    """

    cmp: Comparison
    key: str
    op: FilterAttributeOp
    value: bool | float | str

    def to_dict(self) -> dict[str, Any]:
        cmp = self.cmp.value

        key = self.key

        op = self.op.value

        value: bool | float | str
        value = self.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "cmp": cmp,
                "key": key,
                "op": op,
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cmp = Comparison(d.pop("cmp"))

        key = d.pop("key")

        op = FilterAttributeOp(d.pop("op"))

        def _parse_value(data: object) -> bool | float | str:
            return cast(bool | float | str, data)

        value = _parse_value(d.pop("value"))

        filter_attribute = cls(
            cmp=cmp,
            key=key,
            op=op,
            value=value,
        )

        return filter_attribute
