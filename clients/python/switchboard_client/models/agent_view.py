from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.availability import Availability
from ..models.role import Role
from ..types import UNSET, Unset

T = TypeVar("T", bound="AgentView")


@_attrs_define
class AgentView:
    """An agent.

    Attributes:
        availability (Availability):
        capacity (int):
        created_at (datetime.datetime):
        email (str):
        id (int): A support agent, admin or marketer.
        name (str):
        role (Role):
        takes_conversations (bool): Admins: whether the router gives them conversations (agents always get them,
            marketers never).
        language (None | str | Unset): The language the agent reads and writes (ISO 639-1), for agent assist's
            translations;
            `null`: the installation's `[assist] language`.
    """

    availability: Availability
    capacity: int
    created_at: datetime.datetime
    email: str
    id: int
    name: str
    role: Role
    takes_conversations: bool
    language: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        availability = self.availability.value

        capacity = self.capacity

        created_at = self.created_at.isoformat()

        email = self.email

        id = self.id

        name = self.name

        role = self.role.value

        takes_conversations = self.takes_conversations

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "availability": availability,
                "capacity": capacity,
                "created_at": created_at,
                "email": email,
                "id": id,
                "name": name,
                "role": role,
                "takes_conversations": takes_conversations,
            }
        )
        if language is not UNSET:
            field_dict["language"] = language

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        availability = Availability(d.pop("availability"))

        capacity = d.pop("capacity")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        email = d.pop("email")

        id = d.pop("id")

        name = d.pop("name")

        role = Role(d.pop("role"))

        takes_conversations = d.pop("takes_conversations")

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        agent_view = cls(
            availability=availability,
            capacity=capacity,
            created_at=created_at,
            email=email,
            id=id,
            name=name,
            role=role,
            takes_conversations=takes_conversations,
            language=language,
        )

        agent_view.additional_properties = d
        return agent_view

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
