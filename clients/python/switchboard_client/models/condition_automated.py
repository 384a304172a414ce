from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ConditionAutomated")


@_attrs_define
class ConditionAutomated:
    """The message was flagged as sent by a machine.

    Attributes:
        automated (bool): The message was flagged as sent by a machine.
    """

    automated: bool

    def to_dict(self) -> dict[str, Any]:
        automated = self.automated

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "automated": automated,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        automated = d.pop("automated")

        condition_automated = cls(
            automated=automated,
        )

        return condition_automated
