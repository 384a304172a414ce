from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionAddLabel")


@_attrs_define
class ActionAddLabel:
    """
    Attributes:
        add_label (str):
    """

    add_label: str

    def to_dict(self) -> dict[str, Any]:
        add_label = self.add_label

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "add_label": add_label,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        add_label = d.pop("add_label")

        action_add_label = cls(
            add_label=add_label,
        )

        return action_add_label
