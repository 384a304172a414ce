from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AttributeTest")


@_attrs_define
class AttributeTest:
    """`{ key = "plan", equals = "vip" }`, `{ key = "plan", contains = "pro" }` or
    `{ key = "plan", exists = true }`.

        Attributes:
            key (str):
            contains (None | str | Unset):
            equals (Any | Unset):
            exists (bool | None | Unset):
    """

    key: str
    contains: None | str | Unset = UNSET
    equals: Any | Unset = UNSET
    exists: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        contains: None | str | Unset
        if isinstance(self.contains, Unset):
            contains = UNSET
        else:
            contains = self.contains

        equals = self.equals

        exists: bool | None | Unset
        if isinstance(self.exists, Unset):
            exists = UNSET
        else:
            exists = self.exists

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
            }
        )
        if contains is not UNSET:
            field_dict["contains"] = contains
        if equals is not UNSET:
            field_dict["equals"] = equals
        if exists is not UNSET:
            field_dict["exists"] = exists

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key = d.pop("key")

        def _parse_contains(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        contains = _parse_contains(d.pop("contains", UNSET))

        equals = d.pop("equals", UNSET)

        def _parse_exists(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        exists = _parse_exists(d.pop("exists", UNSET))

        attribute_test = cls(
            key=key,
            contains=contains,
            equals=equals,
            exists=exists,
        )

        return attribute_test
