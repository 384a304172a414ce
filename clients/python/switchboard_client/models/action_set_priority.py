from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.priority import Priority

T = TypeVar("T", bound="ActionSetPriority")


@_attrs_define
class ActionSetPriority:
    """
    Attributes:
        set_priority (Priority):
    """

    set_priority: Priority

    def to_dict(self) -> dict[str, Any]:
        set_priority = self.set_priority.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "set_priority": set_priority,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        set_priority = Priority(d.pop("set_priority"))

        action_set_priority = cls(
            set_priority=set_priority,
        )

        return action_set_priority
