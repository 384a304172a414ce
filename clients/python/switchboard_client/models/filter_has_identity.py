from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.filter_has_identity_op import FilterHasIdentityOp

T = TypeVar("T", bound="FilterHasIdentity")


@_attrs_define
class FilterHasIdentity:
    """The contact has a reachable identity in this scope (`email`, `telegram`, `whatsapp`, …).

    Attributes:
        op (FilterHasIdentityOp):
        scope (str):
    """

    op: FilterHasIdentityOp
    scope: str

    def to_dict(self) -> dict[str, Any]:
        op = self.op.value

        scope = self.scope

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "op": op,
                "scope": scope,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        op = FilterHasIdentityOp(d.pop("op"))

        scope = d.pop("scope")

        filter_has_identity = cls(
            op=op,
            scope=scope,
        )

        return filter_has_identity
