from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.availability import Availability
from ..models.role import Role
from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateAgentRequest")


@_attrs_define
class UpdateAgentRequest:
    """Body of `PATCH /api/v1/agents/{id}`.

    Attributes:
        availability (Availability | None | Unset):
        capacity (int | None | Unset):
        language (None | str | Unset): The language the agent reads and writes (ISO 639-1, `"cs"`), into which agent
            assist
            translates customer messages for them; `""` goes back to `[assist] language`.
        name (None | str | Unset):
        role (None | Role | Unset):
        takes_conversations (bool | None | Unset): Admins only: `true` lets the router give them conversations like an
            agent.
    """

    availability: Availability | None | Unset = UNSET
    capacity: int | None | Unset = UNSET
    language: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    role: None | Role | Unset = UNSET
    takes_conversations: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        availability: None | str | Unset
        if isinstance(self.availability, Unset):
            availability = UNSET
        elif isinstance(self.availability, Availability):
            availability = self.availability.value
        else:
            availability = self.availability

        capacity: int | None | Unset
        if isinstance(self.capacity, Unset):
            capacity = UNSET
        else:
            capacity = self.capacity

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, Role):
            role = self.role.value
        else:
            role = self.role

        takes_conversations: bool | None | Unset
        if isinstance(self.takes_conversations, Unset):
            takes_conversations = UNSET
        else:
            takes_conversations = self.takes_conversations

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if availability is not UNSET:
            field_dict["availability"] = availability
        if capacity is not UNSET:
            field_dict["capacity"] = capacity
        if language is not UNSET:
            field_dict["language"] = language
        if name is not UNSET:
            field_dict["name"] = name
        if role is not UNSET:
            field_dict["role"] = role
        if takes_conversations is not UNSET:
            field_dict["takes_conversations"] = takes_conversations

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_availability(data: object) -> Availability | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                availability_type_1 = Availability(data)

                return availability_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Availability | None | Unset, data)

        availability = _parse_availability(d.pop("availability", UNSET))

        def _parse_capacity(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        capacity = _parse_capacity(d.pop("capacity", UNSET))

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_role(data: object) -> None | Role | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_1 = Role(data)

                return role_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Role | Unset, data)

        role = _parse_role(d.pop("role", UNSET))

        def _parse_takes_conversations(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        takes_conversations = _parse_takes_conversations(d.pop("takes_conversations", UNSET))

        update_agent_request = cls(
            availability=availability,
            capacity=capacity,
            language=language,
            name=name,
            role=role,
            takes_conversations=takes_conversations,
        )

        return update_agent_request
