from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="TeamMembersRequest")


@_attrs_define
class TeamMembersRequest:
    """Body of `PUT /api/v1/teams/{id}/members`.

    Attributes:
        members (list[int]):
    """

    members: list[int]

    def to_dict(self) -> dict[str, Any]:
        members = self.members

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "members": members,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        members = cast(list[int], d.pop("members"))

        team_members_request = cls(
            members=members,
        )

        return team_members_request
