from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionSetSla")


@_attrs_define
class ActionSetSla:
    """Start the SLA policy with this name.

    Attributes:
        set_sla (str): Start the SLA policy with this name.
    """

    set_sla: str

    def to_dict(self) -> dict[str, Any]:
        set_sla = self.set_sla

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "set_sla": set_sla,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        set_sla = d.pop("set_sla")

        action_set_sla = cls(
            set_sla=set_sla,
        )

        return action_set_sla
