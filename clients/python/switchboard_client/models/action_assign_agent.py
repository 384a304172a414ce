from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionAssignAgent")


@_attrs_define
class ActionAssignAgent:
    """Assign to the agent with this email address.

    Attributes:
        assign_agent (str): Assign to the agent with this email address.
    """

    assign_agent: str

    def to_dict(self) -> dict[str, Any]:
        assign_agent = self.assign_agent

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "assign_agent": assign_agent,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        assign_agent = d.pop("assign_agent")

        action_assign_agent = cls(
            assign_agent=assign_agent,
        )

        return action_assign_agent
