from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.availability import Availability
from ..models.role import Role

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
    """

    availability: Availability
    capacity: int
    created_at: datetime.datetime
    email: str
    id: int
    name: str
    role: Role
    takes_conversations: bool
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

        agent_view = cls(
            availability=availability,
            capacity=capacity,
            created_at=created_at,
            email=email,
            id=id,
            name=name,
            role=role,
            takes_conversations=takes_conversations,
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
