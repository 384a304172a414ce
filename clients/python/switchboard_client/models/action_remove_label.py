from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionRemoveLabel")


@_attrs_define
class ActionRemoveLabel:
    """
    Attributes:
        remove_label (str):
    """

    remove_label: str

    def to_dict(self) -> dict[str, Any]:
        remove_label = self.remove_label

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "remove_label": remove_label,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        remove_label = d.pop("remove_label")

        action_remove_label = cls(
            remove_label=remove_label,
        )

        return action_remove_label
