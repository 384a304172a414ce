from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.priority import Priority

T = TypeVar("T", bound="ConditionPriority")


@_attrs_define
class ConditionPriority:
    """
    Attributes:
        priority (Priority):
    """

    priority: Priority

    def to_dict(self) -> dict[str, Any]:
        priority = self.priority.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "priority": priority,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        priority = Priority(d.pop("priority"))

        condition_priority = cls(
            priority=priority,
        )

        return condition_priority
