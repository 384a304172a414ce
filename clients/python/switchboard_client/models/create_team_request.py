from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateTeamRequest")


@_attrs_define
class CreateTeamRequest:
    """Body of `POST /api/v1/teams`.

    Attributes:
        name (str):
        members (list[int] | Unset):
    """

    name: str
    members: list[int] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        members: list[int] | Unset = UNSET
        if not isinstance(self.members, Unset):
            members = self.members

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if members is not UNSET:
            field_dict["members"] = members

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        members = cast(list[int], d.pop("members", UNSET))

        create_team_request = cls(
            name=name,
            members=members,
        )

        return create_team_request
