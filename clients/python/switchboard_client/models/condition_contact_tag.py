from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ConditionContactTag")


@_attrs_define
class ConditionContactTag:
    """
    Attributes:
        contact_tag (str):
    """

    contact_tag: str

    def to_dict(self) -> dict[str, Any]:
        contact_tag = self.contact_tag

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "contact_tag": contact_tag,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        contact_tag = d.pop("contact_tag")

        condition_contact_tag = cls(
            contact_tag=contact_tag,
        )

        return condition_contact_tag
