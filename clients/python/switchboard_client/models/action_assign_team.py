from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionAssignTeam")


@_attrs_define
class ActionAssignTeam:
    """Route to the team with this name (the router picks a member).

    Attributes:
        assign_team (str): Route to the team with this name (the router picks a member).
    """

    assign_team: str

    def to_dict(self) -> dict[str, Any]:
        assign_team = self.assign_team

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "assign_team": assign_team,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        assign_team = d.pop("assign_team")

        action_assign_team = cls(
            assign_team=assign_team,
        )

        return action_assign_team
